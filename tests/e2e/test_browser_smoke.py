"""The browser harness works: Debian's chromium renders a page served by a real daphne."""

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import save_screenshot
from tests.servers import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_chromium_renders_the_demo_index(page: Page) -> None:
    with live_server() as server:
        page.goto(server.url + "/")
        heading = page.locator("h1").inner_text()
        shot = save_screenshot(page, "smoke-index")
    assert "djstream" in heading
    assert shot.stat().st_size > 0
