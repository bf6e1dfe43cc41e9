"""The demo in Chromium against a real daphne: every page renders, the dashboards show their
shell before their data, the chat streams the tiny model's reply over SSE and WebSocket and stops
it, and the admin shows the session's workers."""

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.demo_site import demo_server
from tests.servers import LiveServer

# One worker runs the whole module, so its tests share one server instead of one per xdist
# worker, and never beside the CPU-heavy tests of the "timing" group (model conversion, benches).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("timing")]

#: Latency scale of the dashboards: metrics 0.3 s, orders 0.25 s apart, forecast 1.5 s.
DELAY = "1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("demo")) as running:
        yield running


def console_errors(page: Page) -> list[str]:
    """Console errors of ``page`` from now on."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep)
    return errors


# Records, in the page as it parses, when each selector first matches (seconds since the
# navigation) and whether that element was displayed then: Playwright's own polling can lag
# far behind the parser on a busy machine.
WATCH_SCRIPT = """
window.__seen = {};
window.__shown = {};
new MutationObserver(() => {
  const now = performance.now() / 1000;
  for (const [name, selector] of Object.entries(%s)) {
    const element = document.querySelector(selector);
    if (element && !(name in __seen)) {
      __seen[name] = now;
      __shown[name] = element.checkVisibility();
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def watch(page: Page, **selectors: str) -> None:
    """Time, in the browser, when each of ``selectors`` first appears (see :func:`seen_at`)."""
    page.add_init_script(WATCH_SCRIPT % json.dumps(selectors))


def seen_at(page: Page) -> dict[str, float]:
    """When each watched selector first matched, in seconds since the navigation began."""
    seen: dict[str, float] = page.evaluate("__seen")
    return seen


def ready_after(page: Page) -> dict[str, float]:
    """When the server had each source's data, in seconds after the request, as the page shows
    it: its own clock, and a source's sleep never ends early, so lower bounds between them hold
    however busy the machine is."""

    def seconds(text: str) -> float:
        match = re.search(r"([0-9.]+) s", text)
        assert match is not None, text
        return float(match.group(1))

    rows = page.locator("#orders tr.order td:last-child").all_inner_texts()
    return {
        "first_order": seconds(rows[0]),
        "last_order": seconds(rows[-1]),
        "forecast": seconds(page.locator("#forecast .badge.timing").inner_text()),
    }


def source_times(page: Page) -> dict[str, tuple[float, float]]:
    """When each source began and when it was ready (its first row, for the orders), in
    seconds after the request, unrounded, by the server's clock."""

    def times(selector: str) -> tuple[float, float]:
        element = page.locator(selector).first
        return float(element.get_attribute("data-began-after") or "nan"), float(
            element.get_attribute("data-ready-after") or "nan"
        )

    return {
        "metrics": times("#metrics .badge.timing"),
        "orders": times("#orders tr.order td[data-began-after]"),
        "forecast": times("#forecast .badge.timing"),
    }


def shown_when_seen(page: Page) -> dict[str, bool]:
    """Whether each watched element was displayed when it first appeared."""
    shown: dict[str, bool] = page.evaluate("__shown")
    return shown


def test_index_introduces_and_links_every_demo(page: Page, server: LiveServer) -> None:
    errors = console_errors(page)
    page.goto(server.url + "/")
    assert "djstream" in page.locator("h1").inner_text()
    links = page.locator(".tiles a").evaluate_all("links => links.map(a => a.pathname)")
    assert links == [
        "/dashboard/stream/",
        "/dashboard/suspense/",
        "/chat/",
        "/live/",
        "/admin/djtalu/modelsession/",
    ]
    # Styled by the site's own stylesheet, htmx loaded from the site itself.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 246, 248)"
    assert page.evaluate("typeof htmx") == "object"
    save_screenshot(page, "demo-index")
    assert errors == []


def test_stream_dashboard_sends_its_page_before_its_data(page: Page, server: LiveServer) -> None:
    watch(
        page,
        waiting="#metrics .waiting",
        metrics="#metrics .metric",
        first_order="#orders tr.order",
        last_order="#orders tr.order:nth-child(6)",
        forecast_waiting="#forecast .waiting",
        forecast="#forecast .bar",
    )
    page.goto(f"{server.url}/dashboard/stream/?delay={DELAY}", wait_until="commit")
    page.locator("#orders tr.order").first.wait_for(timeout=5000)
    save_screenshot(page, "demo-stream-partial")
    page.locator("#forecast .bar").first.wait_for(timeout=10_000)
    page.wait_for_load_state("load")
    seen = seen_at(page)
    # The forecast's waiting line showed while its source worked (1.5 s), then gave way to
    # the data like every other (the 0.3 s of the metrics' line are too short to rely on).
    assert shown_when_seen(page)["forecast_waiting"]
    assert page.locator(".waiting:visible").count() == 0
    # The page was there before its end: the forecast left the server 3 s after the shell.
    assert seen["waiting"] <= seen["first_order"] <= seen["last_order"] < seen["forecast"], seen

    # Sources are awaited in document order, by the server's clock: 1.25 s between the first
    # and the last row, then the forecast's own 1.5 s (0.01: the page rounds to 1/100 s).
    ready = ready_after(page)
    assert ready["last_order"] >= ready["first_order"] + 1.25 - 0.01
    assert ready["forecast"] >= ready["last_order"] + 1.5 - 0.01
    assert page.locator("#orders tr.order").count() == 6
    assert page.locator("#forecast .bar").count() == 7
    save_screenshot(page, "demo-stream")


def test_stream_dashboard_refreshes_its_metrics_with_a_partial_response(
    page: Page, server: LiveServer
) -> None:
    errors = console_errors(page)
    page.goto(server.url + "/dashboard/stream/?delay=0")
    page.wait_for_load_state("load")
    page.evaluate("document.querySelector('#metrics').dataset.before = 'refresh'")
    with page.expect_response(lambda response: "/dashboard/stream/metrics/" in response.url):
        page.locator("#metrics button.refresh").click()
    # htmx swapped the section for the block's fresh copy: no marker, no page inside the page.
    expect(page.locator("#metrics[data-before]")).to_have_count(0)
    expect(page.locator("#metrics .metric").first).to_be_visible()
    assert page.locator("#metrics").count() == 1
    assert page.locator("header.topbar").count() == 1
    assert errors == []


def test_french_from_accept_language_and_english_from_the_switcher(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(server.url + "/live/")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("h1").inner_text() == "Fil en direct"
        assert page.locator(".topbar nav a").first.inner_text() == "Aperçu"
        page.locator('.languages button[value="en"]').click()
        expect(page.locator("h1")).to_have_text("Live feed")
        assert page.url == server.url + "/live/"
        assert page.locator(".topbar nav a").first.inner_text() == "Overview"
    finally:
        context.close()


def test_stream_dashboard_refuses_a_bad_delay(page: Page, server: LiveServer) -> None:
    response = page.goto(f"{server.url}/dashboard/stream/?delay=soon")
    assert response is not None
    assert response.status == 400
    assert "delay must be a number of seconds" in page.content()


def test_suspense_dashboard_fills_each_section_when_its_source_resolves(
    page: Page, server: LiveServer
) -> None:
    errors = console_errors(page)
    watch(
        page,
        skeletons="#recommendations .skeleton",
        metrics="#metrics .metric",
        failed="#recommendations.failed",
        forecast="#forecast .bar",
        orders="#orders tr.order",
    )
    page.goto(f"{server.url}/dashboard/suspense/?delay={DELAY}", wait_until="commit")
    page.locator("#forecast .skeleton").first.wait_for(timeout=5000)
    save_screenshot(page, "demo-suspense-skeleton")
    page.locator("#orders tr.order").first.wait_for(timeout=10_000)
    page.locator("#forecast .bar").first.wait_for(timeout=10_000)
    page.wait_for_load_state("load")
    seen = seen_at(page)

    # Skeletons first; then each section when its own source resolves: metrics 0.3 s, the
    # failing recommendations 0.9 s, forecast and orders 1.5 s (their order on the server).
    assert seen["skeletons"] < seen["forecast"]
    assert seen["metrics"] <= seen["failed"] <= min(seen["forecast"], seen["orders"])
    assert shown_when_seen(page)["skeletons"]
    # Concurrent sources, by the order of events on the server: every source began before any
    # had its data (the first order, 0.25 s). One after the other, the later ones would begin
    # only once an earlier one was done, however fast or slow the machine.
    first = source_times(page)
    times = first.values()
    assert max(began for began, _ in times) < min(ready for _, ready in times)
    # Without DEBUG the fallback names no internals.
    assert page.locator("#recommendations .error-message").inner_text() == (
        "This section could not be loaded."
    )
    assert page.locator(".skeleton").count() == 0
    save_screenshot(page, "demo-suspense")

    # Reloaded, the forecast is a DeferredCache hit: it is in the shell, next to skeletons.
    page.goto(f"{server.url}/dashboard/suspense/?delay={DELAY}", wait_until="commit")
    page.locator("#orders tr.order").first.wait_for(timeout=10_000)
    page.wait_for_load_state("load")
    cached = seen_at(page)
    # The very forecast the first visit computed (its server times are the first visit's), in
    # the shell: seen no later than the metrics, which the server sends after the shell, when
    # their source resolves (an uncached forecast would come after them, when its own does).
    # Only the order is asserted: a busy browser may parse the shell in several slices.
    assert source_times(page)["forecast"] == first["forecast"]
    assert cached["forecast"] <= cached["metrics"]
    assert shown_when_seen(page)["skeletons"]
    assert errors == []


def send_message(page: Page, text: str) -> None:
    page.fill("#composer textarea", text)
    page.click("#send")


def reload_until_replies_are_stored(page: Page, replies: int) -> None:
    """Reload until the server has stored ``replies`` finished assistant replies.

    Stop ends the page's stream at once; the server saves the partial reply once it has noticed
    the client go and cancelled the generation, which a loaded machine may take a moment to do.
    The 30 s only bound a failure (a reply never stored).
    """
    deadline = time.monotonic() + 30
    stored = ".message.assistant:not([data-status=streaming])"
    while True:
        page.reload()
        if page.locator(stored).count() == replies:
            return
        assert time.monotonic() < deadline, f"{replies} stored replies expected"
        page.wait_for_timeout(200)


def reply_length(page: Page) -> int:
    length: int = page.evaluate(
        "() => [...document.querySelectorAll('.message.assistant .body')].pop().textContent.length"
    )
    return length


def test_chat_streams_a_reply_over_sse_and_stop_cancels_it(page: Page, server: LiveServer) -> None:
    errors = console_errors(page)
    page.goto(server.url + "/chat/")
    send_message(page, "Tell me about <b>bread</b>")
    page.locator(".message.assistant[data-status=streaming] .body:not(:empty)").wait_for(
        timeout=30_000
    )
    first = reply_length(page)
    page.wait_for_function(f"{first} < document.querySelector('.message.assistant .body')"
                           ".textContent.length", timeout=30_000)  # fmt: skip
    page.click("#stop")
    page.locator(".message.assistant[data-status=cancelled]").wait_for(timeout=5000)
    shown = page.locator(".message.assistant .body").last.text_content() or ""
    page.wait_for_timeout(500)
    assert reply_length(page) == len(shown)  # nothing arrives after Stop
    assert page.locator(".message.user .body").inner_text() == "Tell me about <b>bread</b>"
    assert page.locator(".message b").count() == 0
    assert re.fullmatch(rf"{re.escape(server.url)}/chat/\d+/", page.url)  # its own page
    save_screenshot(page, "demo-chat")

    # Kept: the conversation is listed, its reply stored as cancelled with its partial text.
    reload_until_replies_are_stored(page, 1)
    assert (
        page.locator("#conversations li[aria-current]")
        .inner_text()
        .startswith("Tell me about <b>bread</b>")
    )
    stored = page.locator(".message.assistant")
    assert stored.get_attribute("data-status") == "cancelled"
    # What the worker wrote until it noticed the client go: at least what the page showed (the
    # server may have been ahead of the browser), never the whole reply (that would be complete).
    assert stored.locator(".body").text_content().startswith(shown)
    assert errors == []


def test_chat_over_the_websocket_continues_the_conversation(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/chat/")
    send_message(page, "first question")
    page.locator(".message.assistant[data-status=streaming] .body:not(:empty)").wait_for(
        timeout=30_000
    )
    page.click("#stop")
    page.locator(".message.assistant[data-status=cancelled]").wait_for(timeout=5000)
    conversation_url = page.url

    page.check("input[name=transport][value=ws]")
    send_message(page, "second, over the socket")
    page.locator(".message.assistant >> nth=1").wait_for(timeout=5000)
    page.wait_for_function(
        "document.querySelectorAll('.message.assistant')[1].textContent.length > 20",
        timeout=30_000,
    )
    page.click("#stop")
    # The consumer confirms the cancel with its own "done" message.
    page.locator(".message.assistant >> nth=1").and_(
        page.locator("[data-status=cancelled]")
    ).wait_for(timeout=10_000)
    assert page.url == conversation_url

    reload_until_replies_are_stored(page, 2)
    assert page.locator(".message.user .body").all_inner_texts() == [
        "first question",
        "second, over the socket",
    ]
    assert page.locator(".message.assistant").count() == 2


def test_admin_lists_the_session_with_its_live_workers(page: Page, server: LiveServer) -> None:
    # A one-token completion starts the session's pool in this server, whatever ran before.
    started = httpx.post(
        server.url + "/v1/chat/completions",
        json={"model": "default", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]},
        timeout=60,
    )
    assert started.status_code == 200, started.text
    page.goto(server.url + "/admin/djtalu/modelsession/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    row = page.locator("#result_list tbody tr").first
    row.wait_for(timeout=5000)
    assert "default" in row.inner_text()
    assert row.locator(".field-live_workers").inner_text() == "1/1"
    save_screenshot(page, "demo-admin")
