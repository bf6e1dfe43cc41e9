"""Limits that end a render are not swallowed by ``{% try %}``.

A template that includes itself (or a def that calls itself) inside a ``{% try %}`` on each
level would otherwise catch the depth error one level up and go on with the next include: the
render grows exponentially instead of stopping. Each test counts how often the recursive part
runs; a runaway render is stopped by a ``BaseException`` that no boundary catches.
"""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from kida import DictLoader, Environment, Template, TemplateRuntimeError
from kida.exceptions import ErrorCode, RenderLimitError


class _Runaway(BaseException):
    """Raised by the counter once a render has clearly run away."""


def _counter(limit: int = 10_000) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def tick() -> str:
        calls.append(1)
        if len(calls) > limit:
            raise _Runaway
        return ""

    return calls, tick


_RENDERERS: dict[str, Callable[[Template], object]] = {
    "render": lambda template: template.render(),
    "render_stream": lambda template: list(template.render_stream()),
    "render_async": lambda template: asyncio.run(template.render_async()),
}


@pytest.mark.parametrize("renderer", list(_RENDERERS))
def test_an_include_cycle_inside_try_stops_at_the_depth_limit(renderer: str) -> None:
    calls, tick = _counter()
    env = Environment(
        loader=DictLoader(
            {
                "loop.html": "{{ tick() }}{% try %}{% include 'loop.html' %}"
                "{% include 'loop.html' %}{% fallback %}gave up{% end %}",
            }
        ),
        globals={"tick": tick},
    )
    with pytest.raises(RenderLimitError) as caught:
        _RENDERERS[renderer](env.get_template("loop.html"))
    assert len(calls) == 51  # the page and 50 nested includes, once each
    error = caught.value
    assert isinstance(error, TemplateRuntimeError)
    assert error.code is ErrorCode.INCLUDE_DEPTH
    assert "includes nested more than 50 deep: loop.html:1 → loop.html" in str(error)
    assert "{% try %} does not catch" in (error.hint or "")


def test_the_fallback_still_catches_other_errors_of_an_include() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "page.html": "{% try %}{% include 'bad.html' %}{% fallback err %}"
                "[{{ err.type }}]{% end %}",
                "bad.html": "{{ 1 // 0 }}",
            }
        )
    )
    template = env.get_template("page.html")
    assert {name: render(template) for name, render in _RENDERERS.items()} == {
        "render": "[ZeroDivisionError]",
        "render_stream": ["[ZeroDivisionError]"],
        "render_async": "[ZeroDivisionError]",
    }


@pytest.mark.parametrize("renderer", list(_RENDERERS))
def test_a_recursive_def_inside_try_stops_at_the_recursion_limit(renderer: str) -> None:
    calls, tick = _counter()
    env = Environment(globals={"tick": tick})
    template = env.from_string(
        "{% def down() %}{{ tick() }}{% try %}{{ down() }}{{ down() }}"
        "{% fallback %}gave up{% end %}{% end %}{{ down() }}"
    )
    with pytest.raises(RecursionError):
        _RENDERERS[renderer](template)
    assert 0 < len(calls) < 1000  # one call per level, down to Python's recursion limit


def test_an_extends_chain_past_its_limit_is_not_caught_either() -> None:
    templates = {f"t{i}.html": f"{{% extends 't{i + 1}.html' %}}" for i in range(5)}
    templates["t5.html"] = "end"
    templates["page.html"] = "{% try %}{% include 't0.html' %}{% fallback %}caught{% end %}"
    env = Environment(loader=DictLoader(templates), max_extends_depth=3)
    with pytest.raises(RenderLimitError, match="chain deeper than 3 templates"):
        env.get_template("page.html").render()


def test_render_context_depth_check_raises_the_limit_error() -> None:
    env = Environment(loader=DictLoader({"a.html": "A"}))
    ctx: Any = env.get_template("a.html").new_context((), {})
    for _ in range(50):
        ctx = ctx.child_context()
    with pytest.raises(RenderLimitError):
        ctx.check_include_depth("a.html")
