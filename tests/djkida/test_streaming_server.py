"""Streaming through real daphne and uvicorn: timing, disconnects, fallbacks, CSRF."""

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from djkida.streaming import _PRODUCTION_FALLBACK
from tests.djkida.gates import new_gates, release, streamed
from tests.servers import LiveServer, live_server

pytestmark = pytest.mark.slow

SETTINGS = "tests.djkida.stream_settings"
APP = "tests.djkida.stream_asgi:application"


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with live_server(settings=SETTINGS, app=APP, kind=request.param) as running:
        # Warm up (imports, URL resolver, compiles).
        httpx.get(running.url + "/form/", timeout=30).raise_for_status()
        yield running


def test_first_chunk_leaves_before_slow_sources_resolve(server: LiveServer) -> None:
    fast, slow = new_gates("fast", "slow")
    with streamed(f"{server.url}/progressive/?fast=@{fast}&slow=@{slow}") as body:
        assert body.response.status_code == 200
        body.until("<h1>Progressive</h1>")
        assert "done" not in body.text  # the shell left before any source resolved
        # Sources are awaited where the template uses them, in template order: the slow one,
        # ready first, waits for the fast one before it.
        release(server, slow)
        release(server, fast)
        text = body.rest()
    assert text.index("fast done") < text.index("slow done") < text.index("<footer>end</footer>")


def test_disconnect_closes_endless_source(server: LiveServer, tmp_path: Path) -> None:
    marker = tmp_path / "closed-at"
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        request = f"GET /endless/?marker={marker} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        sock.sendall(request.encode())
        received = b""
        while received.count(b"<li>") < 5:
            received += sock.recv(65536)
        assert b"<h1>Endless</h1>" in received
        assert not marker.exists()
        sock.shutdown(socket.SHUT_RDWR)
    # Polled: the server notices the disconnect on its own; 30 s only bounds a failure.
    deadline = time.monotonic() + 30
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the endless source was never closed"
        time.sleep(0.01)


def test_midstream_error_ends_with_a_comment_in_production(server: LiveServer) -> None:
    response = httpx.get(server.url + "/midstream-error/", timeout=10)
    assert response.status_code == 200
    assert "<h1>Before the error</h1>" in response.text
    assert response.text.endswith(_PRODUCTION_FALLBACK)
    assert "bad" not in response.text


def test_midstream_error_shows_escaped_detail_with_debug() -> None:
    with live_server(settings=SETTINGS, app=APP, env={"STREAM_DEBUG": "1"}) as debug_server:
        response = httpx.get(debug_server.url + "/midstream-error/", timeout=10)
    assert response.status_code == 200
    assert '<pre class="djkida-error">RuntimeError: &lt;script&gt;bad&lt;/script&gt;' in (
        response.text
    )
    assert "<script>" not in response.text


def test_streamed_view_has_csrf_and_context_processors(server: LiveServer) -> None:
    response = httpx.get(server.url + "/form/", timeout=10)
    assert response.status_code == 200
    assert response.headers["x-accel-buffering"] == "no"
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert "Example Site /form/" in response.text
    assert "csrftoken" in response.cookies
