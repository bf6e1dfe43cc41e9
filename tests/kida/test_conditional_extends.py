"""``{% extends %}`` inside a top-level ``{% if %}`` (extending/custom-globals.md: a partial for
htmx requests, the full page otherwise) and parents chosen by an expression: the parent is
chosen while rendering, in every renderer, in block rendering and in introspection."""

import asyncio
from collections.abc import Callable

import pytest

from kida import DictLoader, Environment, TemplateError, TemplateNotFoundError, render_context

PAGE = (
    "{% if partial %}\n"
    "  {% block content %}<p>{{ x }}</p>{% end %}\n"
    "{% else %}\n"
    '  {% extends "base.html" %}\n'
    "{% end %}\n"
    "<form>{{ x }}</form>"
)
TEMPLATES = {
    "base.html": "<html>{% block title %}Site{% end %}|{% block content %}{% end %}</html>",
    "alt.html": "<alt>{% block content %}{% end %}</alt>",
    "page.html": PAGE,
    "pick.html": (
        '{% if a %}{% extends "alt.html" %}{% elif b %}{% extends "base.html" %}{% end %}'
        "{% block content %}K{% end %}tail"
    ),
    "expr.html": '{% extends "alt.html" if a else "base.html" %}{% block content %}E{% end %}',
    "async_base.html": "<a>{% block content %}{% end %}{{ await v }}</a>",
    "maybe_async.html": (
        '{% if a %}{% extends "async_base.html" %}{% end %}{% block content %}M{% end %}'
    ),
}


def _env() -> Environment:
    return Environment(loader=DictLoader(TEMPLATES))


async def _collect_async(env: Environment, name: str, **context: object) -> str:
    template = env.get_template(name)
    return "".join([chunk async for chunk in template.render_stream_async(**context)])


RENDERERS: dict[str, Callable[..., str]] = {
    "render": lambda env, name, **c: env.get_template(name).render(**c),
    "render_stream": lambda env, name, **c: "".join(env.get_template(name).render_stream(**c)),
    "render_stream_async": lambda env, name, **c: asyncio.run(_collect_async(env, name, **c)),
}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_branch_that_runs_chooses_whether_and_what_to_extend(renderer: str) -> None:
    render = RENDERERS[renderer]
    env = _env()
    # Partial: the block renders in place and the rest of the page follows.
    partial = render(env, "page.html", partial=True, x=1)
    assert partial.split() == ["<p>1</p>", "<form>1</form>"]
    # Full page: the parent renders with the child's blocks; the child's own output after the
    # extends ran is dropped, and what it wrote before (here the branch's indent) is kept, as
    # in Jinja2.
    assert render(env, "page.html", partial=False, x=2) == "\n  <html>Site|<p>2</p></html>"
    assert render(env, "pick.html", a=True, b=False) == "<alt>K</alt>"
    assert render(env, "pick.html", a=False, b=True) == "<html>Site|K</html>"
    assert render(env, "pick.html", a=False, b=False) == "Ktail"  # no extends ran


@pytest.mark.parametrize("renderer", RENDERERS)
def test_an_expression_chooses_the_parent(renderer: str) -> None:
    render = RENDERERS[renderer]
    env = _env()
    assert render(env, "expr.html", a=True) == "<alt>E</alt>"
    assert render(env, "expr.html", a=False) == "<html>Site|E</html>"


def test_render_block_follows_the_chain_the_condition_chooses() -> None:
    env = _env()
    page = env.get_template("page.html")
    assert page.render_block("content", partial=True, x=3) == "<p>3</p>"
    # The title block exists only in the parent: found when the page extends it.
    assert page.render_block("title", partial=False, x=3) == "Site"
    with pytest.raises(TemplateError):
        page.render_block("title", partial=True, x=3)
    pick = env.get_template("pick.html")
    assert pick.render_block("title", a=False, b=True) == "Site"
    assert pick.render_block("content", a=True, b=False) == "K"


def test_introspection_of_a_template_that_chooses_its_parent() -> None:
    env = _env()
    page = env.get_template("page.html")
    assert page.template_metadata().extends is None  # no single literal parent
    assert page.list_blocks() == ["content"]
    assert env.get_template("expr.html").template_metadata().extends is None
    # A parent it may extend makes it async: render() would fail on that branch.
    assert env.get_template("maybe_async.html").is_async
    assert not page.is_async


def test_a_missing_chosen_parent_is_reported_at_its_extends() -> None:
    env = Environment(
        loader=DictLoader({"p.html": '{% if a %}\n\n{% extends "gone.html" %}{% end %}ok'})
    )
    template = env.get_template("p.html")
    assert template.render(a=False) == "ok"
    with pytest.raises(TemplateNotFoundError) as info:
        template.render(a=True)
    assert (info.value.name, info.value.lineno) == ("p.html", 3)
    with pytest.raises(TemplateNotFoundError) as info:
        template.render_block("body", a=True)
    assert (info.value.name, info.value.lineno) == ("p.html", 3)


@pytest.mark.parametrize(
    "source",
    [
        '{% for x in y %}{% extends "base.html" %}{% end %}',
        '{% block b %}{% if a %}{% extends "base.html" %}{% end %}{% end %}',
        '{% def f() %}{% extends "base.html" %}{% end %}',
    ],
)
def test_extends_outside_the_top_level_and_its_ifs_is_refused(source: str) -> None:
    with pytest.raises(TemplateError) as info:
        _env().from_string(source)
    assert info.value.code == "K-TPL-002"
    assert "top level" in info.value.message
    assert "{% if %}" in (info.value.hint or "")


@pytest.mark.parametrize(
    "source",
    [
        '{% if a %}{% extends "base.html" %}{% end %}{% if b %}{% extends "alt.html" %}{% end %}',
        '{% extends "base.html" %}{% if a %}{% extends "alt.html" %}{% end %}',
        '{% if a %}{% extends "base.html" %}{% extends "alt.html" %}{% end %}',
    ],
)
def test_two_extends_that_could_both_run_are_refused(source: str) -> None:
    with pytest.raises(TemplateError) as info:
        _env().from_string(source)
    assert info.value.code == "K-TPL-002"
    assert "only one parent" in info.value.message


def test_the_htmx_partial_pattern_of_the_docs() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<body>{% block content %}{% end %}</body>",
                "page.html": (
                    "{% if hx_request() %}{% block content %}<main>M</main>{% end %}"
                    '{% else %}{% extends "base.html" %}{% end %}<form>{{ csrf_token() }}</form>'
                ),
            }
        )
    )
    page = env.get_template("page.html")
    with render_context() as ctx:
        ctx.set_meta("hx_request", True)
        ctx.set_meta("csrf_token", "t0k")
        partial = page.render()
    assert partial.startswith("<main>M</main><form>")
    assert "t0k" in partial
    with render_context() as ctx:
        ctx.set_meta("hx_request", False)
        assert page.render() == "<body><main>M</main></body>"
