"""djtalu's inference engine: talu in supervised worker processes, with an async API.

Knows nothing of Django, so it can be used and tested without settings. The model-building
helpers (``convert_gguf``, ``find_smollm2_gguf``, ``build_tiny_model``) are imported on first
use: they pull in numpy, gguf and tokenizers, which every worker process would otherwise pay
for at start-up.

Example::

    pool = WorkerPool(model_path, workers=2)
    async for piece in pool.stream([{"role": "user", "content": "Hi"}], GenerationParams()):
        print(piece, end="")
"""

import importlib
from typing import TYPE_CHECKING, Any

from djtalu.engine.compat import load_talu
from djtalu.engine.errors import (
    ContextLengthError,
    GenerationError,
    NoWorkerError,
    QueueFullError,
    StructuredOutputError,
    WorkerCrashedError,
)
from djtalu.engine.generator import Generator
from djtalu.engine.params import GenerationParams
from djtalu.engine.pool import PoolStats, WorkerPool
from djtalu.engine.result import GenerationResult
from djtalu.engine.stream import AsyncGenerationStream

if TYPE_CHECKING:
    from djtalu.engine.convert import convert_gguf, find_smollm2_gguf
    from djtalu.engine.tiny import build_tiny_model

_LAZY = {
    "convert_gguf": "djtalu.engine.convert",
    "find_smollm2_gguf": "djtalu.engine.convert",
    "build_tiny_model": "djtalu.engine.tiny",
}

__all__ = [
    "AsyncGenerationStream",
    "ContextLengthError",
    "GenerationError",
    "GenerationParams",
    "GenerationResult",
    "Generator",
    "NoWorkerError",
    "PoolStats",
    "QueueFullError",
    "StructuredOutputError",
    "WorkerCrashedError",
    "WorkerPool",
    "build_tiny_model",
    "convert_gguf",
    "find_smollm2_gguf",
    "load_talu",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'djtalu.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
