"""The live feed in Chromium while the site's Redis hangs (SIGSTOP) and comes back: the page
says it is reconnecting, an announcement is saved and reported as not sent live, and the page
reconnects by itself once Redis answers again, with nothing stored twice."""

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.demo_site import demo_server
from tests.servers import LiveServer
from tests.services import paused_redis, redis_server, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.redis]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """The demo on a Redis of its own (this module pauses it): the server and Redis's URL."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed: no Redis of our own to pause")
    with (
        redis_server() as url,
        demo_server(tmp_path_factory.mktemp("outage"), {"REDIS_URL": url}) as server,
    ):
        yield server, url


@pytest.fixture
def tab(browser: Browser, site: tuple[LiveServer, str]) -> Iterator[Page]:
    server, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/live/")
    page.locator("#connection[data-state=open]").wait_for(timeout=10_000)
    yield page
    context.close()


def announce(page: Page, text: str) -> None:
    page.fill("#announce input[name=text]", text)
    page.click("#announce button")


def test_the_feed_survives_a_hung_redis_and_reconnects_by_itself(
    tab: Page, site: tuple[LiveServer, str]
) -> None:
    _, url = site
    with paused_redis(url):
        # Open streams end within the 2 s socket timeout; new ones get 503 until Redis is back.
        tab.locator("#connection[data-state=error]").wait_for(timeout=20_000)
        announce(tab, "Saved while Redis hangs")
        tab.locator("#announce-notice").filter(has_text="not sent live").wait_for(timeout=20_000)
        assert tab.input_value("#announce input[name=text]") == ""
    # htmx's sse extension retries with backoff: no reload, no restart.
    tab.locator("#connection[data-state=open]").wait_for(timeout=90_000)
    announce(tab, "Back live")
    tab.locator("#feed .announcement p").first.filter(has_text="Back live").wait_for(timeout=20_000)
    # The feed line may arrive before the POST's answer: wait for the notice to be cleared.
    tab.locator("#announce-notice:empty").wait_for(state="attached", timeout=20_000)

    tab.reload()
    assert tab.locator("#feed .announcement p").all_inner_texts() == [
        "Back live",
        "Saved while Redis hangs",
    ]
