"""The names kida-templates users import by module path (beyond ``kida.__all__``): each one
present where kida puts it, and doing what kida's docs and source say it does."""

import importlib
import os
import time
from pathlib import Path

import pytest

import kida.environment
from kida import ChoiceLoader, DictLoader, Environment, TemplateNotFoundError
from kida import nodes as n
from kida.analysis import (
    DependencyWalker,
    LandmarkDetector,
    PurityAnalyzer,
    classify_role,
)
from kida.environment.loaders import Loader

#: Module → names kida-templates 0.12.1 exports there that we provide too.
SURFACE = {
    "kida.analysis": [
        "DependencyWalker",
        "PurityAnalyzer",
        "LandmarkDetector",
        "classify_role",
        "BlockAnalyzer",
        "infer_cache_scope",
        "DEFAULT_CONFIG",
    ],
    "kida.analysis.dependencies": ["DependencyWalker"],
    "kida.parser": ["ParseError", "Parser"],
    "kida.environment": ["Loader"],
    "kida.bytecode_cache": ["BytecodeCache", "hash_source"],
    "kida.utils.template_keys": ["normalize_template_name", "resolve_template_name"],
    "kida.environment.loaders": ["Loader"],
    "kida.environment.exceptions": [
        "ErrorCode",
        "NoneComparisonError",
        "RequiredValueError",
        "SourceSnippet",
        "build_source_snippet",
    ],
    "kida.analysis.purity": ["PurityAnalyzer", "pure"],
    "kida.analysis.landmarks": ["LandmarkDetector"],
    "kida.analysis.roles": ["classify_role"],
    "kida.analysis.i18n": ["ExtractMessagesVisitor", "ExtractedMessage"],
}


@pytest.mark.parametrize(
    ("module", "name"), [(m, name) for m, names in SURFACE.items() for name in names]
)
def test_name_is_importable_by_path(module: str, name: str) -> None:
    imported = importlib.import_module(module)
    assert hasattr(imported, name)
    if hasattr(imported, "__all__") and module.count(".") == 1:
        assert name in imported.__all__


def _tree(source: str) -> n.TemplateNode:
    tree = Environment().from_string(source)._optimized_ast
    assert isinstance(tree, n.TemplateNode)
    return tree


def _block(source: str, name: str) -> n.Block:
    return next(
        node for node in _tree(source).walk() if isinstance(node, n.Block) and node.name == name
    )


# DependencyWalker


def test_dependency_walker_reads_paths_and_leaves_out_locals_and_builtins() -> None:
    tree = _tree(
        "{{ page.title }}{% for item in site.menu %}{{ item.url }}{{ loop.index }}{% end %}"
        "{% set n = len(items) %}{{ n }}{{ config['theme'].color }}"
    )
    assert DependencyWalker().analyze(tree) == frozenset(
        {"page.title", "site.menu", "items", "config.theme.color"}
    )


def test_dependency_walker_takes_a_block_a_statement_or_an_expression() -> None:
    walker = DependencyWalker()
    block = _block("{% block nav %}{% for p in site.pages %}{{ p.title }}{% end %}{% end %}", "nav")
    assert walker.analyze(block) == frozenset({"site.pages"})
    output = block.body[0]
    assert walker.analyze(output) == frozenset({"site.pages"})
    expression = n.Getattr(n.Name("user"), "email")
    assert walker.analyze(expression) == frozenset({"user.email"})


def test_dependency_walker_known_names_and_repeated_use() -> None:
    tree = _tree("{{ site.name }} {{ range(3) | list }}")
    walker = DependencyWalker()
    assert walker.analyze(tree) == frozenset({"site.name"})
    assert walker.analyze(tree) == frozenset({"site.name"})  # no state kept between calls
    assert DependencyWalker(known=frozenset({"site"})).analyze(tree) == frozenset({"range"})


def test_dependency_walker_refuses_a_non_node_part() -> None:
    with pytest.raises(TypeError, match="cannot analyze"):
        DependencyWalker().analyze(n.Arguments())


# PurityAnalyzer


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ title | upper }} {{ items | sort | join(', ') }} {{ len(xs) + 1 }}", "pure"),
        ("{{ items | shuffle }}", "impure"),
        ("{{ items | random }} {{ x | my_filter }}", "impure"),
        ("{{ x | my_filter }}", "unknown"),
        ("{{ now() }}", "unknown"),
        ("{% include 'part.html' %}", "unknown"),
        ("plain text", "pure"),
    ],
)
def test_purity_analyzer_levels(source: str, expected: str) -> None:
    env = Environment()
    env.add_filter("my_filter", str)
    tree = env.from_string(source)._optimized_ast
    assert tree is not None
    assert PurityAnalyzer().analyze(tree) == expected


def test_purity_analyzer_extensions() -> None:
    assert PurityAnalyzer().analyze(_tree("{{ asset_url('a.css') }}")) == "unknown"
    assert (
        PurityAnalyzer(extra_pure_functions=frozenset({"asset_url"})).analyze(
            _tree("{{ asset_url('a.css') }}")
        )
        == "pure"
    )
    assert (
        PurityAnalyzer(extra_impure_filters=frozenset({"upper"})).analyze(_tree("{{ x | upper }}"))
        == "impure"
    )
    assert PurityAnalyzer(pure_filters=()).analyze(_tree("{{ x | upper }}")) == "unknown"


def test_purity_analyzer_follows_includes_through_the_resolver() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "pure.html": "<p>{{ x | upper }}</p>",
                "impure.html": "{{ xs | shuffle }}",
                "loop.html": "{% include 'loop.html' %}",
            }
        )
    )
    analyzer = PurityAnalyzer(template_resolver=env.get_template)
    assert analyzer.analyze(_tree("{% include 'pure.html' %}")) == "pure"
    assert analyzer.analyze(_tree("{% include 'impure.html' %}")) == "impure"
    assert analyzer.analyze(_tree("{% include 'loop.html' %}")) == "unknown"
    assert analyzer.analyze(_tree("{% include 'missing.html' %}")) == "unknown"
    assert analyzer.analyze(_tree("{% include name %}")) == "unknown"


def test_block_analyzer_follows_includes_through_the_resolver() -> None:
    from kida.analysis import BlockAnalyzer

    env = Environment(
        loader=DictLoader({"nav.html": "<nav>{{ m | join }}</nav>", "r.html": "{{ xs | random }}"})
    )
    tree = _tree(
        "{% block nav %}{% include 'nav.html' %}{% end %}"
        "{% block pick %}{% include 'r.html' %}{% end %}"
    )
    plain = BlockAnalyzer().analyze(tree).blocks
    assert (plain["nav"].is_pure, plain["pick"].is_pure) == ("unknown", "unknown")
    followed = BlockAnalyzer(None, env.get_template).analyze(tree).blocks
    assert (followed["nav"].is_pure, followed["nav"].cache_scope) == ("pure", "site")
    assert (followed["pick"].is_pure, followed["pick"].cache_scope) == ("impure", "none")


def test_builtin_pure_filters_are_kida_filters() -> None:
    from kida.analysis.purity import BUILTIN_PURE_FILTERS, IMPURE_FILTERS
    from kida.environment.filters import DEFAULT_FILTERS

    assert DEFAULT_FILTERS.keys() >= BUILTIN_PURE_FILTERS
    assert not BUILTIN_PURE_FILTERS & IMPURE_FILTERS
    assert {"upper", "sort", "join", "default", "escape"} <= BUILTIN_PURE_FILTERS


def test_infer_cache_scope_as_kida_documents_it() -> None:
    from kida.analysis import AnalysisConfig, infer_cache_scope

    assert infer_cache_scope(frozenset({"site.pages"}), "pure") == "site"
    assert infer_cache_scope(frozenset({"page.title"}), "pure", None) == "page"
    assert infer_cache_scope(frozenset(), "pure") == "site"
    assert infer_cache_scope(frozenset({"items"}), "impure") == "none"
    assert infer_cache_scope(frozenset({"items"}), "unknown") == "unknown"
    post = AnalysisConfig(page_prefixes=frozenset({"post"}))
    assert infer_cache_scope(frozenset({"post.title"}), "pure", post) == "page"
    assert infer_cache_scope(frozenset({"page.title"}), "pure", post) == "site"


# LandmarkDetector and classify_role


def test_landmark_detector_finds_landmarks_in_literal_text() -> None:
    block = _block(
        "{% block page %}<HEADER>t</HEADER>{% if x %}<nav>{% else %}<section>{% end %}"
        "<article class='a'>{{ '<aside>' }}<div><main-menu></div>{% end %}",
        "page",
    )
    assert LandmarkDetector().detect(block) == frozenset({"header", "nav", "section", "article"})


@pytest.mark.parametrize(
    ("name", "landmarks", "role"),
    [
        ("sidebar", frozenset({"nav"}), "navigation"),
        ("x", frozenset({"nav", "main"}), "content"),
        ("x", frozenset({"nav", "aside"}), "sidebar"),
        ("x", frozenset({"header", "nav"}), "header"),
        ("x", frozenset({"footer"}), "footer"),
        ("Navigation", frozenset(), "navigation"),
        ("post", frozenset(), "content"),
        ("toc", frozenset(), "sidebar"),
        ("hero", frozenset(), "header"),
        ("colophon", frozenset(), "footer"),
        ("custom_block", frozenset(), "unknown"),
        ("navigation_extra", frozenset(), "unknown"),
        ("x", frozenset({"section"}), "unknown"),
    ],
)
def test_classify_role(name: str, landmarks: frozenset[str], role: str) -> None:
    assert classify_role(name, landmarks) == role


def test_block_metadata_uses_the_detector_and_the_classifier() -> None:
    meta = (
        Environment()
        .from_string(
            "{% block sidebar %}<nav>x</nav>{% end %}"
            "{% block stuff %}<article>{{ body }}</article>{% end %}"
            "{% block toc %}<ul></ul>{% end %}"
        )
        .block_metadata()
    )
    assert meta["sidebar"].inferred_role == "navigation"
    assert meta["stuff"].emits_landmarks == frozenset({"article"})
    assert meta["stuff"].inferred_role == "unknown"
    assert meta["toc"].inferred_role == "sidebar"


# kida.parser.ParseError


def test_parse_error_is_a_syntax_error_raised_by_the_parser() -> None:
    from kida.exceptions import TemplateSyntaxError
    from kida.parser import ParseError

    assert issubclass(ParseError, TemplateSyntaxError)
    with pytest.raises(ParseError) as caught:
        Environment().from_string("line\n{% for x items %}{% end %}", name="page.html")
    error = caught.value
    assert error.lineno == 2
    assert error.token is not None
    assert error.token.lineno == 2
    assert error.code is not None
    assert error.code.value.startswith("K-PAR-")
    assert "page.html" in str(error)


def test_lexer_errors_stay_plain_syntax_errors() -> None:
    from kida.exceptions import TemplateSyntaxError
    from kida.parser import ParseError

    with pytest.raises(TemplateSyntaxError) as caught:
        Environment().from_string("{{ x ")
    assert not isinstance(caught.value, ParseError)


# kida.environment.Loader


class _MemoryLoader(Loader):
    """A custom loader written against the protocol, as kida's loading page shows."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources

    def get_source(self, name: str) -> tuple[str, str | None]:
        if name not in self.sources:
            raise TemplateNotFoundError(f"template {name!r} not found", name=name)
        return self.sources[name], None

    def list_templates(self) -> list[str]:
        return sorted(self.sources)


def test_a_loader_written_to_the_protocol_serves_an_environment() -> None:
    loader = _MemoryLoader({"base.html": "<b>{% block x %}{% end %}</b>", "page.html": ""})
    loader.sources["page.html"] = '{% extends "base.html" %}{% block x %}{{ v }}{% end %}'
    env = Environment(loader=loader)
    assert env.get_template("page.html").render(v=1) == "<b>1</b>"
    with pytest.raises(TemplateNotFoundError):
        env.get_template("nope.html")
    choice = Environment(loader=ChoiceLoader([_MemoryLoader({}), loader]))
    assert choice.get_template("base.html").render() == "<b></b>"
    assert kida.environment.Loader is Loader


# kida.bytecode_cache


def test_hash_source_is_a_stable_digest_of_the_source() -> None:
    from kida.bytecode_cache import hash_source

    assert hash_source("<p>{{ x }}</p>") == hash_source("<p>{{ x }}</p>")
    assert hash_source("<p>{{ x }}</p>") != hash_source("<p>{{ y }}</p>")
    assert len(hash_source("")) == 64
    assert int(hash_source("é"), 16) >= 0


def test_bytecode_cache_stats_cleanup_clear_and_cache_info(tmp_path: Path) -> None:
    from kida.bytecode_cache import BytecodeCache

    cache = BytecodeCache(tmp_path)
    loader = DictLoader({"a.html": "A{{ x }}", "b.html": "B"})
    assert Environment(loader=loader).cache_info()["bytecode"] is None
    env = Environment(loader=loader, bytecode_cache=cache)
    env.get_template("a.html")
    env.get_template("b.html")
    stats = cache.stats()
    assert stats["file_count"] == 2
    assert stats["total_bytes"] > 0
    assert env.cache_info()["bytecode"] == stats

    entries = sorted(tmp_path.glob("*.kidac"))
    old = time.time() - 40 * 86400
    os.utime(entries[0], (old, old))
    assert cache.cleanup(max_age_days=30) == 1
    assert cache.stats()["file_count"] == 1
    assert cache.cleanup() == 0
    assert cache.clear() == 1
    assert cache.stats() == {"file_count": 0, "total_bytes": 0}


# kida.analysis.i18n


def test_extract_messages_visitor_reads_trans_blocks_and_calls() -> None:
    from kida.analysis import ExtractedMessage, ExtractMessagesVisitor

    tree = _tree(
        "{% trans %}Hello{% endtrans %}\n"
        "{% trans count=n %}One item{% plural %}{{ count }} items{% endtrans %}\n"
        "{{ _('Save') }} {{ _n('a file', 'files', k) }}\n"
        "{% if x %}{{ title(_('Nested')) }}{% end %}\n"
        "{{ _(name) }} {{ _n('only', n) }} {{ obj._('no') }}"
    )
    messages = ExtractMessagesVisitor("page.html").extract(tree)
    assert messages == [
        ExtractedMessage("page.html", 1, "gettext", "Hello"),
        ExtractedMessage("page.html", 2, "ngettext", ("One item", "%(count)s items")),
        ExtractedMessage("page.html", 3, "gettext", "Save"),
        ExtractedMessage("page.html", 3, "ngettext", ("a file", "files")),
        ExtractedMessage("page.html", 4, "gettext", "Nested"),
    ]
    assert ExtractMessagesVisitor().extract(tree)[0].filename == "<template>"


# kida.utils.template_keys


def test_normalize_template_name() -> None:
    from kida.utils.template_keys import normalize_template_name

    assert normalize_template_name(" pages\\post.html ") == "pages/post.html"
    assert normalize_template_name("a/b.html") == "a/b.html"
    assert normalize_template_name("a/..b.html") == "a/..b.html"
    for bad in ("../secret.txt", "pages/../../etc/passwd", "a\\..\\b"):
        with pytest.raises(TemplateNotFoundError, match=r"'\.\.'"):
            normalize_template_name(bad)


def test_environment_looks_templates_up_by_their_canonical_name() -> None:
    env = Environment(loader=DictLoader({"pages/a.html": "A{{ x }}", "b.html": "B"}))
    first = env.get_template("pages/a.html")
    assert env.get_template("pages\\a.html") is first
    assert env.get_template("  pages/a.html\n") is first
    assert env.get_template("pages\\a.html").render(x=1) == "A1"
    with pytest.raises(TemplateNotFoundError):
        env.get_template("pages/../b.html")
    page = env.from_string("{% include '../b.html' %}", name="a.html")
    with pytest.raises(TemplateNotFoundError, match="climbs above the template root"):
        page.render()


def test_resolve_template_name() -> None:
    from kida.utils.template_keys import resolve_template_name

    assert resolve_template_name("./card.html", caller="pages/about.html") == "pages/card.html"
    assert (
        resolve_template_name("../partials/card.html", caller="pages/blog/post.html")
        == "pages/partials/card.html"
    )
    assert resolve_template_name("../x.html", caller="a/b.html") == "x.html"
    assert resolve_template_name(" pages\\a.html ", caller="z.html") == "pages/a.html"
    assert resolve_template_name("./a.html", caller="") == "a.html"
    with pytest.raises(TemplateNotFoundError, match="needs the template that names it"):
        resolve_template_name("./card.html")
    with pytest.raises(TemplateNotFoundError, match="climbs above the template root"):
        resolve_template_name("../../x.html", caller="pages/a.html")


def test_get_template_takes_a_caller_and_aliases() -> None:
    env = Environment(
        loader=DictLoader({"pages/card.html": "C", "ui/button.html": "B"}),
        template_aliases={"ui": "ui"},
    )
    card = env.get_template("./card.html", caller="pages/about.html")
    assert card is env.get_template("pages/card.html")
    assert env.get_template("@ui/button.html").render() == "B"
    assert env.get_template("@ui/button.html") is env.get_template("ui/button.html")
    with pytest.raises(TemplateNotFoundError, match="needs the template") as caught:
        env.get_template("./card.html")
    assert caught.value.name == "./card.html"
    with pytest.raises(TemplateNotFoundError, match="unknown template alias '@nope/'") as alias:
        env.get_template("@nope/x.html")
    assert alias.value.hint is not None
    assert "@ui/" in alias.value.hint


# kida.environment.exceptions


def test_old_exception_paths_are_the_same_objects() -> None:
    import kida.environment.exceptions as old
    import kida.exceptions as home
    import kida.source_snippet as snippets

    for name in ("ErrorCode", "NoneComparisonError", "RequiredValueError"):
        assert getattr(old, name) is getattr(home, name)
    assert old.SourceSnippet is snippets.SourceSnippet
    assert old.build_source_snippet is snippets.build_source_snippet
    with pytest.raises(old.RequiredValueError):
        Environment().from_string("{{ x | require }}").render(x=None)
