"""The live feed in Chromium with the production channel layer: one broadcast, from the page's
form, from ``manage.py demo_broadcast`` in another process or from the admin, reaches every open
tab."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.demo_site import demo_server, manage, private_redis, site_environment
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.redis]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """The demo on Redis (channels_redis, RedisCache, replay), and its processes' environment."""
    directory = tmp_path_factory.mktemp("demo-live")
    with private_redis() as url:
        redis = {"REDIS_URL": url}
        with demo_server(directory, redis) as server:
            yield server, site_environment(directory, redis)


@pytest.fixture
def tabs(browser: Browser, site: tuple[LiveServer, dict[str, str]]) -> Iterator[list[Page]]:
    """Two tabs (separate browser contexts) on /live/, both subscribed."""
    server, _ = site
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.goto(server.url + "/live/")
        page.locator("#connection[data-state=open]").wait_for(timeout=10_000)
    yield pages
    for context in contexts:
        context.close()


def newest(page: Page, text: str) -> None:
    """Wait until ``text`` is the newest announcement of ``page``."""
    page.locator("#feed .announcement p").first.filter(has_text=text).wait_for(timeout=30_000)


def test_every_tab_receives_each_broadcast(
    browser: Browser, tabs: list[Page], site: tuple[LiveServer, dict[str, str]]
) -> None:
    server, env = site
    tabs[0].fill("#announce input[name=text]", "Fresh <b>croissants</b>")
    tabs[0].click("#announce button")
    for tab in tabs:
        newest(tab, "Fresh <b>croissants</b>")
        assert tab.locator("#feed b").count() == 0  # rendered as text, not markup
    # The form is reset when the POST's answer is handled, which may come after the broadcast.
    expect(tabs[0].locator("#announce input[name=text]")).to_have_value("", timeout=20_000)

    # Another process: the command reaches the server's clients through Redis.
    output = manage(env, "demo_broadcast", "Oven is hot")
    assert "Broadcast announcement" in output
    for tab in tabs:
        newest(tab, "Oven is hot")
        assert "from the command" in tab.locator("#feed .announcement").first.inner_text()

    # The admin: adding an announcement broadcasts it.
    admin = browser.new_page()
    admin.goto(server.url + "/admin/demo/announcement/add/")
    admin.fill("#id_username", "admin")
    admin.fill("#id_password", "admin")
    admin.click("input[type=submit]")
    admin.fill("#id_text", "Closed on Monday")
    admin.click("input[name=_save]")
    admin.wait_for_url("**/admin/demo/announcement/")  # saved (closing earlier could abort it)
    admin.close()
    for tab in tabs:
        newest(tab, "Closed on Monday")
    save_screenshot(tabs[1], "demo-live")

    # Stored too: a fresh page lists them, newest first, with nothing duplicated.
    tabs[1].reload()
    assert tabs[1].locator("#feed .announcement p").all_inner_texts() == [
        "Closed on Monday",
        "Oven is hot",
        "Fresh <b>croissants</b>",
    ]
    assert tabs[0].locator("#feed .announcement").count() == 3
