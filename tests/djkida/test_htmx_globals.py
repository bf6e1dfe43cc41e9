"""kida's ``hx_request()``, ``hx_target()``, ``hx_trigger()``, ``hx_boosted()`` globals in
Django templates: djkida sets their metadata from the request's htmx headers (or from
django-htmx's ``request.htmx``), for ``render()`` and for streamed pages and blocks."""

from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails
from pytest_django.fixtures import Settings

from djkida import stream
from djkida.backend import Kida
from kida.render_context import render_context

SOURCE = (
    "{% block b %}{{ hx_request() }}|{{ hx_target() ?? '-' }}|{{ hx_trigger() ?? '-' }}|"
    "{{ hx_boosted() }}{% end %}"
)
HTMX_HEADERS = {"HX-Request": "true", "HX-Target": "list", "HX-Trigger": "more"}


def request(*, django_htmx: bool = False, **headers: str) -> HttpRequest:
    made = RequestFactory().get("/", headers=headers)
    if django_htmx:
        made.htmx = HtmxDetails(made)  # type: ignore[attr-defined]
    return made


def backend() -> Kida:
    return Kida({"NAME": "k", "DIRS": [], "APP_DIRS": False, "OPTIONS": {}})


@pytest.mark.parametrize("django_htmx", [False, True])
def test_render_sees_the_htmx_headers(django_htmx: bool) -> None:
    template = backend().from_string(SOURCE)
    html = template.render(None, request(django_htmx=django_htmx, **HTMX_HEADERS))
    assert html == "True|list|more|False"


@pytest.mark.parametrize("django_htmx", [False, True])
def test_boosted_navigation(django_htmx: bool) -> None:
    template = backend().from_string(SOURCE)
    boosted = request(django_htmx=django_htmx, **{"HX-Request": "true", "HX-Boosted": "true"})
    assert template.render(None, boosted) == "True|-|-|True"


@pytest.mark.parametrize("django_htmx", [False, True])
def test_plain_request_and_no_request_are_not_htmx(django_htmx: bool) -> None:
    template = backend().from_string(SOURCE)
    assert template.render(None, request(django_htmx=django_htmx)) == "False|-|-|False"
    assert template.render(None, None) == "False|-|-|False"


def test_an_enclosing_render_context_keeps_its_own_metadata() -> None:
    template = backend().from_string("{{ hx_target() }} {{ csp_nonce() }}")
    with render_context() as scope:
        scope.set_meta("csp_nonce", "n1")
        assert template.render(None, request(**HTMX_HEADERS)) == "list n1"


@pytest.fixture
def page_dir(settings: Settings, tmp_path: Path) -> Path:
    (tmp_path / "page.html").write_text("<p>{% block b %}{{ hx_target() }}{% end %}</p>")
    settings.TEMPLATES = [
        {"BACKEND": "djkida.backend.Kida", "NAME": "kida", "DIRS": [tmp_path], "OPTIONS": {}}
    ]
    return tmp_path


async def body(response: object) -> str:
    chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]
    return b"".join(chunks).decode()


@pytest.mark.usefixtures("page_dir")
async def test_streamed_page_and_block_see_the_htmx_headers() -> None:
    page = await stream(request(**HTMX_HEADERS), "page.html")
    assert await body(page) == "<p>list</p>"
    block = await stream(request(**HTMX_HEADERS), "page.html#b")
    assert await body(block) == "list"
    plain = await stream(request(), "page.html")
    assert await body(plain) == "<p></p>"
