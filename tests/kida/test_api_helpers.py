"""The smaller public names: Extension, RenderedTemplate, Token/TokenType, source snippets, the
worker-sizing helpers, the t-string tags, html_escape, strip_colors, pure."""

import ast
import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from kida import (
    Environment,
    Extension,
    Markup,
    RenderedTemplate,
    Token,
    TokenType,
    WorkerEnvironment,
    WorkloadType,
    build_source_snippet,
    get_optimal_workers,
    get_profile,
    html_escape,
    is_free_threading_enabled,
    k,
    nodes,
    plain,
    pure,
    should_parallelize,
    strip_colors,
)
from kida.compiler import Compiler
from kida.lexer import tokenize
from kida.parser import expressions
from kida.parser.core import Parser


class Shout(Extension):
    """``{% shout expr %}`` outputs the value upper-cased; also adds a filter and a global."""

    tags = {"shout"}

    def get_filters(self) -> dict[str, Any]:
        return {"twice": lambda value: value * 2}

    def get_globals(self) -> dict[str, Any]:
        return {"greeting": "hi"}

    def parse(self, parser: Parser, tag_name: str) -> nodes.Node:
        value = expressions.parse_expression(parser)
        parser.expect_block_end()
        return nodes.Output(nodes.Filter(value, "upper", nodes.Arguments()))

    def compile(self, compiler: Compiler, node: nodes.Node) -> list[ast.stmt]:
        assert isinstance(node, nodes.Output)
        return compiler.stmt(node)


def test_extension_tags_filters_and_globals_in_every_renderer() -> None:
    env = Environment(extensions=[Shout])
    template = env.from_string(
        "a{% shout name | twice %}{% block b %}{% shout greeting %}{% end %}"
    )
    expected = "aXXHI"
    assert template.render(name="x") == expected
    assert "".join(template.render_stream(name="x")) == expected
    assert asyncio.run(template.render_async(name="x")) == expected
    assert template.render_block("b") == "HI"
    assert template.block_metadata()["b"].depends_on == frozenset()  # greeting is a global
    assert isinstance(env.extensions[0], Shout)
    assert env.extensions[0].environment is env
    with pytest.raises(Exception, match="unknown statement"):
        Environment().from_string("{% shout x %}")


def test_extension_without_parse_says_so() -> None:
    class Broken(Extension):
        tags = {"broken"}

    with pytest.raises(NotImplementedError, match="Broken does not implement parse"):
        Environment(extensions=[Broken]).from_string("{% broken %}")


def test_rendered_template_renders_or_streams() -> None:
    template = Environment().from_string("{% for i in items %}{{ i }}{% end %}")
    rendered = RenderedTemplate(template, {"items": [1, 2]})
    assert str(rendered) == "12"
    assert list(rendered) == ["1", "2"]


def test_tokens_and_token_types() -> None:
    tokens = tokenize("a{{ x + 1 }}")
    assert [t.type for t in tokens] == [
        TokenType.DATA,
        TokenType.VARIABLE_BEGIN,
        TokenType.NAME,
        TokenType.OPERATOR,
        TokenType.INTEGER,
        TokenType.VARIABLE_END,
        TokenType.EOF,
    ]
    assert isinstance(tokens[2], Token)
    assert (tokens[2].lineno, tokens[2].col, tokens[2].col_offset) == (1, 5, 4)


def test_source_snippet() -> None:
    snippet = build_source_snippet("one\ntwo\nthree\nfour", 3, context_lines=1, column=2)
    assert snippet.lines == ((2, "two"), (3, "three"), (4, "four"))
    assert snippet.format() == "  2 | two\n> 3 | three\n    |   ^\n  4 | four"
    assert build_source_snippet("x", 1, context_lines=5).lines == ((1, "x"),)


def test_worker_sizing_on_a_gil_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIDA_ENV", raising=False)
    assert is_free_threading_enabled() is False  # the test Pythons are GIL builds
    ci = WorkerEnvironment.CI
    assert get_profile(WorkloadType.RENDER, ci).parallel_threshold == 10
    assert get_optimal_workers(100, environment=ci) == 2
    assert get_optimal_workers(1, environment=ci) == 1
    assert get_optimal_workers(5, config_override=16) == 16
    assert not should_parallelize(5, environment=ci)
    assert should_parallelize(50, environment=ci)
    assert not should_parallelize(50, environment=ci, total_work_estimate=100)
    monkeypatch.setenv("KIDA_ENV", "production")
    assert get_profile(WorkloadType.IO_BOUND).max_workers == 12


def _tstring(*parts: Any) -> SimpleNamespace:
    """What a PEP 750 t-string holds, built by hand (no t-string syntax before 3.14)."""
    strings = tuple(p for p in parts if isinstance(p, str))
    values = tuple(
        SimpleNamespace(value=p[0], conversion=p[1], format_spec=p[2])
        for p in parts
        if isinstance(p, tuple)
    )
    return SimpleNamespace(strings=strings, interpolations=values)


def test_t_string_tags() -> None:
    template = _tstring("<p>", ("<b>", None, ""), "</p>")
    assert k(template) == "<p>&lt;b&gt;</p>"
    assert plain(template) == "<p><b></p>"
    assert k(_tstring("", (Markup("<i>x</i>"), None, ""), "")) == "<i>x</i>"
    assert plain(_tstring("", ("a", "r", ""), " ", (3.14159, None, ".2f"), "")) == "'a' 3.14"
    with pytest.raises(TypeError, match="k\\(\\) takes a t-string"):
        k("<p>{name}</p>")  # type: ignore[arg-type]


def test_html_escape_and_strip_colors() -> None:
    assert html_escape("<a href='x'>&") == "&lt;a href=&#39;x&#39;&gt;&amp;"
    assert html_escape(Markup("<b>")) == "<b>"
    assert html_escape(3) == "3"
    assert strip_colors("\x1b[1;31mfail\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07") == "fail link"


def test_pure_marks_functions_and_wraps_builtins() -> None:
    @pure
    def clean(value: str) -> str:
        return value.strip()

    wrapped = pure(len)
    assert wrapped is not len
    assert wrapped([1, 2]) == 2
    env = Environment()
    env.add_filter("clean", clean)
    env.add_filter("size", wrapped)
    env.add_filter("raw_size", len)
    meta = env.from_string(
        "{% block a %}{{ x | clean | size }}{% end %}{% block b %}{{ x | raw_size }}{% end %}"
    ).block_metadata()
    assert (meta["a"].is_pure, meta["b"].is_pure) == ("pure", "unknown")
