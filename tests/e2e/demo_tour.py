"""Take the screenshots of the README's tour from a running demo (``scripts/demo``): each page
1280 px wide (``NAME.png``, the whole page) and on a 390 x 844 phone (``NAME-phone.png``, the
first screen).

Run::

    .venv/bin/python -m tests.e2e.demo_tour [http://127.0.0.1:8000]

It chats with the site's real model and posts two announcements, so run it on a demo database.
"""

import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.servers import ROOT
from tests.services import CHROMIUM_CANDIDATES

SCREENSHOTS = ROOT / "docs" / "screenshots"
QUESTION = "What makes a good sourdough bread? Answer in three short sentences."
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: Pages shown on the phone too, in the state worth showing (a finished page).
PHONE_PAGES = {
    "index": "/",
    "stream": "/dashboard/stream/?delay=0",
    "suspense": "/dashboard/suspense/?delay=0",
    "live": "/live/",
}


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"saved {path.relative_to(ROOT)}")


def phone_tour(browser: Browser, base: str, chat_url: str) -> None:
    """The first screen of each page on a phone; the chat with the reply the desktop tour got."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)  # type: ignore[arg-type]
    page = context.new_page()
    for name, path in PHONE_PAGES.items():
        page.goto(base + path)
        page.wait_for_load_state("load")
        shoot(page, f"{name}-phone", full_page=False)
    page.goto(chat_url)
    page.locator("#chat").scroll_into_view_if_needed()
    shoot(page, "chat-phone", full_page=False)
    context.close()


def tour(page: Page, base: str) -> str:
    """Visit every page in the state worth showing; the chat's address."""
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
    chat_url = page.url

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
    shoot(page, "admin")  # every column fits beside the admin's sidebar
    return chat_url


def main(base: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    executable = next(path for path in CHROMIUM_CANDIDATES if Path(path).exists())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=DESKTOP)  # type: ignore[arg-type]
        chat_url = tour(page, base.rstrip("/"))
        phone_tour(browser, base.rstrip("/"), chat_url)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
