"""``{% include ... ignore missing %}`` drops every name that finds no template, as
kida-templates does: an absent file, an unknown ``@alias/``, and a relative name that climbs
above the loader's root (kida's name check raises ``TemplateNotFoundError`` inside its include,
where ``ignore missing`` catches it). Without ``ignore missing`` each stays an error located at
the statement. Every renderer and block renders are checked.
"""

import asyncio

import pytest

from kida import DictLoader, Environment, Template, TemplateNotFoundError
from tests.kida.conftest import render_all

_TEMPLATES = {
    "pages/deep/page.html": 'a{% include "../../../outside.html" ignore missing %}b'
    '{% include "../.." ~ rest ignore missing %}c'
    '{% include ["../../../x.html", "../../y.html"] ignore missing %}d'
    '{% include "@nowhere/x.html" ignore missing %}e',
    "pages/deep/layout.html": "<{% block main %}{% end %}>",
    "pages/deep/child.html": '{% extends "./layout.html" %}{% block main %}'
    '[{% include "../../../outside.html" ignore missing %}]{% end %}',
    "pages/lib.html": "{% def card() %}"
    '({% include "../../outside.html" ignore missing %}){% end %}',
    "pages/deep/uses_lib.html": '{% from "../lib.html" import card %}{{ card() }}',
    "pages/strict.html": 'a\n{% include "../../outside.html" %}',
}


def _env() -> Environment:
    return Environment(loader=DictLoader(_TEMPLATES))


def _block_async(template: Template, name: str) -> str:
    async def collect() -> str:
        return "".join([c async for c in template.render_block_stream_async(name)])

    return asyncio.run(collect())


def test_a_name_climbing_above_the_root_is_ignored_like_a_missing_one() -> None:
    page = _env().get_template("pages/deep/page.html")
    assert render_all(page, rest="/../x.html") == "abcde"


def test_in_an_inherited_block_and_an_imported_def() -> None:
    env = _env()
    child = env.get_template("pages/deep/child.html")
    assert render_all(child) == "<[]>"
    assert child.render_block("main") == "[]"
    assert _block_async(child, "main") == "[]"
    assert render_all(env.get_template("pages/deep/uses_lib.html")) == "()"


def test_from_a_string_template() -> None:
    template = _env().from_string('x{% include "../outside.html" ignore missing %}y')
    assert render_all(template) == "xy"


def test_without_ignore_missing_it_is_still_an_error_at_the_statement() -> None:
    template = _env().get_template("pages/strict.html")

    async def stream_async() -> str:
        return "".join([c async for c in template.render_stream_async()])

    for render in (template.render, lambda: "".join(template.render_stream())):
        with pytest.raises(TemplateNotFoundError, match="climbs above the template root") as raised:
            render()
        assert raised.value.lineno == 2
        assert "pages/strict.html" in str(raised.value)
    with pytest.raises(TemplateNotFoundError, match="climbs above the template root"):
        asyncio.run(stream_async())
