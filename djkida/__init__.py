"""Django integration of the kida template engine: backend, streaming, Suspense, SSE/WebSocket."""

from djkida.streaming import stream, stream_block
from djkida.suspense import suspense
from djkida.views import StreamingTemplateView

__all__ = ["StreamingTemplateView", "stream", "stream_block", "suspense"]
