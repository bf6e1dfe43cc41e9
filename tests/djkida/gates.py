"""Gates of the suspense test server (``?stats=@NAME``): sources that resolve when a test says.

A test releases one gate, sees what arrived, then releases the next: order is asserted
without depending on how fast the machine is.
"""

import uuid

import httpx

from tests.servers import LiveServer


def new_gates(*names: str) -> list[str]:
    """Gate names no other test uses (the server keeps its gates for its lifetime)."""
    unique = uuid.uuid4().hex
    return [f"{name}-{unique}" for name in names]


def release(server: LiveServer, gate: str) -> None:
    """Let the sources waiting for ``gate`` resolve (and any that ask for it later)."""
    assert httpx.get(f"{server.url}/release/?gate={gate}", timeout=30).status_code == 204
