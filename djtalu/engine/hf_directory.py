"""Write Hugging Face-style model directories, the only model format talu loads.

Shared by the tiny test model and the GGUF converter: ``config.json``, ``tokenizer.json``,
``tokenizer_config.json`` (with the chat template talu applies) and ``model.safetensors``.
The safetensors file is written directly (8-byte header length, JSON header, raw data), so the
``safetensors`` package is not needed.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

#: ChatML, the template SmolLM2 ships; the default system prompt is SmolLM2's own.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, "
    "trained by Hugging Face<|im_end|>\\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_DTYPE_NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}


def _write_safetensors(path: Path, tensors: Mapping[str, np.ndarray]) -> None:
    """Write ``tensors`` (name -> C-contiguous float32/float16 array) as one safetensors file."""
    header: dict[str, Any] = {}
    offset = 0
    for name, array in tensors.items():
        size = array.nbytes
        header[name] = {
            "dtype": _DTYPE_NAMES[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # data must start 8-byte aligned
    with path.open("wb") as file:
        file.write(len(encoded).to_bytes(8, "little"))
        file.write(encoded)
        for array in tensors.values():
            file.write(np.ascontiguousarray(array).tobytes())


def write_model_directory(
    destination: Path,
    *,
    config: Mapping[str, Any],
    tensors: Mapping[str, np.ndarray],
    tokenizer: Tokenizer,
    special_tokens: Mapping[str, str],
    chat_template: str = CHATML_TEMPLATE,
) -> Path:
    """Write a complete llama-style directory; ``special_tokens`` maps bos/eos/pad to strings."""
    destination.mkdir(parents=True, exist_ok=True)
    (destination / "config.json").write_text(json.dumps(config, indent=2))
    tokenizer.save(str(destination / "tokenizer.json"))
    tokenizer_config = {
        "tokenizer_class": "GPT2Tokenizer",
        "chat_template": chat_template,
        "bos_token": special_tokens["bos"],
        "eos_token": special_tokens["eos"],
        "pad_token": special_tokens["pad"],
        "unk_token": special_tokens["bos"],
        "add_prefix_space": False,
        "model_max_length": config["max_position_embeddings"],
    }
    (destination / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))
    _write_safetensors(destination / "model.safetensors", tensors)
    return destination
