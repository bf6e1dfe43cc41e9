"""Django integration of the kida template engine: backend, streaming, Suspense, SSE/WebSocket."""
