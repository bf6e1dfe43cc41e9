"""Take the screenshots of docs/tour.md from a running demo (``scripts/demo``), 1280 px wide.

Run::

    python -m tests.e2e.demo_tour [http://127.0.0.1:8000]

It chats with the site's real model and posts two announcements, so run it on a demo database.
"""

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.servers import ROOT
from tests.services import CHROMIUM_CANDIDATES

SCREENSHOTS = ROOT / "docs" / "screenshots"
QUESTION = "What makes a good sourdough bread? Answer in three short sentences."


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"saved {path.relative_to(ROOT)}")


def tour(page: Page, base: str) -> None:
    """Visit every page in the state worth showing."""
    page.goto(base + "/")
    shoot(page, "index")

    page.goto(base + "/dashboard/stream/?delay=1", wait_until="commit")
    page.locator("#orders tr.order:nth-child(3)").wait_for()
    shoot(page, "stream-partial")
    page.wait_for_load_state("load")
    shoot(page, "stream")

    page.goto(base + "/dashboard/suspense/?delay=2", wait_until="commit")
    page.locator("#metrics .metric").first.wait_for()
    shoot(page, "suspense-partial")
    page.wait_for_load_state("load")
    shoot(page, "suspense")

    page.goto(base + "/chat/")
    page.fill("#composer textarea", QUESTION)
    page.click("#send")
    page.locator(".message.assistant:not([data-status=streaming])").wait_for(timeout=120_000)
    shoot(page, "chat")

    page.goto(base + "/live/")
    page.locator("#connection[data-state=open]").wait_for()
    for text in ["Fresh croissants at 3 pm", "The rye is sold out for today"]:
        page.fill("#announce input[name=text]", text)
        page.click("#announce button")
        page.locator("#feed .announcement p", has_text=text).wait_for()
    page.wait_for_timeout(600)  # the newest line fades in
    shoot(page, "live")

    page.goto(base + "/admin/djtalu/modelsession/")
    if page.locator("#id_username").count():
        page.fill("#id_username", "admin")
        page.fill("#id_password", "admin")
        page.click("input[type=submit]")
    page.locator("#result_list").wait_for()
    page.click("#toggle-nav-sidebar")  # room for every status column
    shoot(page, "admin")


def main(base: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    executable = next(path for path in CHROMIUM_CANDIDATES if Path(path).exists())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        tour(page, base.rstrip("/"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
