"""Streaming through real daphne and uvicorn: timing, disconnects, fallbacks, CSRF."""

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from djkida.streaming import _PRODUCTION_FALLBACK
from tests.servers import LiveServer, live_server

pytestmark = pytest.mark.slow

SETTINGS = "tests.djkida.stream_settings"
APP = "tests.djkida.stream_asgi:application"


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with live_server(settings=SETTINGS, app=APP, kind=request.param) as running:
        # Warm up (imports, URL resolver, compiles): timings below measure streaming only.
        httpx.get(running.url + "/form/", timeout=30).raise_for_status()
        yield running


def timed_chunks(url: str) -> list[tuple[float, str]]:
    """Each chunk as it arrived off the socket, with seconds since the request was sent."""
    with httpx.Client(timeout=10) as client:
        start = time.monotonic()
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            return [(time.monotonic() - start, chunk.decode()) for chunk in response.iter_raw()]


def arrival_of(text: str, arrivals: list[tuple[float, str]]) -> float:
    """When the chunk holding ``text`` arrived."""
    received = ""
    for at, chunk in arrivals:
        received += chunk
        if text in received:
            return at
    raise AssertionError(f"{text!r} never arrived in {received!r}")


def test_first_chunk_leaves_before_slow_sources_resolve(server: LiveServer) -> None:
    arrivals = timed_chunks(server.url + "/progressive/")
    first = arrival_of("<h1>Progressive</h1>", arrivals)
    fast = arrival_of("fast done", arrivals)
    slow = arrival_of("slow done", arrivals)
    # Gaps, not absolute times, so a loaded machine's slow accept does not fail the test.
    assert first < 0.45
    assert fast - first > 0.4  # the shell left before the 0.5 s source resolved
    # Sources are awaited where the template uses them, in template order: 0.5 s + 1 s.
    assert 0.9 < slow - fast < 1.5
    assert 1.4 < arrivals[-1][0] - first < 2.2


def test_disconnect_closes_endless_source_within_100ms(server: LiveServer, tmp_path: Path) -> None:
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
    disconnected_at = time.monotonic()
    deadline = disconnected_at + 3
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the endless source was never closed"
        time.sleep(0.005)
    assert float(marker.read_text()) - disconnected_at < 0.1


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
