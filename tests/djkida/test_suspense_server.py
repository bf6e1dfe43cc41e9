"""Suspense through a real daphne: shell at once, each block when its own data is ready."""

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import LiveServer, live_server

pytestmark = pytest.mark.slow

SETTINGS = "tests.djkida.suspense_settings"
APP = "tests.djkida.suspense_asgi:application"
HTMX = {"HX-Request": "true"}
STATS_OOB = '<section hx-swap-oob="true" id="stats" class="card">'
FEED_OOB = '<section hx-swap-oob="true" id="feed" class="card">'
SWAP = r'<template id="djkida-suspense-(\w+)">(.*?)</template>'  # (target, element)
STATS_ERROR = (
    '<div id="stats" class="djkida-suspense-error" role="alert">'
    "This section could not be loaded.</div>"
)


def start_server(debug: bool) -> Iterator[LiveServer]:
    env = {"SUSPENSE_DEBUG": "1" if debug else "0"}
    with live_server(settings=SETTINGS, app=APP, env=env) as running:
        # Warm up (imports, template compilation) so timings measure suspense alone.
        httpx.get(running.url + "/cached/", timeout=30)
        yield running


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    yield from start_server(debug=False)


@pytest.fixture(scope="module")
def debug_server() -> Iterator[LiveServer]:
    yield from start_server(debug=True)


class Arrivals:
    """A response body as it came off the socket: chunks with seconds since the request."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        with httpx.Client(timeout=10) as client:
            began = time.monotonic()
            with client.stream("GET", url, headers=headers) as response:
                self.response = response
                self.chunks = [(time.monotonic() - began, c.decode()) for c in response.iter_raw()]
        self.text = "".join(chunk for _, chunk in self.chunks)

    def at(self, text: str) -> float:
        """When the chunk completing ``text`` arrived."""
        received = ""
        for at, chunk in self.chunks:
            received += chunk
            if text in received:
                return at
        raise AssertionError(f"{text!r} never arrived in {received!r}")


def shell_of(body: str) -> str:
    return body[: body.index("</html>") + len("</html>")]


def test_full_page_shell_at_once_then_each_block_when_its_source_resolves(
    server: LiveServer,
) -> None:
    got = Arrivals(server.url + "/dashboard/?stats=0.2&feed=1.0")
    shell = shell_of(got.text)
    assert "Loading stats…" in shell
    assert "Loading feed…" in shell
    assert "Hello, Ada" in shell
    assert got.at("</html>") < 0.3
    assert got.chunks[0][1].startswith("<!doctype html>")  # the whole shell is the first chunk
    assert got.chunks[0][1].rstrip().endswith("</html>")
    stats_at = got.at('<template id="djkida-suspense-stats">')
    feed_at = got.at('<template id="djkida-suspense-feed">')
    assert 0.18 < stats_at < 0.7  # the 0.2 s source, long before the 1 s one resolves
    assert 0.95 < feed_at < 1.6
    assert got.at("42 orders") == stats_at
    assert got.at("first &lt;post&gt;") == feed_at
    nonce = re.search(
        r"'nonce-([^']+)'", got.response.headers["Content-Security-Policy-Report-Only"]
    )
    assert nonce is not None
    assert got.text.count(f'<script nonce="{nonce.group(1)}">') == 2
    assert "HX-Request" in got.response.headers["Vary"]
    assert got.response.headers["Djkida-Suspense"] == "page"


def test_a_fast_source_behind_a_slow_one_in_the_template_still_arrives_first(
    server: LiveServer,
) -> None:
    got = Arrivals(server.url + "/dashboard/?stats=1.0&feed=0.2")
    assert got.at('<template id="djkida-suspense-feed">') < 0.7
    assert got.at('<template id="djkida-suspense-stats">') > 0.95
    assert got.text.index("djkida-suspense-feed") < got.text.index("djkida-suspense-stats")


def test_blocks_ready_together_are_sent_in_template_order(server: LiveServer) -> None:
    got = Arrivals(server.url + "/dashboard/?stats=0.3&feed=0.3")
    assert got.text.index("djkida-suspense-stats") < got.text.index("djkida-suspense-feed")


def test_htmx_request_gets_out_of_band_elements_after_the_shell(server: LiveServer) -> None:
    got = Arrivals(server.url + "/dashboard/?stats=0.2&feed=1.0", headers=HTMX)
    shell = shell_of(got.text)
    rest = got.text[len(shell) :]
    assert got.response.headers["Djkida-Suspense"] == "oob"
    assert "hx-swap-oob" not in shell
    assert "<template" not in got.text
    assert "<script nonce" not in got.text
    assert rest == (
        f'\n{STATS_OOB}\n<p class="total">42 orders</p>\n</section>'
        f"{FEED_OOB}\n<ul><li>first &lt;post&gt;</li><li>second post</li></ul>\n</section>"
    )
    assert 0.18 < got.at(STATS_OOB) < 0.7 < 0.95 < got.at(FEED_OOB) < 1.6


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_full_page_form(
    server: LiveServer, header: str
) -> None:
    got = Arrivals(server.url + "/dashboard/?stats=0&feed=0", headers={**HTMX, header: "true"})
    assert "hx-swap-oob" not in got.text
    assert '<template id="djkida-suspense-stats">' in got.text
    assert got.response.headers["Djkida-Suspense"] == "page"  # htmx swaps it, scripts and all


def test_failed_and_timed_out_keys_show_an_error_without_disturbing_the_rest(
    server: LiveServer,
) -> None:
    got = Arrivals(server.url + "/failing/")
    assert got.response.status_code == 200
    greeting_at = got.at('<template id="djkida-suspense-greeting"><p id="greeting">Hello, Ada</p>')
    feed_error = (
        '<div id="feed" class="djkida-suspense-error" role="alert">'
        "This section took too long to load.</div>"
    )
    assert greeting_at < 0.35
    assert 0.08 < got.at(STATS_ERROR) < 0.38
    assert 0.38 < got.at(feed_error) < 1.0
    assert "backend" not in got.text  # no details in production
    assert got.text.rstrip().endswith("</script>")  # the body ends cleanly


def test_error_block_renders_in_place_of_the_failed_block(server: LiveServer) -> None:
    got = Arrivals(server.url + "/failing/?error_block=1", headers=HTMX)
    assert (
        '<div hx-swap-oob="true" id="stats" class="card failed">'
        "Sorry: This section could not be loaded.</div>"
    ) in got.text
    assert 'id="feed" class="card failed">Sorry: This section took too long' in got.text
    assert "Sorry:" not in shell_of(got.text)  # a fragment: not part of the shell


def test_debug_shows_the_escaped_error_details(debug_server: LiveServer) -> None:
    got = Arrivals(debug_server.url + "/failing/", headers=HTMX)
    assert "LookupError: stats &lt;backend&gt; is down" in got.text
    assert "TimeoutError" in got.text


def test_a_plain_value_renders_in_the_shell_and_is_not_sent_again(server: LiveServer) -> None:
    got = Arrivals(server.url + "/cached/")
    assert "42 orders" in shell_of(got.text)
    assert "Loading stats" not in got.text
    assert "djkida-suspense-stats" not in got.text
    assert '<template id="djkida-suspense-feed">' in got.text


def test_deferred_cache_miss_is_deferred_and_its_hit_renders_in_the_shell(
    server: LiveServer,
) -> None:
    url = f"{server.url}/cache-backed/?key=stats-{time.monotonic_ns()}"
    miss = Arrivals(url)
    assert "Loading stats…" in shell_of(miss.text)
    assert 0.18 < miss.at('<template id="djkida-suspense-stats">') < 0.7
    hit = Arrivals(url)
    assert "42 orders" in shell_of(hit.text)
    assert "djkida-suspense" not in hit.text


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown-block", "unknown block &#x27;statz&#x27;"),
        ("unknown-error-block", "error_block &#x27;nope&#x27; is not a block"),
        ("unused-key", "deferred context key &#x27;weather&#x27; is used by no block"),
    ],
)
def test_misconfiguration_fails_before_the_first_byte(
    server: LiveServer, debug_server: LiveServer, case: str, message: str
) -> None:
    response = httpx.get(server.url + f"/misconfigured/?case={case}", timeout=10)
    assert response.status_code == 500
    assert "Loading" not in response.text
    debug = httpx.get(debug_server.url + f"/misconfigured/?case={case}", timeout=10)
    assert debug.status_code == 500
    assert message in debug.text
    assert "known blocks: greeting (reads user_name)" in debug.text


def test_disconnect_cancels_pending_sources(server: LiveServer, tmp_path: Path) -> None:
    marker = tmp_path / "cancelled-at"
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        request = f"GET /endless/?marker={marker} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        sock.sendall(request.encode())
        received = b""
        while b"djkida-suspense-stats" not in received:
            received += sock.recv(65536)
        assert not marker.exists()
        sock.shutdown(socket.SHUT_RDWR)
    disconnected_at = time.monotonic()
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < disconnected_at + 3, "the pending source was never cancelled"
        time.sleep(0.005)
    assert float(marker.read_text()) - disconnected_at < 0.2


def test_a_nested_block_that_failed_keeps_its_error_when_the_outer_block_arrives(
    server: LiveServer,
) -> None:
    page = Arrivals(server.url + "/nested/?stats=0.1&orders=0.4&fail=1")
    swaps = re.findall(SWAP, page.text, re.DOTALL)
    # The board renders the failed stats as pending: the error follows it, in the same write.
    assert [target for target, _ in swaps] == ["stats", "board", "stats"]
    assert swaps[0][1] == swaps[2][1] == STATS_ERROR
    assert "Loading stats…" in swaps[1][1]
    assert 0.08 < page.at(STATS_ERROR) < 0.38 < page.at("2 orders") == page.at(page.text)

    htmx = Arrivals(server.url + "/nested/?stats=0.1&orders=0.4&fail=1", headers=HTMX)
    rest = htmx.text[len(shell_of(htmx.text)) :]
    oob_error = STATS_ERROR.replace("<div ", '<div hx-swap-oob="true" ', 1)
    assert rest.startswith(f"\n{oob_error}")
    assert rest.endswith(f"</section>{oob_error}")
    assert rest.count('hx-swap-oob="true"') == 3


def test_an_outer_block_shows_a_nested_block_that_arrived_before_it_with_its_value(
    server: LiveServer,
) -> None:
    got = Arrivals(server.url + "/nested/?stats=0.1&orders=0.4")
    shell = shell_of(got.text)
    # stats shows stats.total itself, and in the nested total block: it is sent whole.
    assert "djkida-suspense-total" not in got.text
    swaps = re.findall(SWAP, got.text, re.DOTALL)
    assert [target for target, _ in swaps] == ["stats", "board"]
    assert "Loading stats…" in shell
    assert all('<p>42 in total</p>\n<b id="total">42</b>' in element for _, element in swaps)


def test_a_nested_block_arriving_after_the_outer_one_finds_its_element_in_it(
    server: LiveServer,
) -> None:
    got = Arrivals(server.url + "/nested/?stats=0.4&orders=0.1", headers=HTMX)
    rest = got.text[len(shell_of(got.text)) :]
    board, stats = rest.split('<div hx-swap-oob="true" id="stats">')
    assert '<section hx-swap-oob="true" id="board">' in board
    assert '<div id="stats">\n<p><span class="skeleton">Loading stats…' in board
    assert "42 in total" in stats
    assert got.at("42 in total") > got.at("2 orders") + 0.2
