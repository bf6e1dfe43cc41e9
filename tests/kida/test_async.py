"""The native async renderer: async for, await, taint, refusal, cancellation, timeouts."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from kida import AsyncLoopContext, Environment, LoopContext, TemplateRuntimeError
from kida.runtime.async_support import RenderTimeoutError

MakeEnv = Callable[..., Environment]


async def numbers(n: int, delay: float = 0) -> AsyncIterator[int]:
    for i in range(n):
        if delay:
            await asyncio.sleep(delay)
        yield i


async def collect(stream: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in stream])


class LoopClock:
    """The running loop's clock, stopped: it moves only when the test says, so a render's
    timeout expires exactly then, however slowly the machine runs the chunks before it."""

    def __init__(self, now: float) -> None:
        self.now = now

    async def advance(self, seconds: float) -> None:
        """Move on and return once every timer due by then has fired (timers fire in time
        order, and one of our own, due last, wakes us)."""
        self.now += seconds
        woken = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_at(self.now, woken.set_result, None)
        await woken


@pytest.fixture
async def loop_clock(monkeypatch: pytest.MonkeyPatch) -> LoopClock:
    loop = asyncio.get_running_loop()
    clock = LoopClock(loop.time())
    monkeypatch.setattr(loop, "time", lambda: clock.now)
    return clock


async def test_async_for_with_loop_attributes(env: Environment) -> None:
    template = env.from_string(
        "{% async for x in src %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}"
        "{{ loop.previtem }}{{ loop.cycle('a', 'b') }}{{ loop.depth }};{% end %}"
    )
    assert template.is_async
    assert await template.render_async(src=numbers(3)) == "10Truea1;21False0b1;32False1a1;"
    assert issubclass(AsyncLoopContext, LoopContext)


async def test_async_for_filter_and_empty(env: Environment) -> None:
    template = env.from_string(
        "{% async for x in src if x % 2 %}{{ x }}{{ loop.index }} {% empty %}none{% end %}"
    )
    assert await template.render_async(src=numbers(5)) == "11 32 "
    assert await template.render_async(src=numbers(0)) == "none"


@pytest.mark.parametrize("attr", ["length", "last", "revindex", "revindex0", "nextitem"])
async def test_async_loop_attributes_that_need_the_whole_source_raise(
    env: Environment, attr: str
) -> None:
    template = env.from_string(f"{{% async for x in src %}}{{{{ loop.{attr} }}}}{{% end %}}")
    with pytest.raises(TemplateRuntimeError, match=f"loop.{attr} is not available") as info:
        await template.render_async(src=numbers(2))
    assert "list" in (info.value.hint or "")


async def test_await_anywhere_an_expression_stands(env: Environment) -> None:
    async def fetch(x: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"v": x}

    template = env.from_string(
        "{{ await fetch(1) }}{{ (await fetch(2)).v }}{% if await fetch(3) %}y{% end %}"
    )
    assert await template.render_async(fetch=fetch) == "{&#39;v&#39;: 1}2y"


async def test_await_non_awaitable_names_template_line_and_expression(env: Environment) -> None:
    template = env.from_string("a\n{{ await user.name }}", name="profile.html")
    with pytest.raises(TemplateRuntimeError) as info:
        await template.render_async(user={"name": "x"})
    error = info.value
    assert error.name == "profile.html"
    assert error.lineno == 2
    assert "user.name" in str(error)
    assert error.hint


async def test_sync_renderers_refuse_async_templates(env: Environment) -> None:
    template = env.from_string("{% async for x in src %}{{ x }}{% end %}", name="feed.html")
    with pytest.raises(TemplateRuntimeError, match="render_stream_async"):
        template.render(src=[])
    with pytest.raises(TemplateRuntimeError, match=r"feed\.html"):
        template.render_stream(src=[])


async def test_sync_templates_render_async_too(env: Environment) -> None:
    template = env.from_string("{% for x in xs %}{{ x }}{% end %}")
    assert not template.is_async
    assert await collect(template.render_stream_async(xs=[1, 2])) == "12"


async def test_async_block_in_sync_parent(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "base.html": "<ul>{% block items %}{% end %}</ul>",
            "child.html": '{% extends "base.html" %}{% block items %}'
            "{% async for x in src %}<li>{{ x }}{% end %}{% end %}",
        }
    )
    child = env.get_template("child.html")
    assert child.is_async
    assert not env.get_template("base.html").is_async
    assert await child.render_async(src=numbers(2)) == "<ul><li>0<li>1</ul>"
    with pytest.raises(TemplateRuntimeError):
        child.render(src=[])
    assert await collect(child.render_block_stream_async("items", src=numbers(2))) == "<li>0<li>1"


async def test_sync_child_of_async_parent_is_async(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "base.html": "{{ await v }}{% block b %}{% end %}",
            "child.html": '{% extends "base.html" %}{% block b %}!{% end %}',
        }
    )
    child = env.get_template("child.html")
    assert child.is_async

    async def value() -> str:
        return "v"

    assert await child.render_async(v=value()) == "v!"


async def test_include_taint(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "async.html": "{% async for x in src %}{{ x }}{% end %}",
            "sync.html": "[{{ y }}]",
            "outer_async.html": "{% include 'async.html' %}{% include 'sync.html' %}"
            "{{ await done }}",
            "outer_sync.html": "{% include 'async.html' %}",
        }
    )

    async def done() -> str:
        return "."

    outer = env.get_template("outer_async.html")
    assert await outer.render_async(src=numbers(2), y=1, done=done()) == "01[1]."
    with pytest.raises(TemplateRuntimeError, match=r"async\.html"):
        env.get_template("outer_sync.html").render(src=[])


async def test_async_def_call_and_import(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "ui.html": "{% def feed(src) %}{% async for x in src %}<{{ x }}>{% end %}{% end %}",
            "page.html": '{% from "ui.html" import feed %}{{ feed(src) }}|'
            "{% def box() %}[{% slot %}]{% end %}"
            "{% call box() %}{% async for y in more %}{{ y }}{% end %}{% end %}",
        }
    )
    page = env.get_template("page.html")
    assert await page.render_async(src=numbers(2), more=numbers(2)) == "<0><1>|[01]"


async def test_aclose_closes_an_endless_source_at_once(env: Environment) -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
                await asyncio.sleep(0)
        finally:
            closed.set()

    stream = env.from_string("{% async for x in src %}{{ x }}{% end %}").render_stream_async(
        src=endless()
    )
    assert [await anext(stream) for _ in range(3)] == ["0", "1", "2"]
    await stream.aclose()  # type: ignore[attr-defined]
    assert closed.is_set()


async def test_timeout_closes_sources_and_raises(env: Environment) -> None:
    closed = asyncio.Event()

    async def slow() -> AsyncIterator[int]:
        try:
            yield 1
            await asyncio.sleep(10)
            yield 2
        finally:
            closed.set()

    stream = env.from_string("{% async for x in src %}{{ x }}{% end %}").render_stream_async(
        src=slow(), timeout=0.05
    )
    with pytest.raises(TimeoutError) as info:
        await collect(stream)
    assert isinstance(info.value, RenderTimeoutError)
    assert isinstance(info.value, TemplateRuntimeError)
    assert closed.is_set()


async def test_error_in_source_propagates(env: Environment) -> None:
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise ConnectionError("db gone")

    chunks: list[str] = []
    template = env.from_string("{% async for x in src %}<{{ x }}>{% end %}")

    async def consume() -> None:
        async for chunk in template.render_stream_async(src=broken()):
            chunks.append(chunk)  # noqa: PERF401 - the partial output is the point

    with pytest.raises(ConnectionError, match="db gone"):
        await consume()
    assert "".join(chunks) == "<1>"


async def test_chunk_reaches_consumer_before_next_item_is_requested(env: Environment) -> None:
    events: list[str] = []

    async def source() -> AsyncIterator[int]:
        for i in range(2):
            events.append(f"produce {i}")
            yield i

    async for chunk in env.from_string(
        "{% async for x in src %}{{ x }}{% end %}"
    ).render_stream_async(src=source()):
        events.append(f"consume {chunk}")  # noqa: PERF401 - the order is the point
    assert events == ["produce 0", "consume 0", "produce 1", "consume 1"]


async def test_render_block_stream_async_of_sync_block(env: Environment) -> None:
    template = env.from_string("{% block a %}A{{ x }}{% end %}")
    assert await collect(template.render_block_stream_async("a", x=1)) == "A1"


async def test_concurrent_renders_share_nothing(env: Environment) -> None:
    template = env.from_string("{% async for x in src %}{{ x }}{% end %}")
    results = await asyncio.gather(
        *(template.render_async(src=numbers(3, 0.001)) for _ in range(5))
    )
    assert results == ["012"] * 5


def test_any_helper_is_importable() -> None:
    assert callable(collect)
    _: Any = None


async def test_inline_if_skips_do_not_count_in_loop(env: Environment) -> None:
    template = env.from_string(
        "{% async for x in src if x != 1 %}{{ loop.index }}:{{ x }}:{{ loop.previtem }} {% end %}"
    )
    assert await template.render_async(src=numbers(3)) == "1:0: 2:2:0 "


async def test_text_before_an_await_leaves_first(env: Environment) -> None:
    gate = asyncio.Event()

    async def slow() -> str:
        await gate.wait()
        return "late"

    stream = env.from_string("<header>{{ await value }}</footer>").render_stream_async(value=slow())
    assert await anext(stream) == "<header>"
    gate.set()
    assert "".join([chunk async for chunk in stream]) == "late</footer>"


async def test_block_alone_sees_async_toplevel_defs(env: Environment) -> None:
    template = env.from_string(
        "{% def feed(src) %}{% async for x in src %}<{{ x }}>{% end %}{% end %}"
        "{% block b %}{{ feed(src) }}{% end %}"
    )
    assert await collect(template.render_block_stream_async("b", src=numbers(2))) == "<0><1>"
    with pytest.raises(TemplateRuntimeError, match="no block"):
        template.render_block_stream_async("nope")


async def test_aclose_reaches_a_source_inside_an_include(loader_env: MakeEnv) -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[int]:
        try:
            while True:
                yield 1
                await asyncio.sleep(0)
        finally:
            closed.set()

    env = loader_env(
        {
            "page.html": "<{% block main %}{% include 'part.html' %}{% end %}>",
            "part.html": "{% async for x in src %}{{ x }}{% end %}",
        }
    )
    stream = env.get_template("page.html").render_stream_async(src=endless())
    assert [await anext(stream) for _ in range(3)] == ["<", "1", "1"]
    await stream.aclose()  # type: ignore[attr-defined]
    assert closed.is_set()


async def test_stream_error_names_the_included_template_and_line(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "page.html": "{% async for x in src %}{% include 'part.html' %}{% end %}",
            "part.html": "ok\n{{ x.missing.deeper }}",
        }
    )
    with pytest.raises(Exception) as info:
        await collect(env.get_template("page.html").render_stream_async(src=numbers(1)))
    assert "part.html" in str(info.value)
    assert "line 2" in str(info.value) or getattr(info.value, "lineno", None) == 2


def test_stream_renderers_are_the_compiled_generators(env: Environment) -> None:
    """No wrapper generator per chunk: the stream handed out is the compiled one."""
    template = env.from_string("{{ x }}")
    stream = template.render_stream_async(x=1)
    assert stream.ag_code.co_name == "root_async"  # type: ignore[attr-defined]
    assert template.render_stream(x=1).gi_code.co_name == "root_stream"  # type: ignore[attr-defined]


async def test_render_async_of_a_sync_template_reaching_an_async_one(
    loader_env: MakeEnv,
) -> None:
    """Async taint known only at run time (include, dynamic extends) still renders."""
    env = loader_env(
        {
            "part.html": "{% async for x in src %}{{ x }}{% end %}",
            "page.html": "<{% include 'part.html' %}>",
            "base.html": "{% block b %}{% async for x in src %}{{ x }}{% end %}{% end %}",
            "dynamic.html": "{% extends parent %}",
        }
    )
    assert not env.get_template("page.html").is_async
    assert await env.get_template("page.html").render_async(src=numbers(2)) == "<01>"
    dynamic = env.get_template("dynamic.html")
    assert await dynamic.render_async(src=numbers(2), parent="base.html") == "01"


async def endless(closed: asyncio.Event) -> AsyncIterator[int]:
    try:
        while True:
            yield 1
            await asyncio.sleep(0)
    finally:
        closed.set()


BLOCK_CHAIN = {
    "base.html": "{% def shout(s) %}{{ s | upper }}{% end %}{% let mark = '!' %}"
    "<{% block reply %}{% end %}|{% block foot %}{{ shout(who) }}{{ mark }}{% end %}>",
    "child.html": '{% extends "base.html" %}{% block reply %}'
    "{% async for t in tokens %}{{ shout(t) }}{{ mark }}{% end %}{% end %}",
    "plain.html": "{% block reply %}{% async for t in tokens %}{{ t }}{% end %}{% end %}",
}


async def test_block_streams_are_the_compiled_block_generators(loader_env: MakeEnv) -> None:
    """No wrapper generator per chunk, whether or not the chain has definitions to run."""
    env = loader_env(BLOCK_CHAIN)
    plain = env.get_template("plain.html").render_block_stream_async("reply", tokens=numbers(2))
    child = env.get_template("child.html")
    own = child.render_block_stream_async("reply", tokens=numbers(2))
    inherited = child.render_block_stream_async("foot", who="ann")
    streams = [plain, own, inherited]
    names = [stream.ag_code.co_name for stream in streams]  # type: ignore[attr-defined]
    assert names == ["block_reply_async", "block_reply_async", "block_foot_async"]
    assert [await collect(stream) for stream in streams] == ["01", "0!1!", "ANN!"]


async def test_block_stream_error_in_the_definitions_names_template_and_line(
    loader_env: MakeEnv,
) -> None:
    env = loader_env(
        {
            "base.html": "{% block b %}{% end %}\n{% let per_page = 10 // zero %}",
            "child.html": '{% extends "base.html" %}{% block b %}{{ per_page }}{% end %}',
        }
    )
    stream = env.get_template("child.html").render_block_stream_async("b", zero=0)
    with pytest.raises(ZeroDivisionError) as info:
        await collect(stream)
    assert (info.value.name, info.value.lineno) == ("base.html", 2)  # type: ignore[attr-defined]


@pytest.mark.parametrize("timeout", [None, 60])
async def test_aclose_of_a_block_stream_closes_its_source(
    loader_env: MakeEnv, timeout: float | None
) -> None:
    closed = asyncio.Event()
    template = loader_env(BLOCK_CHAIN).get_template("child.html")
    stream = template.render_block_stream_async("reply", tokens=endless(closed), timeout=timeout)
    assert [await anext(stream) for _ in range(3)] == ["1", "!", "1"]
    await stream.aclose()  # type: ignore[attr-defined]
    assert closed.is_set()


async def test_timeout_of_a_block_stream(loader_env: MakeEnv, loop_clock: LoopClock) -> None:
    closed = asyncio.Event()

    async def stalls() -> AsyncIterator[str]:
        try:
            yield "a"
            await asyncio.Event().wait()
        finally:
            closed.set()

    template = loader_env(BLOCK_CHAIN).get_template("child.html")
    stream = template.render_block_stream_async("reply", tokens=stalls(), timeout=0.1)
    assert [await anext(stream), await anext(stream)] == ["A", "!"]
    # Time moves on while this task waits inside the stream for the stalled source.
    advancing = asyncio.create_task(loop_clock.advance(0.2))
    with pytest.raises(RenderTimeoutError):
        await anext(stream)
    await advancing
    assert closed.is_set()
    # The timeout's cancellation was taken back: the task carries on normally.
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    await asyncio.sleep(0)


async def test_time_running_out_between_chunks_stops_the_next_request(
    env: Environment, loop_clock: LoopClock
) -> None:
    closed = asyncio.Event()
    stream = env.from_string("{% async for x in src %}{{ x }}{% end %}").render_stream_async(
        src=endless(closed), timeout=0.1
    )
    assert await anext(stream) == "1"
    await loop_clock.advance(0.2)  # a slow consumer: the render as a whole is over its time
    with pytest.raises(RenderTimeoutError):
        await anext(stream)
    assert closed.is_set()


async def test_cancelling_a_timed_render_is_a_cancellation(env: Environment) -> None:
    closed = asyncio.Event()
    started = asyncio.Event()

    async def waits() -> AsyncIterator[int]:
        try:
            started.set()
            await asyncio.Event().wait()
            yield 1
        finally:
            closed.set()

    template = env.from_string("{% async for x in src %}{{ x }}{% end %}")
    task = asyncio.create_task(collect(template.render_stream_async(src=waits(), timeout=60)))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed.is_set()
