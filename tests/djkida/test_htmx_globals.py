"""kida's ``hx_request()``, ``hx_target()``, ``hx_trigger()``, ``hx_boosted()`` globals in
Django templates: djkida sets their metadata from the request's htmx headers (or from
django-htmx's ``request.htmx``), for ``render()`` and for streamed pages and blocks."""

from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails
from pytest_django.fixtures import Settings

from djkida import stream, suspense
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


async def test_suspense_shell_and_deferred_blocks_see_the_htmx_headers(page_dir: Path) -> None:
    """The shell renders in the response's own task and each block once its key settles,
    both after the view returned: they see the request's htmx facts as ``render()`` does."""
    (page_dir / "lazy.html").write_text(
        '{% block stats %}<section id="stats">{{ hx_target() ?? "-" }}:{{ stats ?? "..." }}'
        "</section>{% end %}"
    )

    async def stats() -> int:
        return 42

    for django_htmx in (False, True):
        response = await suspense(
            request(django_htmx=django_htmx, **HTMX_HEADERS), "lazy.html", {"stats": stats()}
        )
        html = await body(response)
        assert html.startswith('<section id="stats">list:...</section>')
        assert "list:42</section>" in html.split("</section>", 1)[1]
        plain = await body(await suspense(request(), "lazy.html", {"stats": stats()}))
        assert "-:42</section>" in plain


async def test_a_piece_rendered_inside_a_streamed_page_sees_the_htmx_headers(
    page_dir: Path,
) -> None:
    """A page that includes a piece by its partial name renders the piece from inside its own
    render, after the view returned: the piece sees the facts too (sync and async pages)."""
    (page_dir / "outer.html").write_text('[{% include "page.html#b" %}]')
    (page_dir / "slow.html").write_text(
        "<p>{% block b %}{{ hx_target() }}{{ await x }}{% end %}</p>"
    )
    (page_dir / "slow-outer.html").write_text('[{% include "slow.html#b" %}]')

    async def x() -> str:
        return "!"

    assert await body(await stream(request(**HTMX_HEADERS), "outer.html")) == "[list]"
    slow = await stream(request(**HTMX_HEADERS), "slow-outer.html", {"x": x()})
    assert await body(slow) == "[list!]"
    assert await body(await stream(request(), "outer.html")) == "[]"
