"""Partial names, ``"page.html#stats"``, through every way djkida renders a template."""

from collections.abc import AsyncIterator

import pytest
from django.shortcuts import render
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template, render_to_string
from django.template.response import TemplateResponse
from django.test import RequestFactory
from pytest_django.fixtures import Settings

import djkida
from djkida import Fragment
from djkida.partials import split_partial
from tests.djkida import backend_settings

STATS = '<p id="stats">3 at /here/</p>'


@pytest.fixture(autouse=True)
def kida_templates(settings: Settings) -> None:
    settings.TEMPLATES = backend_settings.TEMPLATES


async def numbers(count: int) -> AsyncIterator[int]:
    for number in range(count):
        yield number


def test_split_partial() -> None:
    assert split_partial("page.html#stats") == ("page.html", "stats")
    assert split_partial("page.html") == ("page.html", None)


def test_render_shortcut_and_template_response_render_only_the_block() -> None:
    request = RequestFactory().get("/here/")
    response = render(request, "partials/page.html#stats", {"count": 3})
    assert response.content.decode() == STATS
    deferred = TemplateResponse(request, "partials/page.html#stats", {"count": 3})
    assert deferred.render().content.decode() == STATS


def test_render_to_string_and_get_template() -> None:
    assert render_to_string("partials/page.html#stats", {"count": 1}) == '<p id="stats">1 at -</p>'
    template = get_template("partials/page.html#row")
    assert template.render({"item": "<b>"}) == "<li>&lt;b&gt;</li>"
    assert template.name == "partials/page.html#row"


def test_inherited_blocks_are_partials_too() -> None:
    assert render_to_string("partials/page.html#title") == "Base title"
    assert "<h1>Page</h1>" in render_to_string("partials/page.html#content", {"count": 0})


def test_include_of_a_partial_shares_the_context() -> None:
    html = render_to_string("partials/includes.html", {"count": 4})
    assert '<div id="a"><p id="stats">4 at -</p></div>' in html
    assert '<div id="b">Base title</div>' in html
    assert '<div id="c"><li>&lt;x&gt;</li></div>' in html


async def test_include_of_a_partial_of_an_async_template() -> None:
    template = get_template("partials/includes_async.html").template
    html = await template.render_async({"items": numbers(3), "timeout": "soon"})
    assert html.strip() == (
        '<section><ol data-timeout="soon"><li>0</li><li>1</li><li>2</li></ol></section>'
    )


def test_unknown_piece_names_the_known_ones() -> None:
    with pytest.raises(TemplateDoesNotExist) as caught:
        engines["kida"].get_template("partials/page.html#stat")
    message = str(caught.value)
    assert "no block, fragment or region 'stat'" in message
    assert "has: content, row, stats, title" in message
    with pytest.raises(TemplateDoesNotExist) as caught:
        render_to_string("partials/page.html#stat")
    assert any("content, row, stats, title" in str(error) for error in caught.value.chain)


def test_missing_template_of_a_partial_name() -> None:
    with pytest.raises(TemplateDoesNotExist, match=r"partials/nothing\.html"):
        engines["kida"].get_template("partials/nothing.html#stats")


async def test_stream_accepts_partial_names() -> None:
    request = RequestFactory().get("/here/")
    response = await djkida.stream(request, "partials/page.html#stats", {"count": 3})
    body = b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[attr-defined]
    assert body.decode() == STATS
    response = await djkida.stream(request, "partials/feed.html#items", {"items": numbers(2)})
    body = b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[attr-defined]
    assert body.decode() == '<ol data-timeout=""><li>0</li><li>1</li></ol>'


async def test_fragment_accepts_partial_names() -> None:
    fragment = Fragment("partials/page.html#stats", context={"count": 2}, target="box")
    assert (fragment.template_name, fragment.block_name) == ("partials/page.html", "stats")
    assert fragment.render() == '<p id="stats">2 at -</p>'
    assert await Fragment("partials/page.html#title").render_async() == "Base title"
    with pytest.raises(ValueError, match="names no block"):
        Fragment("partials/page.html")
    with pytest.raises(LookupError, match="content, row, stats, title"):
        Fragment("partials/page.html#nope").render()
