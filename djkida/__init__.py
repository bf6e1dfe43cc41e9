"""Django integration of the kida template engine: backend, streaming, Suspense, SSE/WebSocket."""

from djkida.suspense import suspense

__all__ = ["suspense"]
