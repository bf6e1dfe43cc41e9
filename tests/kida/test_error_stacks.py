"""Template stacks (include, import, def call, extends) on errors in every renderer, import
cycles, and the render deadline holding for CPU-bound renders."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from kida import Environment, ErrorCode, Template, TemplateError, TemplateRuntimeError
from kida.runtime.async_support import RenderTimeoutError

MakeEnv = Callable[..., Environment]

CHAIN = {
    "page.html": "top\n{% include 'mid.html' %}",
    "mid.html": "{% from 'macros.html' import card %}\nm\n{{ card(0) }}",
    "macros.html": "{% def card(x) %}\n{{ 1 // x }}{{ nope }}\n{% end %}",
    "base.html": "<main>\n{% block content %}{% end %}</main>",
    "child.html": "{% extends 'base.html' %}{% block content %}\n{% include 'mid.html' %}{% end %}",
}
INCLUDE_STACK = [("page.html", 2), ("mid.html", 3), ("macros.html", 2)]


async def _collect(stream: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in stream])


def renders(template: Template, **ctx: Any) -> list[Callable[[], object]]:
    return [
        lambda: template.render(**ctx),
        lambda: "".join(template.render_stream(**ctx)),
        lambda: asyncio.run(template.render_async(**ctx)),
    ]


def block_renders(template: Template, name: str) -> list[Callable[[], object]]:
    return [
        lambda: template.render_block(name),
        lambda: asyncio.run(_collect(template.render_block_stream_async(name))),
    ]


def error_of(run: Callable[[], object]) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        run()
    return info.value


def test_stack_through_include_import_and_def_call_in_every_renderer(loader_env: MakeEnv) -> None:
    template = loader_env(CHAIN).get_template("page.html")
    for run in renders(template):
        error = error_of(run)
        assert error.code is ErrorCode.ZERO_DIVISION
        assert error.template_stack == INCLUDE_STACK
        assert (error.name, error.lineno) == ("macros.html", 2)
        assert "template stack: page.html:2 → mid.html:3 → macros.html:2" in str(error)
        assert "Template stack: page.html:2 → mid.html:3 → macros.html:2" in error.format_compact()


def test_stack_of_a_kida_error_and_of_an_async_template(loader_env: MakeEnv) -> None:
    env = loader_env({**CHAIN, "macros.html": "{% def card(x) %}\n{{ nope }}\n{% end %}"})
    for run in renders(env.get_template("page.html")):
        assert error_of(run).template_stack == INCLUDE_STACK
    env = loader_env({**CHAIN, "macros.html": "{% def card(x) %}\n{{ await nope() }}\n{% end %}"})

    async def nope() -> None:
        raise KeyError("k")

    env.add_global("nope", nope)  # imported defs see the globals, not the page's variables
    error = error_of(lambda: asyncio.run(env.get_template("page.html").render_async()))
    assert error.code is ErrorCode.KEY_ERROR
    assert error.template_stack == INCLUDE_STACK


def test_stack_through_extends_and_blocks(loader_env: MakeEnv) -> None:
    template = loader_env(CHAIN).get_template("child.html")
    whole = [("child.html", 1), ("base.html", 2), ("child.html", 2), *INCLUDE_STACK[1:]]
    for run in renders(template):
        assert error_of(run).template_stack == whole
    for run in block_renders(template, "content"):
        assert error_of(run).template_stack == [("child.html", 2), *INCLUDE_STACK[1:]]


def test_an_error_in_the_page_itself_has_a_one_frame_stack_and_no_stack_line(
    loader_env: MakeEnv,
) -> None:
    template = loader_env({"p.html": "a\n{{ 1 // 0 }}"}).get_template("p.html")
    for run in renders(template):
        error = error_of(run)
        assert error.template_stack == [("p.html", 2)]
        assert "stack" not in str(error)
        assert "stack" not in error.format_compact()


def test_a_syntax_error_in_an_included_template_ends_the_stack(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "p.html": "{% include 'mid.html' %}",
            "mid.html": "a\n{% include 'bad.html' %}",
            "bad.html": "\n{{ x | nofilter }}",
        }
    )
    for run in renders(env.get_template("p.html")):
        error = error_of(run)
        assert error.code is ErrorCode.INVALID_FILTER
        assert error.template_stack == [("p.html", 1), ("mid.html", 2), ("bad.html", 2)]


def test_an_error_not_raised_by_a_render_has_no_stack() -> None:
    # The stack is read from the traceback as the error leaves a render.
    assert TemplateRuntimeError("x").template_stack == []


@pytest.mark.parametrize(
    ("templates", "entry", "cycle"),
    [
        ({"a.html": "{% import 'a.html' as a %}x"}, "a.html", "a.html:1 → a.html"),
        ({"a.html": "{% from 'a.html' import m %}x"}, "a.html", "a.html:1 → a.html"),
        (
            {"a.html": "{% import 'b.html' as b %}a", "b.html": "\n{% from 'a.html' import q %}"},
            "a.html",
            "a.html:1 → b.html:2 → a.html",
        ),
        (
            {
                "p.html": "{% include 'a.html' %}",
                "a.html": "{% import 'b.html' as b %}",
                "b.html": "{% import 'a.html' as a %}",
            },
            "p.html",
            "a.html:1 → b.html:1 → a.html",
        ),
    ],
)
def test_import_cycles_are_a_clear_error(
    loader_env: MakeEnv, templates: dict[str, str], entry: str, cycle: str
) -> None:
    template = loader_env(templates).get_template(entry)
    for run in renders(template):
        with pytest.raises(TemplateRuntimeError) as info:
            run()
        assert info.value.code is ErrorCode.CIRCULAR_IMPORT
        assert info.value.message == f"circular import: {cycle}"
        assert not isinstance(info.value.__context__, RecursionError)


def test_importing_the_same_template_twice_is_no_cycle(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "m.html": "{% def hi() %}hi{% end %}",
            "p.html": "{% import 'm.html' as a %}{% from 'm.html' import hi %}"
            "{% include 'q.html' %}{{ a.hi() }}{{ hi() }}",
            "q.html": "{% import 'm.html' as m %}{{ m.hi() }}",
        }
    )
    template = env.get_template("p.html")
    assert template.render() == "hihihi"
    assert asyncio.run(template.render_async()) == "hihihi"


def _slow_items(consumed: list[int]) -> Iterator[int]:
    """A sync source that keeps the CPU (not the event loop) busy for 20 ms per item."""
    for i in range(50):
        time.sleep(0.02)  # blocks the loop, as a CPU-bound render does; not a synchronisation
        consumed.append(i)
        yield i


@pytest.mark.parametrize("block", [False, True])
async def test_timeout_holds_for_a_render_that_never_awaits(
    loader_env: MakeEnv, block: bool
) -> None:
    env = loader_env({"p.html": "{% block b %}{% for i in items %}x{% flush %}{% end %}{% end %}"})
    template = env.get_template("p.html")
    consumed: list[int] = []
    if block:
        stream = template.render_block_stream_async("b", items=_slow_items(consumed), timeout=0.01)
    else:
        stream = template.render_stream_async(items=_slow_items(consumed), timeout=0.01)
    with pytest.raises(RenderTimeoutError):
        await _collect(stream)
    # The first chunk is produced after 20 ms, past the 10 ms deadline: the render stops there.
    assert len(consumed) == 1
