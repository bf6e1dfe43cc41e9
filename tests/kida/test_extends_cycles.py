"""An ``{% extends %}`` cycle is reported as a cycle, naming it, in every renderer: with or
without blocks, never as a chain past ``max_extends_depth``."""

import asyncio
import re
from collections.abc import Callable

import pytest

from kida import DictLoader, Environment, Template, TemplateRuntimeError
from kida.exceptions import ErrorCode


async def _collect(template: Template) -> str:
    return "".join([chunk async for chunk in template.render_stream_async()])


_RENDERERS: dict[str, Callable[[Template], str]] = {
    "render": lambda t: t.render(),
    "render_stream": lambda t: "".join(t.render_stream()),
    "render_stream_async": lambda t: asyncio.run(_collect(t)),
    "render_block": lambda t: t.render_block("b"),
}


def _cycle_env() -> Environment:
    return Environment(
        loader=DictLoader(
            {
                "a.html": "{% extends 'b.html' %}",
                "b.html": "\n{% extends 'a.html' %}",
                "page.html": "{% extends 'a.html' %}",
                "self.html": "{% extends 'self.html' %}",
                "blocks.html": "{% extends 'c.html' %}{% block b %}x{% end %}",
                "c.html": "{% extends 'blocks.html' %}{% block b %}y{% end %}",
            }
        )
    )


@pytest.mark.parametrize("renderer", _RENDERERS)
def test_an_extends_cycle_without_blocks_names_the_cycle(renderer: str) -> None:
    with pytest.raises(TemplateRuntimeError) as caught:
        _RENDERERS[renderer](_cycle_env().get_template("page.html"))
    assert caught.value.code == ErrorCode.CIRCULAR_IMPORT
    assert "circular extends: a.html:1 → b.html:2 → a.html" in str(caught.value)
    assert "deeper than" not in str(caught.value)


@pytest.mark.parametrize("renderer", _RENDERERS)
@pytest.mark.parametrize(
    ("name", "cycle"),
    [
        ("self.html", "self.html:1 → self.html"),
        ("blocks.html", "blocks.html:1 → c.html:1 → blocks.html"),
    ],
)
def test_self_and_block_cycles_name_the_cycle_too(renderer: str, name: str, cycle: str) -> None:
    with pytest.raises(
        TemplateRuntimeError, match=re.escape(f"circular extends: {cycle}")
    ) as caught:
        _RENDERERS[renderer](_cycle_env().get_template(name))
    assert caught.value.code == ErrorCode.CIRCULAR_IMPORT


def test_a_template_reached_twice_without_a_cycle_is_fine() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "[{% block b %}base{% end %}]",
                "mid.html": "{% extends 'base.html' %}",
                "page.html": "{% extends 'mid.html' %}"
                "{% block b %}{% include 'mid.html' %}{% end %}",
            }
        )
    )
    for name, render in _RENDERERS.items():
        expected = "[base]" if name == "render_block" else "[[base]]"
        assert render(env.get_template("page.html")) == expected
