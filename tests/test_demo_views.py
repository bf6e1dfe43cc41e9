"""The demo's views in-process: bad input gets a clear answer, and a chat reply streams as SSE
events and is stored (through real talu worker processes on the tiny model)."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from django.core import signing
from django.core.cache import cache
from django.http.response import HttpResponseBase
from django.template import TemplateDoesNotExist, engines
from django.test import AsyncClient

from demo_project.demo import sources
from demo_project.demo.models import Announcement
from demo_project.demo.views.chat import STREAM_SALT
from djtalu import pools
from djtalu.engine import build_tiny_model
from djtalu.models import Conversation, Message, ModelSession

pytestmark = pytest.mark.django_db(transaction=True)


async def body_of(response: HttpResponseBase) -> str:
    """The whole body, streamed or not."""
    if response.streaming:
        chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]
        return b"".join(chunks).decode()
    return response.content.decode()  # type: ignore[attr-defined]


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event, data) of each SSE frame, comments left out."""
    events = []
    for frame in body.split("\n\n"):
        fields = [line.split(": ", 1) for line in frame.split("\n") if line.partition(":")[0]]
        if fields:
            name = next((value for field, value in fields if field == "event"), "message")
            data = "\n".join(value for field, value in fields if field == "data")
            events.append((name, data))
    return events


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 1.0), ("", 1.0), ("0", 0.0), ("2.5", 2.5), ("10", 10.0)]
)
def test_delay_scale_parses_seconds(raw: str | None, expected: float) -> None:
    assert sources.parse_delay(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("soon", "must be a number of seconds"), ("-1", "between 0 and 10"), ("11", "not 11")],
)
async def test_dashboards_refuse_a_bad_delay(
    async_client: AsyncClient, raw: str, message: str
) -> None:
    for page in ("/dashboard/stream/", "/dashboard/suspense/"):
        response = await async_client.get(page, {"delay": raw})
        assert response.status_code == 400
        assert message in await body_of(response)


def test_site_templates_are_kida_and_the_admin_keeps_django_templates() -> None:
    kida = engines["kida"]
    assert kida.get_template("demo/base.html").template.name == "demo/base.html"
    with pytest.raises(TemplateDoesNotExist):
        kida.get_template("admin/base.html")
    assert engines["django"].get_template("admin/base.html")


async def test_chat_send_explains_what_is_wrong(async_client: AsyncClient) -> None:
    response = await async_client.post("/chat/send/", {"text": "hello"})
    assert response.status_code == 503
    assert "demo_setup" in response.json()["error"]

    await ModelSession.objects.acreate(name="default", model_path="/nowhere")
    for data, status, error in [
        ({"text": "   "}, 400, "Type a message first."),
        ({"text": "x" * 2001}, 400, "A message holds at most 2000 characters, not 2001."),
        ({"text": "hi", "conversation": "42"}, 400, "That conversation does not exist."),
        ({"text": "hi", "conversation": "x"}, 400, "That conversation does not exist."),
    ]:
        response = await async_client.post("/chat/send/", data)
        assert (response.status_code, response.json()["error"]) == (status, error)
    assert await Conversation.objects.acount() == 0
    assert (await async_client.get("/chat/send/")).status_code == 405


async def test_chat_send_starts_a_conversation_and_signs_its_reply_link(
    async_client: AsyncClient,
) -> None:
    await ModelSession.objects.acreate(name="default", model_path="/nowhere")
    answer = (await async_client.post("/chat/send/", {"text": "Hello there"})).json()
    conversation = await Conversation.objects.aget()
    assert answer["conversation"] == conversation.pk
    assert answer["title"] == "Hello there"
    assert answer["url"] == f"/chat/{conversation.pk}/"
    # As the conversation list dates it, so a new entry shows its time before any reload.
    assert answer["created"] == conversation.created.strftime("%b %d, %H:%M")
    link = answer["stream"].removeprefix("/chat/stream/").rstrip("/")
    assert signing.loads(link, salt=STREAM_SALT) == {
        "conversation": conversation.pk,
        "text": "Hello there",
        "turn": 0,
    }

    # The next message continues it.
    follow_up = {"text": "More", "conversation": str(conversation.pk)}
    again = (await async_client.post("/chat/send/", follow_up)).json()
    assert again["conversation"] == conversation.pk
    assert await Conversation.objects.acount() == 1


async def test_reply_stream_refuses_forged_and_stale_links(async_client: AsyncClient) -> None:
    forged = signing.dumps({"conversation": 1, "text": "hi"}, salt="something else")
    response = await async_client.get(f"/chat/stream/{forged}/")
    assert response.status_code == 400
    assert "invalid or expired" in await body_of(response)

    missing = signing.dumps({"conversation": 999, "text": "hi"}, salt=STREAM_SALT)
    assert (await async_client.get(f"/chat/stream/{missing}/")).status_code == 404


@pytest.fixture
async def unloadable_session() -> AsyncIterator[ModelSession]:
    """Session ``default`` whose model cannot load: every reply starts and fails at once."""
    yield await ModelSession.objects.acreate(name="default", model_path="/nowhere")
    await pools._shutdown_all()


@pytest.mark.usefixtures("unloadable_session")
async def test_a_reply_link_works_once_whichever_process_serves_it(
    async_client: AsyncClient,
) -> None:
    answer = (await async_client.post("/chat/send/", {"text": "Hello"})).json()
    first = await async_client.get(answer["stream"])
    assert first.status_code == 200  # a (failed: no model) reply started
    # Another server process has a local-memory cache of its own.
    await cache.aclear()
    again = await async_client.get(answer["stream"])
    assert again.status_code == 410
    assert "already streamed" in await body_of(again)


@pytest.mark.usefixtures("unloadable_session")
async def test_concurrent_uses_of_one_reply_link_start_one_reply(
    async_client: AsyncClient,
) -> None:
    answer = (await async_client.post("/chat/send/", {"text": "Hello"})).json()
    responses = await asyncio.gather(*[async_client.get(answer["stream"]) for _ in range(3)])
    assert sorted(r.status_code for r in responses) == [200, 410, 410]
    # The next message gets a link of its own, which works.
    follow_up = {"text": "More", "conversation": str(answer["conversation"])}
    second = (await async_client.post("/chat/send/", follow_up)).json()
    assert (await async_client.get(second["stream"])).status_code == 200


async def test_unknown_conversation_page_is_404(async_client: AsyncClient) -> None:
    assert (await async_client.get("/chat/12345/")).status_code == 404


async def test_announcements_are_checked_stored_and_confirmed(async_client: AsyncClient) -> None:
    for text, error in [("  ", "needs some text"), ("x" * 281, "at most 280 characters")]:
        response = await async_client.post("/live/announce/", {"text": text})
        assert response.status_code == 400
        assert error in await body_of(response)
    assert await Announcement.objects.acount() == 0

    response = await async_client.post(
        "/live/announce/", {"text": " Bread is out "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    response = await async_client.post("/live/announce/", {"text": "Again"})
    assert response.status_code == 302
    assert response["Location"] == "/live/"
    texts = [a.text async for a in Announcement.objects.all()]
    assert texts == ["Again", "Bread is out"]
    page = await body_of(await async_client.get("/live/"))
    assert page.index("Again") < page.index("Bread is out")


@pytest.fixture
async def tiny_session(tmp_path: Path) -> AsyncIterator[ModelSession]:
    """Session ``default`` on the tiny model, with short greedy replies; its pool stopped after."""
    model = build_tiny_model(tmp_path / "tiny")
    yield await ModelSession.objects.acreate(
        name="default", model_path=str(model), max_tokens=12, temperature=0.0, seed=1
    )
    await pools._shutdown_all()


@pytest.mark.slow
async def test_a_reply_streams_as_token_events_and_is_stored(
    async_client: AsyncClient, tiny_session: ModelSession
) -> None:
    answer = (await async_client.post("/chat/send/", {"text": "Hi <model>"})).json()
    response = await async_client.get(answer["stream"])
    assert response["Content-Type"] == "text/event-stream"
    events = sse_events(await body_of(response))

    names = [name for name, _ in events]
    assert names[-1] == "done"
    assert set(names[:-1]) == {"token"}
    done = json.loads(events[-1][1])
    assert (done["status"], done["tokens"], done["omitted"]) == ("complete", 12, 0)
    # The reply's decode speed: tokens after the first over the time after the first.
    assert done["tokens_per_second"] > 0
    reply = await Message.objects.aget(role=Message.Role.ASSISTANT)
    assert reply.status == Message.Status.COMPLETE
    # Each token event is the escaped HTML of its piece.
    assert "".join(data for name, data in events if name == "token") == (
        reply.content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&#34;").replace("'", "&#39;")
    )  # fmt: skip

    # The link was used: a reconnecting EventSource does not get a second reply.
    again = await async_client.get(answer["stream"])
    assert again.status_code == 410
    assert await Message.objects.filter(role=Message.Role.ASSISTANT).acount() == 1


@pytest.mark.slow
async def test_the_chat_says_when_earlier_turns_were_left_out(
    async_client: AsyncClient, tiny_session: ModelSession
) -> None:
    tiny_session.max_prompt_tokens = 30
    await tiny_session.asave()
    outcomes = []
    conversation = ""
    for turn in range(3):
        answer = (
            await async_client.post(
                "/chat/send/", {"text": f"turn {turn} " + "word " * 8, "conversation": conversation}
            )
        ).json()
        conversation = str(answer["conversation"])
        events = sse_events(await body_of(await async_client.get(answer["stream"])))
        outcomes.append(json.loads(events[-1][1]))

    assert outcomes[0]["omitted"] == 0
    assert outcomes[-1]["omitted"] > 0
    assert await Message.objects.acount() == 6
