"""htmx 2's sse and ws extensions (as django-htmx ships them) in Chromium swap djkida's events
into the right elements: broadcast fragments appended by id, LLM tokens appended as text."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import browser, page  # noqa: F401 - fixtures
from tests.servers import LiveServer, live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(
        settings="tests.djkida.transport_settings", app="tests.djkida.transport_asgi:application"
    ) as live:
        yield live


@pytest.mark.parametrize("kind", ["sse", "ws"])
def test_broadcast_fragments_append_to_their_target(
    page: Page,  # noqa: F811
    server: LiveServer,
    kind: str,
) -> None:
    group = f"public.browser-{kind}"
    page.goto(f"{server.url}/page/{kind}/?group={group}")
    page.wait_for_selector("body[data-open=yes]", timeout=10_000)
    for author, text in [("ann", "hi <b>there</b>"), ("bo", "second")]:
        httpx.get(
            server.url + "/send-fragment/",
            params={"group": group, "author": author, "text": text},
            timeout=10,
        )
    page.wait_for_function("document.querySelectorAll('#messages li').length === 3")
    assert page.locator("#messages li").all_inner_texts() == [
        "first",
        "ann: hi <b>there</b>",
        "bo: second",
    ]
    assert page.locator("#messages b").count() == 0


def test_stream_tokens_append_as_escaped_text(page: Page, server: LiveServer) -> None:  # noqa: F811
    page.goto(f"{server.url}/page/tokens/")
    page.wait_for_function("document.querySelector('#reply').textContent.endsWith('bye')")
    assert page.locator("#reply").inner_text() == "Hello <script>alert(1)</script> & bye"
    assert page.locator("#reply script").count() == 0
