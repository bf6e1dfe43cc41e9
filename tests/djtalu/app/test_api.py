"""stream_async, generate_async and AsyncChat against real worker processes (tiny model)."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import pytest
from pytest_django.fixtures import Settings

import djtalu
from djtalu import pools
from djtalu.models import Conversation, Message, ModelSession

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


async def drain_into(pieces: list[str], stream: AsyncIterator[str]) -> None:
    """Append the rest of ``stream`` to ``pieces``, keeping what arrived before an error."""
    async for piece in stream:
        pieces.append(piece)  # noqa: PERF401 - a comprehension would lose them on error


async def test_stream_async_streams_the_same_text_generate_async_returns(
    session: ModelSession, settings: Settings
) -> None:
    # A window of one piece: the worker waits for each piece to be read before it makes the
    # next, so the reader gets the pieces one by one however fast the model is.
    settings.TALU_STREAM_BUFFER = 1
    pieces = [piece async for piece in await djtalu.stream_async("tiny", "hello")]
    result = await djtalu.generate_async(session, "hello")

    assert len(pieces) > 1
    assert all(pieces)
    assert "".join(pieces) == result.text
    assert result.finish_reason in {"stop", "length"}
    assert 0 < result.completion_tokens <= session.max_tokens
    assert result.prompt_tokens > 0


async def test_parameters_override_the_session_defaults(session: ModelSession) -> None:
    short = await djtalu.generate_async(session, "hello", max_tokens=3)
    seeded = [
        (await djtalu.generate_async(session, "hello", temperature=1.0, seed=7)).text
        for _ in range(2)
    ]

    assert short.completion_tokens <= 3
    assert short.finish_reason == "length"
    assert seeded[0] == seeded[1]


async def test_system_prompt_comes_from_the_session_unless_given(session: ModelSession) -> None:
    short = await djtalu.generate_async(session, [{"role": "user", "content": "hello"}], system="a")
    long = await djtalu.generate_async(session, "hello", system="a " * 50)
    session.system_prompt = "a " * 50
    await session.asave()
    from_session = await djtalu.generate_async(session, "hello")

    assert long.prompt_tokens > short.prompt_tokens
    assert from_session.prompt_tokens == long.prompt_tokens


async def test_bad_input_gets_clear_errors(session: ModelSession) -> None:
    with pytest.raises(djtalu.SessionUnavailableError, match="no model session named 'nope'"):
        await djtalu.stream_async("nope", "hello")
    with pytest.raises(ValueError, match=r"messages\[0\].role"):
        await djtalu.stream_async(session, [{"role": "robot", "content": "hi"}])
    with pytest.raises(ValueError, match="end with a user message"):
        await djtalu.stream_async(session, [{"role": "assistant", "content": "hi"}])
    with pytest.raises(TypeError, match="unexpected generation parameters: tempreature"):
        await djtalu.stream_async(session, "hello", tempreature=0.5)  # type: ignore[call-arg]
    session.enabled = False
    await session.asave()
    with pytest.raises(djtalu.SessionUnavailableError, match="disabled"):
        await djtalu.stream_async("tiny", "hello")


async def test_timeout_ends_the_stream_early(session: ModelSession) -> None:
    result = await djtalu.generate_async(session, "hello", max_tokens=5000, timeout=0.05)

    assert result.finish_reason == "timeout"
    assert result.completion_tokens < 5000


async def test_async_chat_persists_complete_replies_and_sends_history(
    session: ModelSession,
) -> None:
    chat = djtalu.AsyncChat("tiny")
    first = await chat.send("hello")
    first_text = "".join([piece async for piece in first])
    second = await chat.send("again")
    second_result = await second.collect()

    assert chat.conversation is not None
    messages = [m async for m in Message.objects.filter(conversation=chat.conversation)]
    assert [(m.role, m.status) for m in messages] == [
        ("user", "complete"),
        ("assistant", "complete"),
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert [m.content for m in messages] == ["hello", first_text, "again", second_result.text]
    assert messages[1].completion_tokens
    assert messages[1].prompt_tokens
    # The second turn's prompt holds the first exchange.
    assert messages[3].prompt_tokens > messages[1].prompt_tokens
    assert (await Conversation.objects.aget()).title == "hello"


async def test_async_chat_keeps_a_cancelled_reply_with_its_partial_text(
    session: ModelSession,
) -> None:
    chat = djtalu.AsyncChat(session)
    reply = await chat.send("hello", max_tokens=5000)
    received = [await anext(reply) for _ in range(3)]
    await reply.cancel()

    message = await Message.objects.aget(role="assistant")
    assert message.status == Message.Status.CANCELLED
    assert message.content.startswith("".join(received))
    assert len(message.content) < 5000


async def test_async_chat_saves_the_reply_when_the_consumer_task_is_cancelled(
    session: ModelSession,
) -> None:
    """A disconnected client's request task is cancelled mid-stream: the reply is kept."""
    chat = djtalu.AsyncChat(session)
    reply = await chat.send("hello", max_tokens=5000)
    got_some = asyncio.Event()

    async def consume() -> None:
        async for _ in reply:
            got_some.set()

    task = asyncio.create_task(consume())
    await got_some.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    message = await Message.objects.aget(role="assistant")
    assert message.status == Message.Status.CANCELLED
    assert message.content


async def test_async_chat_refuses_an_empty_message(session: ModelSession) -> None:
    with pytest.raises(ValueError, match="empty"):
        await djtalu.AsyncChat(session).send("  ")
    assert not await Message.objects.aexists()


async def test_async_chat_marks_a_timed_out_reply_partial(session: ModelSession) -> None:
    reply = await djtalu.AsyncChat(session).send("hello", max_tokens=5000, timeout=0.05)
    result = await reply.collect()

    message = await Message.objects.aget(role="assistant")
    assert result.finish_reason == "timeout"
    assert message.status == Message.Status.PARTIAL
    assert message.content == result.text


async def test_async_chat_keeps_the_text_of_a_reply_whose_worker_crashed(
    session: ModelSession,
) -> None:
    reply = await djtalu.AsyncChat(session).send("hello", max_tokens=5000)
    received = [await anext(reply) for _ in range(3)]
    running = pools._running_pool("tiny")
    assert running is not None
    for pid in running.backend.worker_pids():
        os.kill(pid, signal.SIGKILL)

    with pytest.raises(djtalu.WorkerCrashedError):
        await drain_into(received, reply)

    message = await Message.objects.aget(role="assistant")
    assert message.status == Message.Status.ERROR
    assert message.content == "".join(received)
    assert "WorkerCrashedError" in message.error


async def test_a_hung_worker_is_replaced_after_talu_health_timeout(
    session: ModelSession, settings: Settings
) -> None:
    """A worker stopped with SIGSTOP fails the request it holds once TALU_HEALTH_TIMEOUT has
    passed without an answer to a health check; the next request gets a new worker."""
    settings.TALU_HEALTH_TIMEOUT = 0.5
    await djtalu.generate_async(session, "hello")  # starts the pool
    running = pools._running_pool("tiny")
    assert running is not None
    assert running.config.health_timeout == 0.5  # the setting reached the pool it started
    [hung] = running.backend.worker_pids()
    os.kill(hung, signal.SIGSTOP)

    with pytest.raises(djtalu.WorkerCrashedError, match="stopped answering health checks"):
        await djtalu.generate_async(session, "hello")
    result = await djtalu.generate_async(session, "hello")

    assert result.completion_tokens > 0
    [replacement] = running.backend.worker_pids()
    assert replacement != hung
    assert f"worker {hung} stopped answering health checks" in running.backend.stats().last_error
