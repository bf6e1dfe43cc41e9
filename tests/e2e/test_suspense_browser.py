"""Suspense in Chromium: skeletons first, then each section, the same DOM by page load or htmx
(streamed, boosted, restored from history), nested sections included."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.djkida.gates import new_gates, release
from tests.e2e.conftest import save_screenshot
from tests.servers import LiveServer, live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SETTINGS = "tests.djkida.suspense_settings"
APP = "tests.djkida.suspense_asgi:application"

# In the page itself (Playwright's polling lags on a busy machine): each change of what the
# stats and feed sections show, with when it happened. "skeleton" counts only once laid out.
WATCH_SECTIONS = """
window.djkidaStages = [];
new MutationObserver(() => {
    const show = (id) => {
        const section = document.getElementById(id);
        if (!section) return "none";
        const skeleton = section.querySelector(".skeleton");
        if (skeleton) return skeleton.getBoundingClientRect().height > 0 ? "skeleton" : "hidden";
        return "filled";
    };
    const stage = show("stats") + "/" + show("feed");
    const stages = window.djkidaStages;
    if (!stages.length || stages[stages.length - 1][1] !== stage) {
        stages.push([performance.now() / 1000, stage]);
    }
}).observe(document, {subtree: true, childList: true});
"""

# Every id on the page once, no suspense leftovers, and the main element's markup.
PAGE_STATE = """() => {
    const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
    return {
        duplicates: ids.filter((id, i) => ids.indexOf(id) !== i),
        leftovers: document.querySelectorAll('template, [hx-swap-oob], script:not([src])').length,
        main: document.querySelector('#main').outerHTML,
    };
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(settings=SETTINGS, app=APP) as running:
        httpx.get(running.url + "/cached/", timeout=30)  # warm up: imports, template compiling
        yield running


def errors_of(page: Page) -> list[str]:
    """Console errors of ``page`` from now on, and CSP violations (report-only: logged as info)."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", keep)
    return errors


def watch_sections(page: Page, name: str, server: LiveServer, stats: str, feed: str) -> None:
    """Screenshots of skeleton → stats → feed, releasing the gates of the stats and then the
    feed source: the page shows the stats while the feed is still pending."""
    page.locator("#stats .skeleton").wait_for(timeout=15_000)
    save_screenshot(page, f"{name}-1-skeleton")
    release(server, stats)
    page.locator("#stats .total").wait_for(timeout=15_000)
    save_screenshot(page, f"{name}-2-stats")
    assert page.locator("#feed .skeleton").count() == 1
    release(server, feed)
    page.locator("#feed li").first.wait_for(timeout=15_000)
    save_screenshot(page, f"{name}-3-feed")
    stages: list[tuple[float, str]] = page.evaluate("window.djkidaStages.splice(0)")
    shown = [stage for _, stage in stages if "none" not in stage and "hidden" not in stage]
    assert shown == ["skeleton/skeleton", "filled/skeleton", "filled/filled"], stages


# The page is idle: loaded, no htmx request, swap or settle under way (htmx 2 and 4 mark them
# with these classes: the shell's own hx-trigger="load" ping among them), no suspense template
# or swap script left (the response's end has been handled).
IDLE_STATE = f"""() => {{
    const busy = document.readyState !== 'complete' || document.querySelector(
        '.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added');
    const state = ({PAGE_STATE})();
    return !busy && state.leftovers === 0 && state;
}}"""


def final_state(page: Page) -> dict[str, object]:
    """The page's state once it is idle, taken in the same task as the check (so a request the
    page starts next cannot change it in between); fails with the state if it never settles."""
    try:
        idle = page.wait_for_function(IDLE_STATE, timeout=15_000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"the page never settled: {page.evaluate(PAGE_STATE)}") from None
    state: dict[str, object] = idle.json_value()
    return state


def nested_state(page: Page) -> dict[str, object]:
    """The final state of the nested page, once the board has arrived."""
    page.locator("#board h2", has_text="2 orders").wait_for(timeout=5000)
    return final_state(page)


@pytest.mark.parametrize("htmx", ["2", "4"])
def test_full_page_load_then_htmx_navigation_fill_in_to_the_same_dom(
    page: Page, server: LiveServer, htmx: str
) -> None:
    page.add_init_script(WATCH_SECTIONS)
    errors = errors_of(page)
    pings: list[str] = []
    page.on("request", lambda request: pings.append(request.url))
    stats, feed = new_gates("stats", "feed")
    page.goto(
        f"{server.url}/dashboard/?htmx={htmx}&stats=@{stats}&feed=@{feed}", wait_until="commit"
    )
    watch_sections(page, f"suspense-page-load-htmx{htmx}", server, stats, feed)
    by_page_load = final_state(page)
    assert sum("/ping/" in url for url in pings) == 1

    stats, feed = new_gates("stats", "feed")
    page.goto(f"{server.url}/start/?htmx={htmx}&stats=@{stats}&feed=@{feed}")
    assert page.evaluate("htmx.version").startswith(htmx)
    page.click("#to-dashboard")
    watch_sections(page, f"suspense-htmx{htmx}", server, stats, feed)
    by_htmx = final_state(page)
    # The shell's hx-trigger="load" fired once more, not once per update of the shell.
    assert sum("/ping/" in url for url in pings) == 2

    assert by_page_load == by_htmx
    assert by_page_load["duplicates"] == []
    assert "42 orders" in str(by_page_load["main"])
    assert "first &lt;post&gt;" in str(by_page_load["main"])
    assert "skeleton" not in str(by_page_load["main"])
    assert errors == []  # the inline swap scripts passed the nonce-only script policy


@pytest.mark.parametrize("htmx", ["2", "4"])
def test_a_boosted_navigation_swaps_the_full_page_form_in_without_inline_scripts(
    page: Page, server: LiveServer, htmx: str
) -> None:
    errors = errors_of(page)
    page.goto(f"{server.url}/dashboard/?htmx={htmx}&stats=0.2&feed=0.4")
    by_page_load = final_state(page)
    page.goto(f"{server.url}/start/?htmx={htmx}&stats=0.2&feed=0.4")
    page.click("#boosted")
    page.locator("#feed li").first.wait_for(state="visible", timeout=5000)
    assert final_state(page) == by_page_load
    # The start page's policy has no nonce at all: a swap script run by htmx would violate it.
    assert errors == []


@pytest.mark.parametrize("htmx", ["2", "4"])
def test_a_history_restore_from_the_server_swaps_the_full_page_form_in_too(
    page: Page, server: LiveServer, htmx: str
) -> None:
    page.goto(f"{server.url}/start/?htmx={htmx}&stats=0.1&orders=0.3&fail=1")
    page.wait_for_function("window.htmx")
    page.evaluate("htmx.config.historyCacheSize = 0")  # htmx 2: every restore asks the server
    page.click("#boosted-nested")
    boosted = nested_state(page)
    page.go_back()
    page.locator("#main", has_text="Start here.").wait_for(timeout=5000)
    errors = errors_of(page)
    with page.expect_request(lambda request: "hx-history-restore-request" in request.headers):
        page.go_forward()
    assert nested_state(page) == boosted
    assert errors == []


@pytest.mark.parametrize("htmx", ["2", "4"])
def test_a_nested_block_keeps_its_error_when_the_block_around_it_arrives(
    page: Page, server: LiveServer, htmx: str
) -> None:
    errors = errors_of(page)
    query = f"htmx={htmx}&stats=0.1&orders=0.5&fail=1"  # stats fails inside the pending board
    page.goto(f"{server.url}/nested/?{query}", wait_until="commit")
    by_page_load = nested_state(page)
    page.goto(f"{server.url}/start/?{query}")
    page.click("#to-nested")
    by_htmx = nested_state(page)
    page.goto(f"{server.url}/start/?{query}")
    page.click("#boosted-nested")
    by_boost = nested_state(page)

    assert by_page_load == by_htmx == by_boost
    main = str(by_page_load["main"])
    assert '<div id="stats" class="djkida-suspense-error" role="alert">' in main
    assert "skeleton" not in main
    assert by_page_load["duplicates"] == []
    assert errors == []


@pytest.mark.parametrize("htmx", ["2", "4"])
def test_a_missing_target_is_reported_on_the_console(
    page: Page, server: LiveServer, htmx: str
) -> None:
    expected = 'djkida suspense: no element with id "stats" to replace'
    errors = errors_of(page)

    def reported(message: ConsoleMessage) -> bool:
        return message.type == "error" and message.text == expected

    # The report reaches the test as a console event after the page settles: wait for it.
    with page.expect_console_message(reported, timeout=15_000):
        page.goto(f"{server.url}/missing/")
    final_state(page)
    assert errors == [expected]

    page.goto(f"{server.url}/start/?htmx={htmx}")
    with page.expect_console_message(reported, timeout=15_000):
        page.click("#to-missing")
    page.locator("#intro").wait_for(state="visible", timeout=5000)
    final_state(page)
    assert errors == [expected, expected]
