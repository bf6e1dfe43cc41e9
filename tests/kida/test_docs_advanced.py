"""The advanced pages of kida-templates' documentation (block caching, CSP, compiler, profiling,
coverage, render capture, workers, t-strings), followed as a kida user would: each test takes
the page's examples (named in the comment above it) and checks what the page says they do,
through render(), render_stream() and render_stream_async() where output is involved."""

import asyncio
from typing import Any

import pytest
from markupsafe import Markup

from kida import DictLoader, Environment
from kida.render_context import render_context
from tests.kida.test_docs_examples import _render_three_ways

# --- advanced/csp.md ---------------------------------------------------------------------------


def test_inject_csp_nonce_as_the_page_shows() -> None:
    from kida.utils.csp import inject_csp_nonce

    assert inject_csp_nonce('<script>alert("hi")</script>', "abc123") == (
        '<script nonce="abc123">alert("hi")</script>'
    )
    assert inject_csp_nonce("<script>x</script>", "r4nd0m") == '<script nonce="r4nd0m">x</script>'
    assert inject_csp_nonce('<script nonce="old">x</script>', "new") == (
        '<script nonce="old">x</script>'
    )
    assert inject_csp_nonce("<style>.red{color:red}</style>", "r4nd0m") == (
        '<style nonce="r4nd0m">.red{color:red}</style>'
    )


def test_inject_csp_nonce_details() -> None:
    from kida.utils.csp import inject_csp_nonce

    # Any case, other attributes kept (the nonce goes after them), an existing Nonce respected.
    assert inject_csp_nonce('<SCRIPT type="module">x</SCRIPT>', "n") == (
        '<SCRIPT type="module" nonce="n">x</SCRIPT>'
    )
    assert inject_csp_nonce('<script Nonce="a">', "n") == '<script Nonce="a">'
    assert inject_csp_nonce("<scripts><div>", "n") == "<scripts><div>"
    # The nonce is escaped; empty or None changes nothing; Markup stays Markup, str stays str.
    assert inject_csp_nonce("<style>", 'a"<') == '<style nonce="a&#34;&lt;">'
    assert inject_csp_nonce("<script>", "") == "<script>"
    assert inject_csp_nonce("<script>", None) == "<script>"
    marked = inject_csp_nonce(Markup("<script>"), "n")
    assert isinstance(marked, Markup)
    assert marked == '<script nonce="n">'
    assert type(inject_csp_nonce("<script>", "n")) is str
    assert isinstance(inject_csp_nonce(Markup("<script>"), ""), Markup)


def test_csp_nonce_filter_and_global_in_templates() -> None:
    # "csp_nonce Filter": explicit value, else the render's metadata; always Markup.
    template = Environment().from_string(
        '{{ content | csp_nonce }}|{{ content | csp_nonce("explicit-nonce-value") }}'
        '|<script nonce="{{ csp_nonce() }}">'
    )
    content = "<script>go()</script>"  # HTML made by the application, a plain str
    with render_context() as ctx:
        ctx.set_meta("csp_nonce", "r4nd0m")
        text = _render_three_ways(template, content=content)
    assert text == (
        '<script nonce="r4nd0m">go()</script>|<script nonce="explicit-nonce-value">go()</script>'
        '|<script nonce="r4nd0m">'
    )
    # Without a nonce: the content as it is (still trusted), and an empty global.
    assert _render_three_ways(template, content=content) == (
        '<script>go()</script>|<script nonce="explicit-nonce-value">go()</script>|<script nonce="">'
    )


def test_csp_helpers_by_path() -> None:
    from kida.utils.csp import csp_nonce_filter, csp_nonce_global

    assert csp_nonce_global() == ""
    assert isinstance(csp_nonce_filter("<b>"), Markup)
    assert csp_nonce_filter(12345, "n") == "12345"
    with render_context() as ctx:
        ctx.set_meta("csp_nonce", "from-ctx")
        assert csp_nonce_global() == "from-ctx"
        assert csp_nonce_filter("<style>") == '<style nonce="from-ctx">'
        assert csp_nonce_filter("<style>", nonce="explicit") == '<style nonce="explicit">'
        ctx.set_meta("csp_nonce", None)
        assert csp_nonce_global() == ""


# --- advanced/block-caching.md -----------------------------------------------------------------

_SITE = {
    "base.html": (
        "<html>{% block nav %}<nav>{{ site.title }}</nav>{% end %}"
        "{% block content %}{% end %}"
        "{% block footer %}<footer>{{ site.footer }}</footer>{% end %}</html>"
    ),
    "page.html": (
        '{% extends "base.html" %}{% block content %}<main>{{ page.title }}</main>{% end %}'
    ),
}


def _renderings(template: Any, make_blocks: Any, **ctx: Any) -> list[str]:
    """The text of each renderer, each given its own blocks (one CachedBlocksDict per render,
    as the page does)."""

    async def stream_async() -> str:
        stream = template.render_stream_async(_blocks=make_blocks(), **ctx)
        return "".join([chunk async for chunk in stream])

    return [
        template.render(_blocks=make_blocks(), **ctx),
        "".join(template.render_stream(_blocks=make_blocks(), **ctx)),
        asyncio.run(stream_async()),
    ]


def test_block_caching_complete_example() -> None:
    from kida.template.cached_blocks import CachedBlocksDict

    env = Environment(loader=DictLoader(_SITE), preserve_ast=True)
    template = env.get_template("page.html")
    site = {"title": "Docs", "footer": "(c) kida"}
    pages = [{"title": "one"}, {"title": "two"}, {"title": "three"}]

    # 1. Analyze: the inherited nav and footer are the page's site-scoped blocks.
    meta = template.template_metadata()
    assert meta is not None
    site_blocks = meta.site_cacheable_blocks()
    assert [(b.name, b.cache_scope, b.is_pure) for b in site_blocks] == [
        ("nav", "site", "pure"),
        ("footer", "site", "pure"),
    ]
    site_block_names = frozenset(b.name for b in site_blocks)

    # 2. Render the first page, and each site block alone.
    first_html = template.render(page=pages[0], site=site)
    site_cache = {
        b.name: template.render_block(b.name, page=pages[0], site=site) for b in site_blocks
    }
    assert site_cache == {"nav": "<nav>Docs</nav>", "footer": "<footer>(c) kida</footer>"}

    # 3. The other pages reuse that HTML: a changed site no longer shows.
    stats = {"hits": 0, "misses": 0}
    changed = {"title": "CHANGED", "footer": "CHANGED"}
    for page in pages[1:]:
        texts = _renderings(
            template,
            lambda: CachedBlocksDict(None, site_cache, site_block_names, stats=stats),
            page=page,
            site=changed,
        )
        expected = (
            f"<html><nav>Docs</nav><main>{page['title']}</main><footer>(c) kida</footer></html>"
        )
        assert texts == [expected] * 3
    # Per render: nav and footer served from the cache, content rendered.
    assert stats == {"hits": 2 * 6, "misses": 6}
    assert stats["hits"] / (stats["hits"] + stats["misses"]) == pytest.approx(2 / 3)
    assert first_html == "<html><nav>Docs</nav><main>one</main><footer>(c) kida</footer></html>"
    # Without _blocks, nothing is cached and _blocks never reaches the template as a variable.
    assert template.render(page=pages[1], site=changed).startswith("<html><nav>CHANGED</nav>")
    assert Environment().from_string("{{ _blocks is defined }}").render(_blocks={}) == "False"


def test_cached_blocks_dict_operations() -> None:
    from kida.template.cached_blocks import CachedBlocksDict

    stats: dict[str, int] = {}
    wrapper = CachedBlocksDict(None, {"nav": "<nav>...</nav>"}, frozenset({"nav"}), stats=stats)
    nav = wrapper.get("nav")
    assert nav() == "<nav>...</nav>"  # a function producing the cached HTML
    assert wrapper.get("content") is None
    assert wrapper.get("content", "fallback") == "fallback"
    assert stats == {"hits": 1, "misses": 2}
    assert wrapper.setdefault("nav", "mine") is nav  # cached blocks take precedence
    assert wrapper.setdefault("content", "body") == "body"  # registered in the original
    assert wrapper["nav"] is nav
    assert wrapper["content"] == "body"
    wrapper["sidebar"] = "side"
    assert "sidebar" in wrapper
    assert "nav" in wrapper
    assert "missing" not in wrapper
    assert wrapper.keys() == {"nav", "content", "sidebar"}
    copied = wrapper.copy()
    assert type(copied) is dict
    assert copied["content"] == "body"
    assert copied["nav"]() == "<nav>...</nav>"
    with pytest.raises(KeyError):
        wrapper["missing"]
    original: dict[str, Any] = {"x": 1}
    assert CachedBlocksDict(original, {}, frozenset()).get("x") == 1
    with pytest.raises(ValueError, match=r"cached_names \['footer'\] have no HTML"):
        CachedBlocksDict(None, {"nav": "n"}, {"nav", "footer"})


def test_blocks_given_as_html_in_the_original_dict_render_too() -> None:
    from kida.template.cached_blocks import CachedBlocksDict

    template = Environment(loader=DictLoader(_SITE)).get_template("page.html")
    blocks = CachedBlocksDict({"content": "<main>pre</main>"}, {"nav": "<nav/>"}, {"nav"})
    texts = _renderings(template, lambda: blocks, page={"title": "t"}, site={"footer": "f"})
    assert texts == ["<html><nav/><main>pre</main><footer>f</footer></html>"] * 3


# --- advanced/compiler.md ----------------------------------------------------------------------


@pytest.mark.parametrize("coalescing", [True, False])
def test_fstring_coalescing_is_accepted_and_output_is_the_same(coalescing: bool) -> None:
    env = Environment(fstring_coalescing=coalescing)
    template = env.from_string(
        '<div id="{{ item["id"] }}">{{ item["name"] | upper }}{{ "{x}" }}\\{{ n }}</div>'
    )
    text = _render_three_ways(template, item={"id": 7, "name": "<b>"}, n=1)
    assert text == '<div id="7">&lt;B&gt;{x}\\1</div>'


def test_pure_filters_by_decorator_and_by_option() -> None:
    from kida import pure

    @pure
    def clean(value: str) -> str:
        return value.strip().lower()

    env = Environment()
    env.add_filter("clean", clean)
    assert "clean" in env.pure_filters
    configured = Environment(pure_filters={"markdown", "highlight", "currency"})
    assert {"markdown", "highlight", "currency"} <= configured.pure_filters
    # With static_context, a pure filter of known inputs is computed when compiling.
    calls: list[str] = []

    @pure
    def shout(value: str) -> str:
        calls.append(value)
        return value.upper()

    folding = Environment(static_context={"site": {"title": "kida"}})
    folding.add_filter("shout", shout)
    template = folding.from_string("{{ site.title | shout }}")
    assert calls == ["kida"]
    assert _render_three_ways(template) == "KIDA"
    assert calls == ["kida"]


def test_preserve_ast_false_answers_empty() -> None:
    env = Environment(preserve_ast=False)
    template = env.from_string("{% block a %}{{ page.title }}{% end %}")
    assert template.block_metadata() == {}
    assert template.template_metadata() is None
    assert template.depends_on() == frozenset()
    assert template.required_context() == frozenset()
    assert template.is_cacheable() is False
    assert template.validate_context({}) == []
    assert _render_three_ways(template, page={"title": "t"}) == "t"
    kept = Environment().from_string("{% block a %}{{ page.title }}{% end %}")
    assert kept.validate_context({}) == ["page"]


_OLD = (
    "<h1>{% block title %}Old{% end %}</h1>"
    "{% block body %}<p>{{ x }}</p>{% block note %}n{% end %}{% end %}"
    "{% block side %}s{% end %}"
)


def test_block_recompilation_patches_changed_blocks() -> None:
    from kida.compiler.block_recompile import BlockDelta, detect_block_changes, recompile_blocks

    env = Environment(loader=DictLoader({"page.html": _OLD}))
    template = env.get_template("page.html")
    assert _render_three_ways(template, x=1) == "<h1>Old</h1><p>1</p>ns"
    # Same length up to "side", so only title, body and the removed note differ.
    new_ast = env.from_string(
        "<h1>{% block title %}New{{ x }}{% end %}</h1>"
        "{% block body %}<p>{{ x }}</p><i>n</i>{% end %}"
        "{% block side %}s{% end %}{% block more %}+{{ x }}{% end %}"
    ).tree
    delta = detect_block_changes(template.tree, new_ast)
    assert delta == BlockDelta(
        changed=frozenset({"title", "body", "side"}),
        added=frozenset({"more"}),
        removed=frozenset({"note"}),
    )
    assert delta.has_changes
    assert delta.all_affected == {"title", "body", "side", "more", "note"}
    assert recompile_blocks(env, template, new_ast, delta) == {"title", "body", "side", "more"}
    assert _render_three_ways(template, x=2) == "<h1>New2</h1><p>2</p><i>n</i>s"
    assert template.render_block("more", x=3) == "+3"
    assert template.list_blocks() == ["title", "body", "side", "more"]
    assert "note" not in template.block_metadata()
    with pytest.raises(KeyError, match="no block 'note'"):
        template.render_block("note")
    assert not detect_block_changes(new_ast, new_ast).has_changes


def test_block_recompilation_refuses_a_removed_block_the_top_level_places() -> None:
    from kida.compiler.block_recompile import detect_block_changes, recompile_blocks

    env = Environment(loader=DictLoader({"page.html": _OLD}))
    template = env.get_template("page.html")
    new_ast = env.from_string("<h1>{% block title %}T{% end %}</h1>").tree
    delta = detect_block_changes(template.tree, new_ast)
    with pytest.raises(ValueError, match=r"\['body', 'side'\] are placed by the template's top"):
        recompile_blocks(env, template, new_ast, delta)
    assert template.render(x=1) == "<h1>Old</h1><p>1</p>ns"  # left as it was
