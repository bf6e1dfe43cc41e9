"""Suspense through a real daphne: shell at once, each block when its own data is ready."""

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.djkida.gates import Body, new_gates, release, streamed
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


def get(url: str, headers: dict[str, str] | None = None) -> Body:
    """The whole body (sources on timers or open gates only)."""
    with streamed(url, headers) as body:
        body.rest()
    return body


def shell_of(body: str) -> str:
    return body[: body.index("</html>") + len("</html>")]


def test_full_page_shell_at_once_then_each_block_when_its_source_resolves(
    server: LiveServer,
) -> None:
    stats, feed = new_gates("stats", "feed")
    with streamed(f"{server.url}/dashboard/?stats=@{stats}&feed=@{feed}") as body:
        shell = body.until("</html>")  # no source has resolved: the shell is sent anyway
        assert shell.startswith("<!doctype html>")
        assert shell.rstrip().endswith("</html>")
        assert "Loading stats…" in shell
        assert "Loading feed…" in shell
        assert "Hello, Ada" in shell
        release(server, stats)
        body.until('<template id="djkida-suspense-stats">')
        assert "42 orders" in body.until("</template>")
        assert "djkida-suspense-feed" not in body.text  # sent while the feed is pending
        release(server, feed)
        text = body.rest()
    assert "first &lt;post&gt;" in text[text.index('<template id="djkida-suspense-feed">') :]
    nonce = re.search(
        r"'nonce-([^']+)'", body.response.headers["Content-Security-Policy-Report-Only"]
    )
    assert nonce is not None
    assert text.count(f'<script nonce="{nonce.group(1)}">') == 2
    assert "HX-Request" in body.response.headers["Vary"]
    assert body.response.headers["Djkida-Suspense"] == "page"


def test_a_fast_source_behind_a_slow_one_in_the_template_still_arrives_first(
    server: LiveServer,
) -> None:
    stats, feed = new_gates("stats", "feed")
    with streamed(f"{server.url}/dashboard/?stats=@{stats}&feed=@{feed}") as body:
        release(server, feed)
        body.until('<template id="djkida-suspense-feed">')
        assert "djkida-suspense-stats" not in body.text
        release(server, stats)
        text = body.rest()
    assert text.index("djkida-suspense-feed") < text.index("djkida-suspense-stats")


def test_blocks_ready_together_are_sent_in_template_order(server: LiveServer) -> None:
    [both] = new_gates("both")
    with streamed(f"{server.url}/dashboard/?stats=@{both}&feed=@{both}") as body:
        body.until("</html>")
        release(server, both)
        text = body.rest()
    assert text.index("djkida-suspense-stats") < text.index("djkida-suspense-feed")


def test_htmx_request_gets_out_of_band_elements_after_the_shell(server: LiveServer) -> None:
    stats, feed = new_gates("stats", "feed")
    url = f"{server.url}/dashboard/?stats=@{stats}&feed=@{feed}"
    with streamed(url, headers=HTMX) as body:
        shell = body.until("</html>")
        release(server, stats)
        body.until(STATS_OOB)
        assert FEED_OOB not in body.until("</section>")
        release(server, feed)
        text = body.rest()
    rest = text[len(shell_of(text)) :]
    assert body.response.headers["Djkida-Suspense"] == "oob"
    assert "hx-swap-oob" not in shell
    assert "<template" not in text
    assert "<script nonce" not in text
    assert rest == (
        f'\n{STATS_OOB}\n<p class="total">42 orders</p>\n</section>'
        f"{FEED_OOB}\n<ul><li>first &lt;post&gt;</li><li>second post</li></ul>\n</section>"
    )


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_full_page_form(
    server: LiveServer, header: str
) -> None:
    got = get(server.url + "/dashboard/?stats=0&feed=0", headers={**HTMX, header: "true"})
    assert "hx-swap-oob" not in got.text
    assert '<template id="djkida-suspense-stats">' in got.text
    assert got.response.headers["Djkida-Suspense"] == "page"  # htmx swaps it, scripts and all


def test_failed_and_timed_out_keys_show_an_error_without_disturbing_the_rest(
    server: LiveServer,
) -> None:
    got = get(server.url + "/failing/")  # greeting at 0.05 s, stats fail at 0.1 s, feed: 30 s
    assert got.response.status_code == 200
    greeting = '<template id="djkida-suspense-greeting"><p id="greeting">Hello, Ada</p>'
    feed_error = (
        '<div id="feed" class="djkida-suspense-error" role="alert">'
        "This section took too long to load.</div>"
    )
    # The feed's 0.4 s timeout ended the 30 s source (the client would give up after 30 s).
    assert got.text.index(greeting) < got.text.index(STATS_ERROR) < got.text.index(feed_error)
    assert "backend" not in got.text  # no details in production
    assert got.text.rstrip().endswith("</script>")  # the body ends cleanly


def test_error_block_renders_in_place_of_the_failed_block(server: LiveServer) -> None:
    got = get(server.url + "/failing/?error_block=1", headers=HTMX)
    assert (
        '<div hx-swap-oob="true" id="stats" class="card failed">'
        "Sorry: This section could not be loaded.</div>"
    ) in got.text
    assert 'id="feed" class="card failed">Sorry: This section took too long' in got.text
    assert "Sorry:" not in shell_of(got.text)  # a fragment: not part of the shell


def test_debug_shows_the_escaped_error_details(debug_server: LiveServer) -> None:
    got = get(debug_server.url + "/failing/", headers=HTMX)
    assert "LookupError: stats &lt;backend&gt; is down" in got.text
    assert "TimeoutError" in got.text


def test_a_plain_value_renders_in_the_shell_and_is_not_sent_again(server: LiveServer) -> None:
    got = get(server.url + "/cached/")
    assert "42 orders" in shell_of(got.text)
    assert "Loading stats" not in got.text
    assert "djkida-suspense-stats" not in got.text
    assert '<template id="djkida-suspense-feed">' in got.text


def test_deferred_cache_miss_is_deferred_and_its_hit_renders_in_the_shell(
    server: LiveServer,
) -> None:
    [stats] = new_gates("stats")
    url = f"{server.url}/cache-backed/?key={stats}&stats=@{stats}"
    with streamed(url) as miss:
        assert "Loading stats…" in miss.until("</html>")
        release(server, stats)
        text = miss.rest()
    assert "42 orders" in text[text.index('<template id="djkida-suspense-stats">') :]
    hit = get(url)
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
    # Polled: the server notices the disconnect on its own; 30 s only bounds a failure.
    deadline = time.monotonic() + 30
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the pending source was never cancelled"
        time.sleep(0.01)


def test_a_nested_block_that_failed_keeps_its_error_when_the_outer_block_arrives(
    server: LiveServer,
) -> None:
    def failed_stats_then_orders(headers: dict[str, str] | None = None) -> str:
        stats, orders = new_gates("stats", "orders")
        url = f"{server.url}/nested/?stats=@{stats}&orders=@{orders}&fail=1"
        with streamed(url, headers) as body:
            release(server, stats)
            body.until("This section could not be loaded.")
            assert "2 orders" not in body.text
            release(server, orders)
            return body.rest()

    page = failed_stats_then_orders()
    swaps = re.findall(SWAP, page, re.DOTALL)
    # The board renders the failed stats as pending: the error follows it.
    assert [target for target, _ in swaps] == ["stats", "board", "stats"]
    assert swaps[0][1] == swaps[2][1] == STATS_ERROR
    assert "Loading stats…" in swaps[1][1]

    htmx = failed_stats_then_orders(HTMX)
    rest = htmx[len(shell_of(htmx)) :]
    oob_error = STATS_ERROR.replace("<div ", '<div hx-swap-oob="true" ', 1)
    assert rest.startswith(f"\n{oob_error}")
    assert rest.endswith(f"</section>{oob_error}")
    assert rest.count('hx-swap-oob="true"') == 3


def test_an_outer_block_shows_a_nested_block_that_arrived_before_it_with_its_value(
    server: LiveServer,
) -> None:
    stats, orders = new_gates("stats", "orders")
    with streamed(f"{server.url}/nested/?stats=@{stats}&orders=@{orders}") as got:
        release(server, stats)
        got.until('<template id="djkida-suspense-stats">')
        release(server, orders)
        got.rest()
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
    stats, orders = new_gates("stats", "orders")
    url = f"{server.url}/nested/?stats=@{stats}&orders=@{orders}"
    with streamed(url, HTMX) as got:
        release(server, orders)
        got.until("2 orders")
        assert "42 in total" not in got.until("</section>")
        release(server, stats)
        got.rest()
    rest = got.text[len(shell_of(got.text)) :]
    board, stats = rest.split('<div hx-swap-oob="true" id="stats">')
    assert '<section hx-swap-oob="true" id="board">' in board
    assert '<div id="stats">\n<p><span class="skeleton">Loading stats…' in board
    assert "42 in total" in stats
    assert got.text.index("42 in total") > got.text.index("2 orders")
