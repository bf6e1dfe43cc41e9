"""A tiny random llama model that talu loads in milliseconds: the engine's test fixture.

Two layers, hidden size 64, a byte-level BPE tokenizer trained on printable ASCII (a full
256-byte alphabet makes random models emit invalid UTF-8 that breaks the next turn). The
special tokens get zero rows in an untied ``lm_head`` while ordinary tokens get large random
logits, so the model practically never emits end-of-turn: generations run to ``max_tokens``,
which is what tests of streaming, cancellation and backpressure need.
"""

import string
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from djtalu.engine.hf_directory import write_model_directory

_SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
_HIDDEN = 64
_LAYERS = 2
_HEADS = 4
_KV_HEADS = 2
_INTERMEDIATE = 128
_VOCAB = 512
#: Printable ASCII without the vertical whitespace controls (\r, \x0b, \x0c).
_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \n"
_TRAINING_TEXT = (
    "The quick brown fox jumps over the lazy dog. 0123456789 "
    "Streaming tokens from worker processes keeps the event loop free. " + _ALPHABET
)


def build_tiny_model(destination: Path, *, seed: int = 0) -> Path:
    """Write the tiny model directory to ``destination`` and return it.

    Example::

        path = build_tiny_model(tmp_path / "tiny")
        WorkerPool(path, workers=2)
    """
    tokenizer = _train_tokenizer()
    vocab_size = tokenizer.get_vocab_size()
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": _HIDDEN,
        "intermediate_size": _INTERMEDIATE,
        "num_hidden_layers": _LAYERS,
        "num_attention_heads": _HEADS,
        "num_key_value_heads": _KV_HEADS,
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "vocab_size": vocab_size,
        "tie_word_embeddings": False,
        "bos_token_id": tokenizer.token_to_id("<|im_start|>"),
        "eos_token_id": tokenizer.token_to_id("<|im_end|>"),
        "torch_dtype": "float32",
        "hidden_act": "silu",
    }
    tensors = _random_weights(np.random.default_rng(seed), vocab_size)
    # The BPE trainer gives the special tokens the first ids.
    tensors["lm_head.weight"][: len(_SPECIAL_TOKENS)] = 0.0
    return write_model_directory(
        destination,
        config=config,
        tensors=tensors,
        tokenizer=tokenizer,
        special_tokens={"bos": "<|im_start|>", "eos": "<|im_end|>", "pad": "<|endoftext|>"},
    )


def _train_tokenizer() -> Tokenizer:
    """Byte-level BPE over printable ASCII only, with the ChatML special tokens."""
    tokenizer = Tokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.pre_tokenizer = byte_level
    tokenizer.decoder = decoders.ByteLevel()
    # The trainer's alphabet is in byte-level form (" " is "Ġ"), so map each character first.
    alphabet = sorted({byte_level.pre_tokenize_str(char)[0][0] for char in _ALPHABET})
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB,
        special_tokens=list(_SPECIAL_TOKENS),
        initial_alphabet=alphabet,
        limit_alphabet=len(alphabet),
        show_progress=False,
    )
    tokenizer.train_from_iterator([_TRAINING_TEXT] * 4, trainer=trainer)
    return tokenizer


def _random_weights(rng: np.random.Generator, vocab_size: int) -> dict[str, np.ndarray]:
    """Small random weights, except a large-scale ``lm_head`` so sampling stays decisive."""

    def normal(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    head_dim = _HIDDEN // _HEADS
    tensors = {"model.embed_tokens.weight": normal(vocab_size, _HIDDEN, scale=1.0)}
    for layer in range(_LAYERS):
        prefix = f"model.layers.{layer}"
        tensors |= {
            f"{prefix}.input_layernorm.weight": np.ones(_HIDDEN, np.float32),
            f"{prefix}.post_attention_layernorm.weight": np.ones(_HIDDEN, np.float32),
            f"{prefix}.self_attn.q_proj.weight": normal(_HEADS * head_dim, _HIDDEN),
            f"{prefix}.self_attn.k_proj.weight": normal(_KV_HEADS * head_dim, _HIDDEN),
            f"{prefix}.self_attn.v_proj.weight": normal(_KV_HEADS * head_dim, _HIDDEN),
            f"{prefix}.self_attn.o_proj.weight": normal(_HIDDEN, _HEADS * head_dim),
            f"{prefix}.mlp.gate_proj.weight": normal(_INTERMEDIATE, _HIDDEN),
            f"{prefix}.mlp.up_proj.weight": normal(_INTERMEDIATE, _HIDDEN),
            f"{prefix}.mlp.down_proj.weight": normal(_HIDDEN, _INTERMEDIATE),
        }
    tensors["model.norm.weight"] = np.ones(_HIDDEN, np.float32)
    tensors["lm_head.weight"] = normal(vocab_size, _HIDDEN, scale=1.0)
    return tensors
