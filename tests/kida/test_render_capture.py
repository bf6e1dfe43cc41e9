"""Observing renders: RenderContext and its helpers, render scopes with metadata and cached
blocks, RenderCapture, RenderAccumulator, CoverageCollector, the manifests built on captures;
in every renderer, and untouched when nothing observes."""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from kida import (
    CoverageCollector,
    DictLoader,
    Environment,
    FreezeCache,
    RenderContext,
    RenderManifest,
    SearchManifestBuilder,
    Template,
    TemplateRuntimeError,
    async_render_context,
    captured_render,
    get_accumulator,
    get_capture,
    get_render_context,
    get_render_context_required,
    profiled_render,
    render_context,
    timed_block,
)
from kida.render_context import reset_render_context, set_render_context
from kida.runtime.composition import register

PAGE = (
    "{% def card(x) %}<b>{{ x | upper }}</b>{% end %}\n"
    "{% block nav %}<nav>{{ card('a') }}{{ card('b') }}</nav>{% end %}\n"
    "{% block content %}<main>{{ doc.body | upper }}</main>"
    '{% include "side.html" %}{% end %}'
)


def _env(**options: Any) -> Environment:
    return Environment(
        loader=DictLoader({"page.html": PAGE, "side.html": "<aside>{{ doc.body }}</aside>"}),
        **options,
    )


def _renderers(template: Template) -> dict[str, Callable[..., str]]:
    return {
        "render": template.render,
        "render_stream": lambda **ctx: "".join(template.render_stream(**ctx)),
        "render_async": lambda **ctx: asyncio.run(template.render_async(**ctx)),
    }


RENDERERS = ("render", "render_stream", "render_async")


@pytest.mark.parametrize("mode", RENDERERS)
def test_capture_records_blocks_hashes_and_chosen_context(mode: str) -> None:
    template = _env(enable_capture=True).get_template("page.html")
    doc = {"body": "hi"}
    with captured_render(capture_context=frozenset({"doc"})) as capture:
        assert get_capture() is capture
        html = _renderers(template)[mode](doc=doc, secret="x")
    assert get_capture() is None
    assert capture.template_name == "page.html"
    assert capture.context_keys == {"doc": doc}  # only the chosen keys, by reference
    content = capture.blocks["content"]
    assert content.html == "<main>HI</main><aside>hi</aside>"
    assert content.html in html
    assert content.role == "content"
    assert content.depends_on == frozenset({"doc.body"})
    assert len(content.content_hash) == 16
    assert capture.blocks["nav"].html == "<nav><b>A</b><b>B</b></nav>"
    assert capture.blocks["nav"].cache_scope == "unknown"  # it calls a def


def test_capture_selects_blocks_and_needs_enable_capture() -> None:
    with captured_render(capture_blocks=frozenset({"nav"})) as capture:
        _env(enable_capture=True).get_template("page.html").render(doc={"body": "x"})
    assert set(capture.blocks) == {"nav"}
    with captured_render() as capture:
        _env().get_template("page.html").render(doc={"body": "x"})
    assert capture.blocks == {}
    assert capture.template_name == ""


def test_capture_of_a_block_rendered_alone() -> None:
    template = _env(enable_capture=True).get_template("page.html")
    with captured_render() as capture:
        assert template.render_block("content", doc={"body": "b"}) == (
            "<main>B</main><aside>b</aside>"
        )

    async def stream() -> str:
        chunks = template.render_block_stream_async("nav")
        return "".join([chunk async for chunk in chunks])

    with captured_render() as streamed:
        assert asyncio.run(stream()) == "<nav><b>A</b><b>B</b></nav>"
    assert set(capture.blocks) == {"content"}
    assert set(streamed.blocks) == {"nav"}


@pytest.mark.parametrize("mode", RENDERERS)
def test_profiling_counts_blocks_defs_includes_and_filters(mode: str) -> None:
    template = _env().get_template("page.html")
    with profiled_render() as metrics:
        assert get_accumulator() is metrics
        _renderers(template)[mode](doc={"body": "x"})
        with timed_block("fetch"):
            pass
    assert get_accumulator() is None
    summary = metrics.summary()
    assert set(summary["blocks"]) == {"nav", "content", "fetch"}
    assert summary["blocks"]["nav"]["calls"] == 1
    assert summary["macros"] == {"card": 2}
    assert summary["includes"] == {"side.html": 1}
    assert summary["filters"] == {"upper": 3}
    total = metrics.total_duration_ms
    assert metrics.total_duration_ms == total  # frozen once profiling ended


def test_profiling_sums_repeated_blocks_and_manual_records() -> None:
    template = Environment().from_string("{% block b %}x{% end %}")
    with profiled_render() as metrics:
        template.render()
        template.render_block("b")
        metrics.record_filter("mine")
        metrics.record_macro("m")
    assert metrics.block_timings["b"].call_count == 2
    assert metrics.filter_calls == {"mine": 1}
    assert metrics.macro_calls == {"m": 1}


@pytest.mark.parametrize("mode", RENDERERS)
def test_coverage_records_the_lines_that_ran(mode: str) -> None:
    env = Environment(
        loader=DictLoader(
            {
                "p.html": 'a{{ x }}\n{% if x %}{{ "yes" }}\n{% else %}{{ "no" }}\n{% end %}\n'
                '{% include "i.html" %}',
                "i.html": "inc\n{{ x }}",
            }
        )
    )
    template = env.get_template("p.html")
    with CoverageCollector() as cov:
        _renderers(template)[mode](x=1)
    assert cov.data["p.html"] >= {1, 2, 5}
    assert 3 not in cov.data["p.html"]  # the else branch did not run
    assert cov.data["i.html"] == {1, 2}
    results = {r.template_name: r for r in cov.get_results({"p.html": frozenset(range(1, 6))})}
    assert results["p.html"].missed_count == 5 - results["p.html"].hit_count
    assert results["p.html"].missed_count >= 1
    assert results["i.html"].percentage == 100.0
    assert "TOTAL" in cov.summary()
    lcov = cov.format_lcov()
    assert "SF:i.html\nDA:1,1\nDA:2,1\nLH:2\nLF:2\nend_of_record\n" in lcov
    assert '<class name="i.html" filename="i.html"' in cov.format_cobertura()


def test_coverage_is_scoped_to_its_context() -> None:
    template = Environment().from_string("{{ x }}")
    other_thread_ran = threading.Event()

    def render_elsewhere() -> None:
        template.render(x=1)
        other_thread_ran.set()

    cov = CoverageCollector()
    with cov:
        worker = threading.Thread(target=render_elsewhere)
        worker.start()
        worker.join()
    assert other_thread_ran.is_set()
    assert cov.data == {}  # the other thread's render was not this collector's
    template.render(x=1)  # after stop: not recorded either
    assert cov.data == {}


def test_render_context_inside_a_render() -> None:
    seen: list[RenderContext] = []

    def probe() -> str:
        ctx = get_render_context_required()
        seen.append(ctx)
        return f"{ctx.template_name}:{ctx.line}:{ctx.include_depth}:{ctx.get_meta('csrf')}"

    env = Environment(
        loader=DictLoader(
            {"outer.html": 'o\n{% include "inner.html" %}', "inner.html": "\n{{ probe() }}"}
        ),
        globals={"probe": probe},
    )
    template = env.get_template("outer.html")
    for render in _renderers(template).values():
        assert render() == "o\n\ninner.html:2:1:None"
    with render_context() as scope:
        scope.set_meta("csrf", "T")
        assert get_render_context() is scope
        assert template.render() == "o\n\ninner.html:2:1:T"
    assert get_render_context() is None
    with pytest.raises(RuntimeError, match="not in a render context"):
        get_render_context_required()
    assert seen[0].filename is None
    assert seen[0].max_include_depth == 50  # Environment(max_include_depth=) default


def test_render_context_helpers() -> None:
    env = Environment(loader=DictLoader({"a.html": "A", "b.html": "B"}))
    ctx = env.get_template("a.html").new_context((), {})
    child = ctx.child_context("b.html")
    assert (child.template_name, child.include_depth) == ("b.html", 1)
    assert child.child_context(source="{{ 1 }}").include_depth == 2
    parent = ctx.child_context_for_extends("b.html")
    assert parent.blocks is ctx.blocks
    assert parent.include_depth == 0
    child.set_meta("k", 1)
    assert ctx.get_meta("k") == 1  # one render shares its metadata
    deep = ctx
    for _ in range(50):
        deep = deep.child_context()
    with pytest.raises(TemplateRuntimeError, match="includes nested more than 50 deep"):
        deep.check_include_depth("a.html")


def test_child_context_outside_a_render() -> None:
    """kida's render_context() scope hands out child contexts as a render would: one include
    deeper, named after the child, sharing the scope's metadata and cached blocks."""
    with render_context("page.html", cached_blocks={"nav": "<nav/>"}) as scope:
        scope.set_meta("csrf", "T")
        child = scope.child_context("partial.html")
        grandchild = child.child_context()
        assert (child.template_name, child.include_depth) == ("partial.html", 1)
        assert (grandchild.template_name, grandchild.include_depth) == ("partial.html", 2)
        assert scope.child_context().template_name == "page.html"
        assert grandchild.get_meta("csrf") == "T"
        assert grandchild.cached_blocks is scope.cached_blocks
        grandchild.set_meta("seen", True)
        assert scope.get_meta("seen") is True
        with pytest.raises(TemplateRuntimeError) as caught:
            scope.child_context(source="{{ 1 }}")
        assert caught.value.code == "K-RUN-017"


def test_set_and_reset_render_context_and_async_scope() -> None:
    env = Environment(globals={"meta": lambda: get_render_context_required().get_meta("m")})
    template = env.from_string("{{ meta() }}")
    with render_context() as scope:
        scope.set_meta("m", "outer")
    token = set_render_context(scope)
    assert template.render() == "outer"
    reset_render_context(token)
    assert get_render_context() is None

    async def scoped() -> str:
        async with async_render_context(template_name="x.html") as ctx:
            ctx.set_meta("m", "async")
            assert get_render_context() is ctx
            return await template.render_async()

    assert asyncio.run(scoped()) == "async"


@pytest.mark.parametrize("mode", RENDERERS)
def test_cached_blocks_replace_rendering(mode: str) -> None:
    template = _env().get_template("page.html")
    stats: dict[str, int] = {}
    with render_context(cached_blocks={"nav": "<nav>cached</nav>"}, cache_stats=stats):
        html = _renderers(template)[mode](doc={"body": "x"})
    assert "<nav>cached</nav>" in html
    assert "<b>A</b>" not in html
    assert "<main>X</main>" in html
    assert stats == {"hits": 1, "misses": 1}


def test_an_unobserved_render_runs_the_compiled_blocks() -> None:
    template = Environment().from_string("{% block b %}x{% end %}")
    ctx = template.new_context((), {})
    assert ctx.state.instruments is None
    assert ctx.blocks["b"][0] is template.block_functions["b"]
    with profiled_render():
        observed = template.new_context((), {})
    assert observed.blocks["b"][0] is not template.block_functions["b"]
    register(observed, template)  # registering again wraps again, never the original
    assert all(f is not template.block_functions["b"] for f in observed.blocks["b"])


def test_manifest_diff_freeze_cache_and_search_index() -> None:
    class Doc:
        def __init__(self, title: str, body: str) -> None:
            self.title, self.body = title, body

    env = Environment(
        loader=DictLoader(
            {
                "doc.html": "{% block nav %}<nav>Docs</nav>{% end %}"
                "{% block content %}<p>{{ doc.body }}</p>{% end %}"
            }
        ),
        enable_capture=True,
    )
    template = env.get_template("doc.html")

    def build(pages: dict[str, str], cache: FreezeCache | None = None) -> RenderManifest:
        manifest = RenderManifest(freeze_cache=cache)
        for url, body in pages.items():
            with captured_render(capture_context=frozenset({"doc"})) as capture:
                template.render(doc=Doc(url.upper(), body))
            manifest.add(url, capture)
        return manifest

    cache = FreezeCache()
    old = build({"/a": "one", "/b": "two"}, cache)
    new = build({"/a": "one", "/b": "TWO", "/c": "three"})
    diff = new.diff(old)
    assert (diff.added, diff.removed, diff.unchanged) == (["/c"], [], 1)
    assert list(diff.changed) == ["/b"]
    assert list(diff.changed["/b"]) == ["content"]
    assert cache.get_cached_blocks("doc.html") == {"nav": "<nav>Docs</nav>"}
    assert cache.stats.blocks_cached == 1
    assert cache.get_cached_blocks("other.html") is None
    assert (cache.stats.cache_hits, cache.stats.cache_misses) == (1, 1)
    assert new.unique_content_hashes()[old.captures[0][1].blocks["nav"].content_hash] == 3
    index = SearchManifestBuilder().build(new)
    assert index["entries"][1] == {"u": "/b", "t": "/B", "body": "TWO", "template": "doc.html"}
