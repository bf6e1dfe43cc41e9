"""The demo on a phone and the admin on a laptop, in Chromium against a real daphne: every page
fits 390 x 844 without horizontal scrolling (nothing clipped either), the chat keeps its title
readable, counts long messages instead of cutting them, dates a new conversation and remembers
the transport; the model-session list fits 1280 px with the admin's sidebar open."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import save_screenshot
from tests.e2e.demo_site import demo_server, manage, site_environment
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("timing")]

PHONE = {"width": 390, "height": 844}
#: Replies short enough to end by themselves (the tiny model never stops on its own).
REPLY_TOKENS = 24
PAGES = [
    "/",
    "/dashboard/stream/?delay=0",
    "/dashboard/suspense/?delay=0",
    "/chat/",
    "/live/",
    "/no/such/page/",
    "/dashboard/stream/?delay=abc",
]
# What sticks out: the page wider than the window, or an element whose content is wider than
# its box (a clipped <pre>, a table cut off inside its card) unless it ends in an ellipsis.
OVERFLOW_SCRIPT = """() => ({
  page: document.documentElement.scrollWidth - innerWidth,
  clipped: [...document.querySelectorAll("main *, header *")]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                 && getComputedStyle(e).textOverflow !== "ellipsis"
                 || e.getBoundingClientRect().right > innerWidth + 0.5)
    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
})"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("demo-fit")
    with demo_server(directory) as running:
        update = f"ModelSession.objects.update(max_tokens={REPLY_TOKENS})"
        manage(
            site_environment(directory),
            "shell",
            "-c",
            f"from djtalu.models import ModelSession; {update}",
        )
        yield running


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    yield context.new_page()
    context.close()


def overflow(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(OVERFLOW_SCRIPT)
    return found


def send(page: Page, text: str) -> None:
    """Send ``text`` from the chat page and wait for the whole reply."""
    page.fill("#composer textarea", text)
    page.click("#send")
    page.locator(".message.assistant[data-status=complete]").last.wait_for(timeout=60_000)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_phone(phone: Page, server: LiveServer, path: str) -> None:
    phone.goto(server.url + path)
    phone.wait_for_load_state("load")
    assert overflow(phone) == {"page": 0, "clipped": []}


def test_a_conversation_fits_a_phone_with_room_for_its_title(
    phone: Page, server: LiveServer
) -> None:
    phone.goto(server.url + "/chat/")
    send(phone, "What makes a good sourdough bread, and how long should it rise?")
    # The new entry is dated at once, as the list dates it after a reload.
    dated = phone.locator("#conversations li[aria-current] time").inner_text()
    assert dated
    # The reply says how long it is and how fast it was decoded.
    speed = phone.locator(".message.assistant .badge.reply-speed").inner_text()
    assert speed.startswith(f"{REPLY_TOKENS} tokens · ")
    assert speed.endswith(" tokens/s")

    phone.reload()
    assert phone.locator("#conversations li[aria-current] time").inner_text() == dated
    assert overflow(phone) == {"page": 0, "clipped": []}
    title = phone.locator(".chat-head h1").bounding_box()
    card = phone.locator("#chat").bounding_box()
    assert title is not None
    assert card is not None
    assert title["width"] > 0.75 * card["width"]  # not squeezed beside the transport choice
    save_screenshot(phone, "demo-chat-phone")


def test_a_long_paste_is_counted_not_cut(phone: Page, server: LiveServer) -> None:
    phone.goto(server.url + "/chat/")
    counter = phone.locator("#counter")
    phone.fill("#composer textarea", "x" * 20_000)
    assert phone.locator("#composer textarea").input_value() == "x" * 20_000
    assert counter.inner_text() == "20000 / 2000 characters: 18000 too many, shorten it to send"
    assert phone.is_disabled("#send")
    phone.fill("#composer textarea", "x" * 2000)
    assert counter.inner_text() == "2000 / 2000 characters"
    assert phone.is_enabled("#send")
    # Counted as the server counts: an emoji is one character (two UTF-16 units).
    phone.fill("#composer textarea", "🍞" * 2000)
    assert counter.inner_text() == "2000 / 2000 characters"
    assert phone.is_enabled("#send")


def test_the_transport_choice_survives_a_reload(phone: Page, server: LiveServer) -> None:
    phone.goto(server.url + "/chat/")
    assert phone.is_checked("input[name=transport][value=sse]")
    phone.check("input[name=transport][value=ws]")
    phone.reload()
    assert phone.is_checked("input[name=transport][value=ws]")
    phone.check("input[name=transport][value=sse]")
    phone.reload()
    assert phone.is_checked("input[name=transport][value=sse]")


def test_the_session_list_fits_1280_px_with_the_sidebar_open(
    page: Page, server: LiveServer
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/chat/")
    send(page, "hello")  # the session's pool runs: every live column has a value
    page.goto(server.url + "/admin/djtalu/modelsession/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    page.locator("#result_list").wait_for()
    assert page.is_visible("#nav-sidebar")
    fits = page.evaluate(
        """() => {
          const results = document.querySelector(".results");
          const table = document.querySelector("#result_list");
          return [results.scrollWidth <= results.clientWidth,
                  table.getBoundingClientRect().right <= innerWidth];
        }"""
    )
    assert fits == [True, True]
    header = page.locator("th.column-tokens_per_second abbr")
    assert "prefill excluded" in (header.get_attribute("title") or "")
    assert float(page.locator("td.field-tokens_per_second").inner_text()) > 0
    save_screenshot(page, "demo-admin-1280")
