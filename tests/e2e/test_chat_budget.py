"""The demo chat in Chromium says when the session's history budget left earlier turns out."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.demo_site import demo_server, manage, site_environment
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("timing")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with a history budget far below two turns, and short replies."""
    directory: Path = tmp_path_factory.mktemp("demo-budget")
    with demo_server(directory) as running:
        update = "update(max_prompt_tokens=40, max_tokens=20)"
        manage(
            site_environment(directory),
            "shell",
            "-c",
            f"from djtalu.models import ModelSession; "
            f"ModelSession.objects.filter(name='default').{update}",
        )
        yield running


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_the_reply_says_earlier_messages_were_left_out(
    page: Page, server: LiveServer, transport: str
) -> None:
    page.goto(server.url + "/chat/")
    page.check(f"input[name=transport][value={transport}]")
    for turn, text in enumerate(["first " * 15, "second " * 15]):
        page.fill("#composer textarea", text)
        page.click("#send")
        page.locator(f".message.assistant >> nth={turn}").and_(
            page.locator("[data-status=complete]")
        ).wait_for(timeout=30_000)

    notes = page.locator(".message.assistant .badge.omitted").all_inner_texts()
    assert notes == ["2 earlier messages were left out of the prompt"]
