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


def test_blocks_may_be_a_plain_mapping_of_html_and_nothing_else() -> None:
    template = Environment(loader=DictLoader(_SITE)).get_template("page.html")
    site = {"title": "S"}
    texts = _renderings(template, lambda: {"footer": "<i>f</i>"}, page={"title": "t"}, site=site)
    assert texts == ["<html><nav>S</nav><main>t</main><i>f</i></html>"] * 3
    with pytest.raises(TypeError, match=r"_blocks=\.\.\.\) takes a CachedBlocksDict"):
        template.render(page={"title": "t"}, site={}, _blocks=["footer"])


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


# --- advanced/profiling.md ---------------------------------------------------------------------

_PROFILED = {
    "page.html": (
        '{% from "macros.html" import render_card %}'
        "{% block nav %}<nav>{{ site.title | upper }}</nav>{% end %}"
        "{% block content %}{% for post in posts %}{{ render_card(post) }}{% end %}"
        '{% include "partials/sidebar.html" %}{% end %}'
    ),
    "macros.html": (
        "{% def render_card(post) %}<article>{{ post | escape | truncate(8) }}</article>{% end %}"
    ),
    "partials/sidebar.html": "<aside>{{ site.title | e }}</aside>",
}


@pytest.mark.parametrize("mode", ["render", "render_stream", "render_stream_async"])
def test_profiled_render_counts_blocks_macros_includes_and_filters(mode: str) -> None:
    from kida.render_accumulator import BlockTiming, RenderAccumulator, profiled_render

    template = Environment(loader=DictLoader(_PROFILED)).get_template("page.html")
    ctx = {"site": {"title": "kida"}, "posts": ["<one>", "two", "three is long"]}

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**ctx)])

    renders = {
        "render": lambda: template.render(**ctx),
        "render_stream": lambda: "".join(template.render_stream(**ctx)),
        "render_stream_async": lambda: asyncio.run(stream_async()),
    }
    plain_html = renders[mode]()
    with profiled_render() as metrics:
        html = renders[mode]()
    assert html == plain_html
    assert isinstance(metrics, RenderAccumulator)
    summary = metrics.summary()
    assert set(summary) == {"total_ms", "blocks", "macros", "includes", "filters"}
    assert {name: data["calls"] for name, data in summary["blocks"].items()} == {
        "nav": 1,
        "content": 1,
    }
    assert metrics.macro_calls == {"render_card": 3}
    assert metrics.include_counts == {"partials/sidebar.html": 1}
    # Every filter application, the inlined escape (spelled e or escape) included.
    assert metrics.filter_calls == {"upper": 1, "escape": 4, "truncate": 3}
    assert list(summary["filters"]) == ["escape", "truncate", "upper"]  # most used first
    timing = metrics.block_timings["content"]
    assert isinstance(timing, BlockTiming)
    assert (timing.name, timing.call_count) == ("content", 1)
    assert timing.duration_ms >= 0
    assert metrics.total_duration_ms >= sum(t.duration_ms for t in metrics.block_timings.values())


def test_profiling_manual_records_and_no_op_outside() -> None:
    from kida.render_accumulator import get_accumulator, profiled_render, timed_block

    assert get_accumulator() is None
    with timed_block("data_fetch"):  # nothing to record into: a no-op
        pass
    with profiled_render() as metrics:
        with timed_block("data_fetch"):
            pass
        acc = get_accumulator()
        assert acc is metrics
        acc.record_block("custom_section", duration_ms=5.2)
        acc.record_block("custom_section", duration_ms=1.0)
        acc.record_macro("my_macro")
        acc.record_include("partials/widget.html")
        acc.record_filter("my_filter")
    assert get_accumulator() is None
    summary = metrics.summary()
    assert list(summary["blocks"]) == ["custom_section", "data_fetch"]  # slowest first
    assert summary["blocks"]["custom_section"] == {"ms": 6.2, "calls": 2}
    assert summary["macros"] == {"my_macro": 1}
    assert summary["includes"] == {"partials/widget.html": 1}
    assert summary["filters"] == {"my_filter": 1}
    total = metrics.total_duration_ms
    assert total == metrics.total_duration_ms  # fixed once the with block ends


# --- advanced/coverage.md ----------------------------------------------------------------------


def test_coverage_collector_as_the_page_shows(tmp_path: Any) -> None:
    from kida.coverage import CoverageCollector, CoverageResult

    env = Environment(
        loader=DictLoader(
            {
                "page.html": "<h1>{{ title }}</h1>\n{% if admin %}\n<b>admin</b>\n{% end %}\n"
                '{% include "base.html" %}',
                "base.html": "<footer>\n{{ title }}\n</footer>",
            }
        )
    )
    cov = CoverageCollector()
    with cov:
        env.get_template("page.html").render(title="Hello", admin=False)
    # Line 3 (inside the false if) never ran; line 4 did (the newline after its end). A text
    # is counted on the line it starts on.
    assert cov.data == {"page.html": {1, 2, 4, 5}, "base.html": {1, 2}}
    results = cov.get_results(source_map={"page.html": frozenset({1, 2, 3, 4, 5})})
    assert [type(r) for r in results] == [CoverageResult, CoverageResult]
    base, page = results
    assert (base.template_name, base.hit_count, base.total_count, base.percentage) == (
        "base.html",
        2,
        2,
        100.0,
    )
    assert (page.hit_count, page.total_count, page.missed_count, page.percentage) == (4, 5, 1, 80.0)
    assert page.executed_lines == frozenset({1, 2, 4, 5})
    summary = cov.summary(source_map={"page.html": frozenset({1, 2, 3, 4, 5})})
    assert summary.splitlines()[0].split() == ["Template", "Lines", "Hit", "Cover"]
    assert summary.splitlines()[-1].split() == ["TOTAL", "7", "6", "85.7%"]
    lcov = cov.format_lcov()
    assert "SF:page.html\nDA:1,1\nDA:2,1\nDA:4,1\nDA:5,1\nLH:4\nLF:4\nend_of_record\n" in lcov
    cov.write_lcov(str(tmp_path / "coverage.lcov"))
    assert (tmp_path / "coverage.lcov").read_text() == lcov
    cov.write_cobertura(str(tmp_path / "coverage.xml"))
    xml = (tmp_path / "coverage.xml").read_text()
    assert xml == cov.format_cobertura()
    assert '<package name="templates">' in xml
    assert 'line-rate="1.0"' in xml
    cov.clear()
    assert cov.data == {}
    assert cov.summary() == "No templates rendered."


def test_coverage_start_stop_and_three_renderers() -> None:
    from kida.coverage import CoverageCollector

    template = Environment().from_string("a\n{% for i in items %}\n{{ i }}\n{% end %}", name="t")
    cov = CoverageCollector()
    cov.start()
    cov.start()  # a no-op
    _render_three_ways(template, items=[1])
    cov.stop()
    template.render(items=[1, 2])  # not collected any more
    assert cov.data == {"t": {1, 2, 3}}
    with CoverageCollector() as other:
        template.render(items=[])
    assert other.data == {"t": {1, 2}}


# --- advanced/render-capture.md ----------------------------------------------------------------


class _Doc:
    def __init__(self, title: str, body: str) -> None:
        self.title, self.body = title, body


def test_render_capture_preferred_workflow() -> None:
    from kida import (
        FreezeCache,
        FreezeCacheStats,
        RenderCapture,
        RenderManifest,
        SearchEntry,
        SearchManifestBuilder,
        captured_render,
        default_field_extractor,
        get_capture,
    )

    env = Environment(
        loader=DictLoader(
            {
                "page.html": (
                    "{% block content %}<main>{{ doc.body }}</main>{% end %}"
                    "{% block nav %}<nav>Docs</nav>{% end %}"
                )
            }
        ),
        enable_capture=True,
    )
    freeze_cache = FreezeCache()
    manifest = RenderManifest(freeze_cache=freeze_cache)
    template = env.get_template("page.html")
    doc = _Doc("Guide", "Read me")
    with captured_render(capture_context=frozenset({"doc"})) as capture:
        assert get_capture() is capture
        html = template.render(doc=doc)
    assert get_capture() is None
    assert html == "<main>Read me</main><nav>Docs</nav>"
    manifest.add("/guide", capture)
    assert capture.template_name == "page.html"
    assert capture.context_keys == {"doc": doc}
    content = capture.blocks["content"]
    assert (content.name, content.role, content.html) == ("content", "content", html[:20])
    assert content.depends_on == frozenset({"doc.body"})
    assert content.cache_scope == "page"
    assert len(content.content_hash) == 16
    search_manifest = SearchManifestBuilder().build(manifest)
    assert search_manifest["entries"] == [
        {"u": "/guide", "t": "Guide", "body": "Read me", "template": "page.html"}
    ]
    cached = freeze_cache.get_cached_blocks("page.html")
    stats: FreezeCacheStats = freeze_cache.stats
    assert cached == {"nav": "<nav>Docs</nav>"}
    assert (stats.blocks_cached, stats.cache_hits, stats.cache_misses) == (1, 1, 0)

    def extract(url: str, capture: RenderCapture) -> SearchEntry:
        entry = default_field_extractor(url, capture)
        entry.setdefault("c", "Documentation")
        return entry

    search = SearchManifestBuilder(field_extractor=extract).build(manifest)
    assert search["entries"][0]["c"] == "Documentation"
    assert search["facets"] == {"category": ["Documentation"]}


@pytest.mark.parametrize("mode", ["render", "render_stream", "render_stream_async"])
def test_render_capture_in_every_renderer_and_manifest_diff(mode: str) -> None:
    from kida import ManifestDiff, RenderManifest, captured_render

    env = Environment(
        loader=DictLoader({"p.html": "{% block content %}<p>{{ doc.body }}</p>{% end %}"}),
        enable_capture=True,
    )
    template = env.get_template("p.html")

    async def stream_async(**ctx: Any) -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**ctx)])

    render = {
        "render": template.render,
        "render_stream": lambda **ctx: "".join(template.render_stream(**ctx)),
        "render_stream_async": lambda **ctx: asyncio.run(stream_async(**ctx)),
    }[mode]

    def build(pages: dict[str, str]) -> RenderManifest:
        manifest = RenderManifest()
        for url, body in pages.items():
            with captured_render() as capture:
                render(doc=_Doc(url, body))
            manifest.add(url, capture)
        return manifest

    old = build({"/a": "one", "/b": "two", "/gone": "x"})
    new = build({"/a": "one", "/b": "TWO", "/new": "y"})
    diff = new.diff(old)
    assert isinstance(diff, ManifestDiff)
    assert (diff.added, diff.removed, diff.unchanged) == (["/new"], ["/gone"], 1)
    old_hash = old.captures[1][1].blocks["content"].content_hash
    new_hash = new.captures[1][1].blocks["content"].content_hash
    assert diff.changed == {"/b": {"content": (old_hash, new_hash)}}
    assert [url for url, _ in new.all_fragments()] == ["/a", "/b", "/new"]


def test_capture_needs_enable_capture_and_preserve_ast_feeds_analysis() -> None:
    from kida import captured_render

    source = {"p.html": "{% block nav %}<nav>x</nav>{% end %}"}
    with captured_render() as capture:
        Environment(loader=DictLoader(source)).get_template("p.html").render()
    assert capture.blocks == {}
    bare = Environment(loader=DictLoader(source), enable_capture=True, preserve_ast=False)
    with captured_render() as capture:
        bare.get_template("p.html").render()
    nav = capture.blocks["nav"]
    assert (nav.html, nav.role, nav.cache_scope, nav.depends_on) == (
        "<nav>x</nav>",
        "unknown",
        "unknown",
        frozenset(),
    )


# --- advanced/workers.md -----------------------------------------------------------------------


def test_worker_helpers_as_the_page_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    import kida
    from kida.utils import workers
    from kida.utils.workers import (
        WorkloadType,
        get_optimal_workers,
        get_profile,
        is_free_threading_enabled,
        should_parallelize,
    )

    for name in ("KIDA_ENV", *workers._CI_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 16)
    assert kida.get_optimal_workers is get_optimal_workers
    assert kida.should_parallelize is should_parallelize
    assert should_parallelize(5) is False
    assert should_parallelize(100) is True
    assert should_parallelize(100, total_work_estimate=500) is False
    assert get_optimal_workers(100) == 4  # local: half of 16 cores, at most 4
    assert get_optimal_workers(100, workload_type=WorkloadType.COMPILE) == 4
    assert get_optimal_workers(100, config_override=16) == 16
    assert get_optimal_workers(3) == 3  # never more workers than tasks
    assert get_optimal_workers(1, task_weight=2.0) == 2
    assert is_free_threading_enabled() is False  # a GIL build
    profile = get_profile(WorkloadType.RENDER)
    assert (profile.parallel_threshold, profile.max_workers) == (10, 4)
    assert profile.free_threading_multiplier == 1.5
    monkeypatch.setenv("AZURE_PIPELINES", "1")
    assert get_optimal_workers(100) == 2  # CI: two at most
    monkeypatch.setenv("KIDA_ENV", "production")
    assert get_optimal_workers(100) == 8


def test_worker_complete_example_renders_in_a_pool() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kida.utils.workers import (
        WorkloadType,
        get_optimal_workers,
        order_by_complexity,
        should_parallelize,
    )

    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<html>{% block body %}{% end %}</html>",
                "a.html": '{% extends "base.html" %}{% block body %}{{ page }}{% end %}',
                "b.html": "<p>{{ page }}</p>",
            }
        )
    )
    templates = [env.get_template(name) for name in env.loader.list_templates()]
    ordered = order_by_complexity(templates)
    assert ordered[0].name == "a.html"  # extends: heaviest first
    tasks = [(t, {"page": i}) for i, t in enumerate(ordered * 4)]
    assert should_parallelize(len(tasks))
    workers = get_optimal_workers(len(tasks), workload_type=WorkloadType.RENDER)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda task: task[0].render(**task[1]), tasks))
    assert results == [t.render(**ctx) for t, ctx in tasks]


# --- advanced/t-strings.md ---------------------------------------------------------------------


class _Interpolation:
    """What Python 3.14 puts in a t-string for ``{value!conversion:format_spec}``."""

    def __init__(self, value: Any, conversion: str | None = None, format_spec: str = "") -> None:
        self.value, self.conversion, self.format_spec = value, conversion, format_spec


class _TString:
    """``string.templatelib.Template``'s shape: the tags take it on Python < 3.14."""

    def __init__(self, *parts: Any) -> None:
        self.strings = tuple(p for p in parts[::2])
        self.interpolations = tuple(parts[1::2])


def test_k_and_plain_tags() -> None:
    from kida import Markup, k, plain
    from kida.tstring import k as k_by_path
    from kida.tstring import plain as plain_by_path

    assert (k, plain) == (k_by_path, plain_by_path)
    name = "<script>alert('xss')</script>"
    assert k(_TString("Hello, ", _Interpolation(name), "!")) == (
        "Hello, &lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;!"
    )
    safe_html = Markup("<b>Bold</b>")
    assert k(_TString("Content: ", _Interpolation(safe_html), "")) == "Content: <b>Bold</b>"
    assert plain(_TString("User: ", _Interpolation("<admin>"), "")) == "User: <admin>"
    line = plain(
        _TString(
            "",
            _Interpolation("Hello", "r"),
            " has ",
            _Interpolation(3.14159, None, ".2f"),
            " points",
        )
    )
    assert line == "'Hello' has 3.14 points"
    assert plain(_TString("", _Interpolation(7, None, ">3"), "")) == "  7"
    with pytest.raises(TypeError, match=r"k\(\) takes a t-string"):
        k("not a t-string")  # type: ignore[arg-type]


def test_r_tag_and_patterns_from_the_top_level_package() -> None:
    from kida import ComposablePattern, r
    from kida.tstring import ComposablePattern as by_path
    from kida.tstring import PatternError, TemplateProtocol

    assert ComposablePattern is by_path
    ident, string = r"[a-zA-Z_]\w*", r"'[^']*'"
    token = r(_TString("", _Interpolation(ident), "|", _Interpolation(string), ""))
    assert token.pattern == r"(?:[a-zA-Z_]\w*)|(?:'[^']*')"
    ident_pat, string_pat = ComposablePattern(ident), ComposablePattern(string)
    again = r(_TString("", _Interpolation(ident_pat), "|", _Interpolation(string_pat), ""))
    assert again.pattern == token.pattern
    assert token.compile().fullmatch("'quoted'")
    assert token.compile() is token.compile()  # cached for flags=0
    assert isinstance(_TString("x"), TemplateProtocol)
    with pytest.raises(PatternError, match="ReDoS"):
        r(_TString("", _Interpolation("(a+)+"), ""))
