"""Inference app: the talu LLM engine in supervised worker processes, streamed to async views.

Public API (imported lazily, so ``INSTALLED_APPS`` can load the package before models exist)::

    import djtalu

    result = await djtalu.generate_async("default", "What is 2+2?")
    person = (await djtalu.generate_async("default", "Invent one.", response_format=Person)).parsed
    async for piece in await djtalu.stream_async("default", "Tell me a story"):
        ...
    chat = djtalu.AsyncChat("default")
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from djtalu.api import (
        AsyncChat,
        GenerationOverrides,
        RecordedReply,
        generate_async,
        stream_async,
    )
    from djtalu.engine import (
        ContextLengthError,
        GenerationError,
        GenerationParams,
        GenerationResult,
        NoWorkerError,
        QueueFullError,
        StructuredOutputError,
        WorkerCrashedError,
    )
    from djtalu.models import Conversation, Message, ModelSession
    from djtalu.pools import GenerationStream, SessionUnavailableError

#: Public name -> the module that defines it.
_EXPORTS = {
    "AsyncChat": "djtalu.api",
    "GenerationOverrides": "djtalu.api",
    "RecordedReply": "djtalu.api",
    "generate_async": "djtalu.api",
    "stream_async": "djtalu.api",
    "ContextLengthError": "djtalu.engine",
    "GenerationError": "djtalu.engine",
    "GenerationParams": "djtalu.engine",
    "GenerationResult": "djtalu.engine",
    "NoWorkerError": "djtalu.engine",
    "QueueFullError": "djtalu.engine",
    "StructuredOutputError": "djtalu.engine",
    "WorkerCrashedError": "djtalu.engine",
    "Conversation": "djtalu.models",
    "Message": "djtalu.models",
    "ModelSession": "djtalu.models",
    "GenerationStream": "djtalu.pools",
    "SessionUnavailableError": "djtalu.pools",
}

__all__ = [
    "AsyncChat",
    "ContextLengthError",
    "Conversation",
    "GenerationError",
    "GenerationOverrides",
    "GenerationParams",
    "GenerationResult",
    "GenerationStream",
    "Message",
    "ModelSession",
    "NoWorkerError",
    "QueueFullError",
    "RecordedReply",
    "SessionUnavailableError",
    "StructuredOutputError",
    "WorkerCrashedError",
    "generate_async",
    "stream_async",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'djtalu' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
