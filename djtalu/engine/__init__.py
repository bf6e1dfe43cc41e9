"""djtalu's inference engine: talu in supervised worker processes, with an async API.

Knows nothing of Django, so it can be used and tested without settings.

Example::

    pool = WorkerPool(model_path, workers=2)
    async for piece in pool.stream([{"role": "user", "content": "Hi"}], GenerationParams()):
        print(piece, end="")
"""

from djtalu.engine.compat import load_talu
from djtalu.engine.convert import convert_gguf, find_smollm2_gguf
from djtalu.engine.errors import GenerationError, QueueFullError, WorkerCrashedError
from djtalu.engine.generator import Generator
from djtalu.engine.params import GenerationParams
from djtalu.engine.pool import PoolStats, WorkerPool
from djtalu.engine.result import GenerationResult
from djtalu.engine.stream import AsyncGenerationStream
from djtalu.engine.tiny import build_tiny_model

__all__ = [
    "AsyncGenerationStream",
    "GenerationError",
    "GenerationParams",
    "GenerationResult",
    "Generator",
    "PoolStats",
    "QueueFullError",
    "WorkerCrashedError",
    "WorkerPool",
    "build_tiny_model",
    "convert_gguf",
    "find_smollm2_gguf",
    "load_talu",
]
