"""Django integration of the kida template engine: backend, streaming, Suspense, SSE/WebSocket."""

from djkida.broadcast import abroadcast, broadcast
from djkida.cache import DeferredCache, DeferredComputationError
from djkida.fragments import Fragment
from djkida.sse import EventStream, SSEEvent
from djkida.streaming import stream, stream_block
from djkida.suspense import suspense
from djkida.views import StreamingTemplateView

__all__ = [
    "DeferredCache",
    "DeferredComputationError",
    "EventStream",
    "Fragment",
    "SSEEvent",
    "StreamingTemplateView",
    "abroadcast",
    "broadcast",
    "stream",
    "stream_block",
    "suspense",
]
