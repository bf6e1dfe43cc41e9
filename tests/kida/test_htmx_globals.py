"""``enable_htmx_helpers=True`` (the default): the ``hx_*()``, ``csrf_token()`` and
``csp_nonce()`` globals read the metadata set with ``render_context().set_meta``, in every
renderer and in block rendering."""

import asyncio
import warnings
from collections.abc import Callable

import pytest

from kida import DictLoader, Environment, Template
from kida.render_context import async_render_context, render_context

SOURCE = (
    "{% block b %}{{ hx_request() }}|{{ hx_target() }}|{{ hx_trigger() }}|{{ hx_boosted() }}"
    "{% end %}"
)
META = {"hx_request": True, "hx_target": "list", "hx_trigger": "more", "hx_boosted": True}


def _sync_renderers() -> dict[str, Callable[[Template], str]]:
    async def collect(template: Template) -> str:
        return "".join([c async for c in template.render_stream_async()])

    async def collect_block(template: Template) -> str:
        return "".join([c async for c in template.render_block_stream_async("b")])

    return {
        "render": lambda t: t.render(),
        "render_stream": lambda t: "".join(t.render_stream()),
        "render_block": lambda t: t.render_block("b"),
        "render_stream_async": lambda t: asyncio.run(collect(t)),
        "render_block_stream_async": lambda t: asyncio.run(collect_block(t)),
    }


RENDERERS = _sync_renderers()


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_globals_read_the_metadata_in_every_renderer(renderer: str) -> None:
    template = Environment().from_string(SOURCE)
    with render_context() as rc:
        for key, value in META.items():
            rc.set_meta(key, value)
        assert RENDERERS[renderer](template) == "True|list|more|True"


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_without_metadata_the_request_is_not_htmx(renderer: str) -> None:
    template = Environment().from_string(SOURCE)
    assert RENDERERS[renderer](template) == "False|||False"  # None renders empty


def test_metadata_reaches_included_templates() -> None:
    env = Environment(loader=DictLoader({"part.html": "{{ hx_target() }}"}))
    with render_context() as rc:
        rc.set_meta("hx_target", "feed")
        assert env.from_string("[{% include 'part.html' %}]").render() == "[feed]"


def test_async_scope() -> None:
    template = Environment().from_string("{{ hx_trigger() }}")

    async def main() -> str:
        async with async_render_context() as rc:
            rc.set_meta("hx_trigger", "btn")
            return await template.render_async()

    assert asyncio.run(main()) == "btn"


def test_csrf_token_and_csp_nonce() -> None:
    template = Environment().from_string("{{ csrf_token() }}<script nonce='{{ csp_nonce() }}'>")
    with render_context() as rc:
        rc.set_meta("csrf_token", 'a"b')
        rc.set_meta("csp_nonce", "n1")
        html = template.render()
    assert html == '<input type="hidden" name="csrf_token" value="a&quot;b"><script nonce=\'n1\'>'


def test_csrf_token_without_a_token_warns_and_renders_nothing() -> None:
    template = Environment().from_string("[{{ csrf_token() }}]")
    with pytest.warns(UserWarning, match="csrf_token"):
        assert template.render() == "[]"


def test_disabled_helpers_are_not_globals_and_user_globals_win() -> None:
    assert "hx_request" not in Environment(enable_htmx_helpers=False).globals
    env = Environment(globals={"hx_target": lambda: "mine"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert env.from_string("{{ hx_target() }}").render() == "mine"
