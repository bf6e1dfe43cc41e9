"""``{% push %}``/``{% stack %}`` give render()'s output in every renderer.

A stack is filled with the pushes of the whole render, wherever they come from (a child's
blocks, an include, a later part of the page). The streams send what precedes the first stack
at once and hold the rest until the render is over; a template that can reach no stack streams
as before.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from kida import DictLoader, Environment, SandboxedEnvironment, SandboxPolicy, Template
from kida.exceptions import SecurityError
from kida.runtime.async_support import RenderTimeoutError


def _every_renderer(template: Template, **ctx: Any) -> str:
    """render()'s text; render_stream(), render_stream_async() and render_async() agree."""

    async def streamed_async() -> tuple[str, str]:
        chunks = "".join([chunk async for chunk in template.render_stream_async(**ctx)])
        return chunks, await template.render_async(**ctx)

    text = template.render(**ctx)
    assert "".join(template.render_stream(**ctx)) == text
    assert asyncio.run(streamed_async()) == (text, text)
    return text


def _block_every_way(template: Template, name: str, **ctx: Any) -> str:
    """render_block()'s text; render_block_stream_async() must agree."""

    async def streamed() -> str:
        return "".join([c async for c in template.render_block_stream_async(name, **ctx)])

    text = template.render_block(name, **ctx)
    assert asyncio.run(streamed()) == text
    return text


_LAYOUTS = {
    # site/content/docs/advanced/content-stacks.md, "Use with Inheritance", made compact.
    "base.html": "<head>{% stack 'head' %}</head><body>{% block body %}{% end %}"
    "{% stack 'scripts' %}</body>",
    "layout.html": "{% extends 'base.html' %}{% block body %}<nav/>"
    "<main>{% block content %}{% end %}</main>"
    "{% push 'head' %}<link layout>{% end %}{% end %}",
    "article.html": "{% extends 'layout.html' %}{% block content %}<article>{{ body }}</article>"
    "{% push 'head' %}<link article>{% end %}{% push 'scripts' %}<script rt>{% end %}{% end %}",
    "gallery.html": "<div>{% for i in images %}<img {{ i }}>{% end %}</div>"
    "{% push 'head' %}<link gallery>{% end %}{% push 'scripts' %}<script lb>{% end %}",
    "page.html": "{% extends 'base.html' %}{% block body %}{% include 'gallery.html' %}{% end %}",
}


@pytest.fixture
def layouts() -> Environment:
    return Environment(loader=DictLoader(dict(_LAYOUTS)))


def test_pushes_from_a_childs_blocks_fill_the_layouts_stacks(layouts: Environment) -> None:
    text = _every_renderer(layouts.get_template("article.html"), body="Hi")
    assert text == (
        "<head><link article><link layout></head><body><nav/><main><article>Hi</article></main>"
        "<script rt></body>"
    )


def test_pushes_from_an_include_fill_the_layouts_stacks(layouts: Environment) -> None:
    text = _every_renderer(layouts.get_template("page.html"), images=[1, 2])
    assert text == ("<head><link gallery></head><body><div><img 1><img 2></div><script lb></body>")


def test_a_stack_in_an_included_head_gets_the_pages_later_pushes() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "head.html": "<head>{% stack 'css' %}</head>",
                "page.html": "{% include 'head.html' %}<p/>{% push 'css' %}<link>{% end %}",
            }
        )
    )
    assert _every_renderer(env.get_template("page.html")) == "<head><link></head><p/>"


def test_stacks_are_filled_when_the_syntax_tree_is_dropped() -> None:
    """``preserve_ast=False`` drops the tree after compiling; what the streams need to know
    about stacks is kept."""
    env = Environment(loader=DictLoader(dict(_LAYOUTS)), preserve_ast=False)
    page = env.get_template("page.html")
    assert page.template_metadata() is None  # the tree is gone
    assert _every_renderer(page, images=[1]) == (
        "<head><link gallery></head><body><div><img 1></div><script lb></body>"
    )


def test_a_stack_named_by_a_dynamic_include_is_filled_too() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "head.html": "<head>{% stack 'css' %}</head>",
                "page.html": "{% include head %}{% push 'css' %}<link>{% end %}",
            }
        )
    )
    assert _every_renderer(env.get_template("page.html"), head="head.html") == "<head><link></head>"


def test_a_stack_rendered_twice_and_pushes_in_loops(env: Environment) -> None:
    template = env.from_string(
        "[{% stack 's' %}]{% for i in items %}{% push 's' %}{{ i }}{% end %}{% end %}"
        "[{% stack 's' %}]{% push 's' %}!{% end %}"
    )
    assert _every_renderer(template, items=[1, 2]) == "[12!][12!]"


def test_stacks_inside_a_capture_a_try_or_a_def_hold_what_was_pushed_so_far(
    env: Environment,
) -> None:
    """Their text is joined before the render ends (a filter may change it), in every
    renderer alike."""
    template = env.from_string(
        "{% push 's' %}a{% end %}"
        "{% def show() %}({% stack 's' %}){% end %}"
        "{% try %}[{% stack 's' %}]{% fallback %}{% end %}{{ show() }}"
        "{% filter upper %}{% stack 's' %}{% end %}"
        "{% push 's' %}b{% end %}|{% stack 's' %}"
    )
    assert _every_renderer(template) == "[a](a)A|ab"


def test_an_include_with_a_stack_inside_a_def_holds_what_was_pushed_so_far() -> None:
    """The async renderer streams such a def's body (it includes a template); its output is
    text as in the other renderers."""
    env = Environment(
        loader=DictLoader(
            {
                "stack.html": "<{% stack 's' %}>",
                "page.html": "{% def box() %}{% include 'stack.html' %}{% end %}"
                "{% push 's' %}a{% end %}{{ box() }}{% push 's' %}b{% end %}",
            }
        )
    )
    assert _every_renderer(env.get_template("page.html")) == "<a>"


def test_a_block_rendered_alone_fills_its_stack(layouts: Environment) -> None:
    env = Environment(
        loader=DictLoader(
            {
                "page.html": "{% block body %}<h>{% stack 'x' %}</h>{% include 'p.html' %}"
                "{% push 'x' %}1{% end %}{% end %}",
                "p.html": "{% push 'x' %}0{% end %}<p/>",
            }
        )
    )
    assert _block_every_way(env.get_template("page.html"), "body") == "<h>01</h><p/>"


def test_the_stream_sends_what_precedes_the_first_stack_at_once(env: Environment) -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for i in range(3):
            taken.append(i)
            yield i

    template = env.from_string(
        "<ul>{% for i in items %}<li>{{ i }}</li>{% end %}</ul>{% stack 'js' %}<p/>"
        "{% push 'js' %}<script>{% end %}"
    )
    stream = template.render_stream(items=items())
    assert [next(stream), next(stream)] == ["<ul>", "<li>0</li>"]
    assert taken == [0]
    assert list(stream) == ["<li>1</li>", "<li>2</li>", "</ul>", "<script><p/>"]


def test_a_template_that_reaches_no_stack_streams_its_chunks_unchanged() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<b>{% block body %}{% end %}</b>",
                "page.html": "{% extends 'base.html' %}{% block body %}{{ x }}"
                "{% include 'p.html' %}{% push 'js' %}1{% end %}{% end %}",
                "p.html": "<p/>",
            }
        )
    )
    stream = env.get_template("page.html").render_stream(x=1)
    assert stream.gi_code.co_name == "root_stream"  # the compiled generator, no layer over it
    assert list(stream) == ["<b>", "1", "<p/>", "</b>"]


def test_a_partial_edited_to_hold_a_stack_is_noticed_by_the_next_stream() -> None:
    sources = {
        "head.html": "<head></head>",
        "page.html": "{% include 'head.html' %}{% push 'css' %}<link>{% end %}",
    }
    env = Environment(loader=DictLoader(sources))
    page = env.get_template("page.html")
    assert "".join(page.render_stream()) == "<head></head>"
    sources["head.html"] = "<head>{% stack 'css' %}</head>"
    assert "".join(page.render_stream()) == "<head><link></head>"


async def test_closing_a_held_stream_closes_its_sources(env: Environment) -> None:
    closed: list[bool] = []

    async def rows() -> AsyncIterator[int]:
        try:
            for i in range(100):
                yield i
        finally:
            closed.append(True)

    template = env.from_string("{% async for r in rows %}{{ r }}{% end %}{% stack 's' %}")
    stream = template.render_stream_async(rows=rows())
    assert await anext(stream) == "0"
    await stream.aclose()  # type: ignore[attr-defined]
    assert closed == [True]


async def test_a_held_stream_still_times_out(env: Environment) -> None:
    never = asyncio.Event()

    async def stalled() -> str:
        await never.wait()
        return "late"

    template = env.from_string("{% stack 's' %}{{ await value }}")
    with pytest.raises(RenderTimeoutError):
        await template.render_async(value=stalled(), timeout=0.01)


_RENDERERS: dict[str, Callable[..., object]] = {
    "render": lambda template, **ctx: template.render(**ctx),
    "stream": lambda template, **ctx: list(template.render_stream(**ctx)),
    "async": lambda template, **ctx: asyncio.run(template.render_async(**ctx)),
}


@pytest.mark.parametrize("renderer", ["stream", "async"])
def test_the_sandbox_counts_held_output_as_it_is_produced(renderer: str) -> None:
    """After a stack the output is held in memory; the output limit stops it there too,
    instead of at the end of a long render."""
    produced: list[int] = []

    def endless() -> Iterator[int]:
        for i in range(100_000):
            produced.append(i)
            yield i

    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=1000))
    template = env.from_string("{% stack 's' %}{% for i in rows %}{{ 'x' * 100 }}{% end %}")
    with pytest.raises(SecurityError) as caught:
        _RENDERERS[renderer](template, rows=endless())
    assert caught.value.code == "K-SEC-005"
    assert len(produced) < 20


@pytest.mark.parametrize("renderer", ["render", "stream", "async"])
def test_the_sandbox_counts_pushed_content_in_every_renderer(renderer: str) -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=50))
    template = env.from_string(
        "{% stack 's' %}{% for i in range(10) %}{% push 's' %}0123456789{% end %}{% end %}"
    )
    with pytest.raises(SecurityError):
        _RENDERERS[renderer](template)
