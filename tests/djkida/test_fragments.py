"""Fragment: one block rendered alone (sync and async templates), its wire shapes, and a
broadcast fragment rendered once for every subscriber."""

from collections.abc import AsyncIterator

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from pytest_django.fixtures import Settings

from djkida.broadcast import abroadcast
from djkida.fragments import Fragment
from djkida.routing import websocket_urlpatterns
from djkida.sse import _encode_stream
from kida import TemplateRuntimeError
from tests.djkida import transport_settings
from tests.djkida.test_consumers import with_user


@pytest.fixture(autouse=True)
def kida_templates(settings: Settings) -> None:
    settings.TEMPLATES = transport_settings.TEMPLATES


class CountedText:
    """Counts how often a template turns it into text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.renders = 0

    def __str__(self) -> str:
        self.renders += 1
        return self.text


def test_render_gives_the_block_alone_escaped() -> None:
    fragment = Fragment("transport/board.html", "message", {"author": "ann", "text": "<b>hi</b>"})
    assert fragment.render() == '<li class="msg">ann: &lt;b&gt;hi&lt;/b&gt;</li>'


async def test_render_async_works_for_sync_and_async_templates() -> None:
    sync = Fragment("transport/board.html", "message", {"author": "bo", "text": "yo"})
    assert await sync.render_async() == '<li class="msg">bo: yo</li>'

    async def tokens() -> AsyncIterator[str]:
        for token in ["a", "<", "b"]:
            yield token

    reply = Fragment("transport/chat.html", "reply", {"tokens": tokens()})
    assert await reply.render_async() == "a&lt;b"


def test_sync_render_of_an_async_template_is_a_clear_error() -> None:
    with pytest.raises(TemplateRuntimeError, match="async"):
        Fragment("transport/chat.html", "reply", {"tokens": []}).render()


def test_unknown_block_and_swap_without_target_are_refused() -> None:
    with pytest.raises(LookupError, match="no block 'nope'"):
        Fragment("transport/board.html", "nope").render()
    with pytest.raises(ValueError, match="target"):
        Fragment("transport/board.html", "message", swap="beforeend")


def test_wire_shapes() -> None:
    plain = Fragment("transport/board.html", "message")
    assert plain.event_name == "message"
    assert plain.oob_html("<li>x</li>") == "<li>x</li>"
    targeted = Fragment("transport/board.html", "message", target="messages", swap="beforeend")
    assert targeted.event_name == "messages"
    assert targeted.oob_html("<li>x</li>") == (
        '<div id="messages" hx-swap-oob="beforeend"><li>x</li></div>'
    )
    odd = Fragment("t.html", "b", target='a"b')
    assert odd.oob_html("") == '<div id="a&#34;b" hx-swap-oob="innerHTML"></div>'


async def test_event_stream_sends_a_fragment_under_its_event_name() -> None:
    async def source() -> AsyncIterator[Fragment]:
        yield Fragment("transport/board.html", "message", {"author": "a", "text": "b"}, target="m")

    frames = [frame async for frame in _encode_stream(source(), heartbeat=None, retry=None)]
    assert frames == [b'event: m\ndata: <li class="msg">a: b</li>\n\n']


@pytest.mark.django_db(transaction=True)  # the consumers close old DB connections when done
async def test_a_broadcast_fragment_is_rendered_once_for_all_subscribers() -> None:
    app = with_user(AnonymousUser(), URLRouter(websocket_urlpatterns))
    clients = [WebsocketCommunicator(app, "/djkida/ws/public.board/") for _ in range(3)]
    for client in clients:
        assert (await client.connect())[0]
    text = CountedText("hello")
    fragment = Fragment(
        "transport/board.html",
        "message",
        {"author": "ann", "text": text},
        target="messages",
        swap="beforeend",
    )
    await abroadcast("public.board", fragment)
    expected = '<div id="messages" hx-swap-oob="beforeend"><li class="msg">ann: hello</li></div>'
    assert [await client.receive_from() for client in clients] == [expected] * 3
    assert text.renders == 1
    for client in clients:
        await client.disconnect()
