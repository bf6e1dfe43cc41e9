"""kida-templates' extension protocol (extending/extensions.md): ``tags``/``node_types``/
``end_keywords``, frozen dataclass nodes under ``kida.nodes.base.Node``, ``parse()`` starting at
the tag's keyword with the parser's underscore methods, and ``compile()`` returning ``ast``
statements built with the compiler's ``_compile_expr``/``_compile_node``/``_emit_output``."""

import ast
import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from kida import DictLoader, Environment, Template, TemplateSyntaxError, TokenType, nodes
from kida.extensions import Extension
from kida.nodes.base import Node
from kida.parser import expressions


def _call(func: str, *args: ast.expr) -> ast.stmt:
    return ast.Expr(ast.Call(ast.Name(func, ast.Load()), list(args), []))


def _text(*parts: ast.expr | str) -> ast.expr:
    values = [ast.Constant(p) if isinstance(p, str) else ast.FormattedValue(p, -1) for p in parts]
    return ast.JoinedStr(values)


@dataclass(frozen=True, slots=True)
class EchoNode(Node):
    expr: object


class PrintExtension(Extension):
    """The docs' ``{% debug expr %}``: prints the value while rendering."""

    tags = {"debug"}
    node_types = {"EchoNode"}

    def parse(self, parser: Any, tag_name: str) -> Node:
        token = parser._advance()  # the tag's keyword is the current token
        expr = parser._parse_expression()
        parser._expect(parser.TokenType.BLOCK_END)
        return EchoNode(lineno=token.lineno, col_offset=token.col_offset, expr=expr)

    def compile(self, compiler: Any, node: EchoNode) -> list[ast.stmt]:
        return [_call("print", compiler._compile_expr(node.expr))]


class ShowExtension(Extension):
    """``{% show expr %}`` writes ``<expr>`` with ``_append``, kida-templates' output call."""

    tags = {"show"}
    node_types = {"ShowNode"}

    def parse(self, parser: Any, tag_name: str) -> Node:
        token = parser._advance()
        expr = parser._parse_expression()
        parser._expect(TokenType.BLOCK_END)
        return ShowNode(token.lineno, token.col_offset, expr)

    def compile(self, compiler: Any, node: "ShowNode") -> list[ast.stmt]:
        return [_call("_append", _text("<", compiler._compile_expr(node.expr), ">"))]


@dataclass(frozen=True, slots=True)
class ShowNode(Node):
    expr: object


@dataclass(frozen=True, slots=True)
class FramedNode(Node):
    label: object
    body: tuple[Any, ...]


class FramedExtension(Extension):
    """``{% framed label %}...{% end %}`` (or ``{% endframed %}``) wraps its body in
    ``[label]...[/label]``, written with ``_emit_output``."""

    tags = {"framed"}
    node_types = {"FramedNode"}
    end_keywords = {"endframed"}

    def parse(self, parser: Any, tag_name: str) -> Node:
        token = parser._advance()
        label = parser._parse_expression()
        parser._expect(parser.TokenType.BLOCK_END)
        body = parser._parse_body()
        parser._advance()  # {%
        parser._advance()  # end / endframed
        parser._expect(parser.TokenType.BLOCK_END)
        return FramedNode(
            lineno=token.lineno, col_offset=token.col_offset, label=label, body=tuple(body)
        )

    def compile(self, compiler: Any, node: FramedNode) -> list[ast.stmt]:
        label = compiler._compile_expr(node.label)
        inner = [stmt for child in node.body for stmt in compiler._compile_node(child)]
        return [
            compiler._emit_output(_text("[", label, "]")),
            *inner,
            compiler._emit_output(_text("[/", compiler._compile_expr(node.label), "]")),
        ]


def _renders(template: Template, **context: Any) -> list[str]:
    """The output of render(), render_stream(), render_async() and render_stream_async()."""

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**context)])

    return [
        template.render(**context),
        "".join(template.render_stream(**context)),
        asyncio.run(template.render_async(**context)),
        asyncio.run(stream_async()),
    ]


def test_the_documented_debug_tag_prints_in_every_renderer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = Environment(extensions=[PrintExtension])
    template = env.from_string("a{% debug user.name %}b{% block b %}{% debug 1 + 1 %}{% end %}")
    assert _renders(template, user={"name": "Ann"}) == ["ab"] * 4
    assert capsys.readouterr().out == "Ann\n2\n" * 4
    assert template.render_block("b") == ""
    assert capsys.readouterr().out == "2\n"


def test_append_writes_to_the_current_renderer_and_sink() -> None:
    env = Environment(extensions=[ShowExtension])
    template = env.from_string(
        "{% set name = 'Kida' %}{% show name %}"
        "{% capture c %}{% show 1 %}{% end %}({{ c }})"
        "{% block b %}{% show name | upper %}{% end %}"
    )
    assert _renders(template) == ["<Kida>(<1>)<KIDA>"] * 4
    assert template.render_block("b") == "<KIDA>"


def test_a_tag_with_a_body_closes_with_end_or_its_declared_end_keyword() -> None:
    env = Environment(
        extensions=[FramedExtension, ShowExtension],
        loader=DictLoader({"side.html": "side of {{ user }}"}),
    )
    template = env.from_string(
        '{% framed "a" %}{% include "side.html" %}{% end %}'
        "{% if on %}{% framed 'b' %}{% show user %}{% endframed %}{% end %}"
        "{% framed 'c' %}{% block inner %}<{{ user }}>{% end %}{% end %}"
    )
    expected = "[a]side of Ann[/a][b]<Ann>[/b][c]<Ann>[/c]"
    assert _renders(template, user="Ann", on=True) == [expected] * 4
    assert template.render_block("inner", user="Bo") == "<Bo>"


def test_nodes_are_compiled_by_the_extension_naming_their_class() -> None:
    """``_compile_node`` of an extension's body reaches a node another extension compiles."""

    class Pair(Extension):
        tags = {"pair"}
        node_types = {"FramedNode"}

        def parse(self, parser: Any, tag_name: str) -> Node:
            token = parser._advance()
            first = parser._parse_expression()
            parser._expect(TokenType.BLOCK_END)
            shown = ShowNode(token.lineno, token.col_offset, first)
            return FramedNode(token.lineno, token.col_offset, first, (shown, shown))

        compile = FramedExtension.compile

    env = Environment(extensions=[Pair, ShowExtension])
    assert _renders(env.from_string("{% pair x %}"), x=7) == ["[7]<7><7>[/7]"] * 4


def test_node_classes_are_frozen_dataclasses_with_kida_templates_positions() -> None:
    node = EchoNode(3, 4, nodes.Name("x"))
    assert isinstance(node, Node)
    assert node == EchoNode(lineno=3, col_offset=4, expr=node.expr)
    assert (node.lineno, node.col_offset, node.col) == (3, 4, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.expr = None  # type: ignore[misc]
    assert [type(child).__name__ for child in node.walk()] == ["EchoNode", "Name"]
    assert nodes.Name("x", lineno=2, col=7).col_offset == 6  # ours read the same way


def test_the_analysis_sees_expressions_inside_extension_nodes() -> None:
    env = Environment(extensions=[FramedExtension, ShowExtension])
    template = env.from_string(
        "{% block b %}{% framed page.title %}{% show user.name %}{% end %}{% end %}"
    )
    assert template.block_metadata()["b"].depends_on == frozenset({"page.title", "user.name"})


def test_blocks_inside_extension_tags_are_the_templates_blocks() -> None:
    """Block recompilation finds a block inside an extension's body."""
    from kida.compiler.block_recompile import detect_block_changes

    env = Environment(extensions=[FramedExtension], preserve_ast=True)
    old = env.from_string("{% framed 1 %}{% block b %}old{% end %}{% end %}")
    new = env.from_string("{% framed 1 %}{% block b %}new{% end %}{% end %}")
    assert old.tree is not None
    assert new.tree is not None
    assert detect_block_changes(old.tree, new.tree).changed == frozenset({"b"})


def test_the_parser_protocol_reads_tokens_and_continuation_clauses() -> None:
    """``{% either x %}a{% else %}b{% end %}``: ``_peek``/``_match``/``_current`` and
    ``_parse_body(stop_on_continuation=True)``."""

    class Either(Extension):
        tags = {"either"}
        node_types = {"EitherNode"}

        def parse(self, parser: Any, tag_name: str) -> Node:
            assert parser._current.value == tag_name == "either"
            assert parser._peek(1).type is TokenType.NAME
            token = parser._advance()
            test = parser._parse_expression()
            if not parser._match(TokenType.BLOCK_END):
                raise parser._error("one expression only", suggestion="drop the rest")
            parser._expect(TokenType.BLOCK_END)
            yes = parser._parse_body(stop_on_continuation=True)
            no: list[Any] = []
            parser._advance()
            if parser._advance().value == "else":
                parser._expect(TokenType.BLOCK_END)
                no = parser._parse_body()
                parser._advance()
                parser._advance()
            parser._expect(TokenType.BLOCK_END)
            return EitherNode(token.lineno, token.col_offset, test, tuple(yes), tuple(no))

        def compile(self, compiler: Any, node: Any) -> list[ast.stmt]:
            yes = [s for child in node.yes for s in compiler._compile_node(child)]
            no = [s for child in node.no for s in compiler._compile_node(child)]
            return [ast.If(compiler._compile_expr(node.test), yes or [ast.Pass()], no)]

    @dataclass(frozen=True, slots=True)
    class EitherNode(Node):
        test: object
        yes: tuple[Any, ...]
        no: tuple[Any, ...]

    env = Environment(extensions=[Either])
    template = env.from_string("{% either x %}yes {{ x }}{% else %}no{% end %}.")
    assert _renders(template, x=1) == ["yes 1."] * 4
    assert _renders(template, x=0) == ["no."] * 4
    with pytest.raises(TemplateSyntaxError, match="one expression only") as error:
        env.from_string("{% either x y %}{% end %}")
    assert "drop the rest" in str(error.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% endframed %}", "unexpected {% endframed %}"),
        ("{% framed 'a' %}text", "unclosed {% framed %} block"),
        ("{% framed 'a' %}{% endif %}", "{% endif %} closes {% framed %}"),
        ("{% if x %}{% framed 'a' %}{% end %}{% endframed %}", "{% endframed %} closes {% if %}"),
        ("{% framed 'a' b %}{% end %}", "unexpected name 'b' in {% framed %}"),
    ],
)
def test_tag_errors_name_the_extension_tag(source: str, message: str) -> None:
    env = Environment(extensions=[FramedExtension])
    with pytest.raises(TemplateSyntaxError) as error:
        env.from_string(source)
    assert message in str(error.value)
    assert error.value.code is not None
    assert error.value.code.startswith("K-PAR-")


def test_an_end_keyword_must_be_declared() -> None:
    class Undeclared(FramedExtension):
        tags = {"box"}
        end_keywords: set[str] = set()

    env = Environment(extensions=[Undeclared])
    assert env.from_string("{% box 1 %}x{% end %}").render() == "[1]x[/1]"
    with pytest.raises(TemplateSyntaxError, match="closes") as error:
        env.from_string("{% box 1 %}x{% endbox %}")
    assert "end_keywords" in str(error.value)


def test_a_node_no_extension_names_is_a_compile_error() -> None:
    class Unlisted(ShowExtension):
        tags = {"unlisted"}
        node_types = {"SomethingElse"}

    env = Environment(extensions=[Unlisted])
    with pytest.raises(TemplateSyntaxError, match="no extension compiles ShowNode") as error:
        env.from_string("line\n  {% unlisted 1 %}")
    assert error.value.code == "K-TPL-002"
    assert error.value.lineno == 2
    assert "node_types" in str(error.value)


def test_both_protocols_in_one_environment() -> None:
    """Ours (no ``node_types``): ``parse`` starts after the keyword and may return our nodes."""

    class Shout(Extension):
        tags = {"shout"}

        def get_filters(self) -> dict[str, Any]:
            return {"twice": lambda value: value * 2}

        def parse(self, parser: Any, tag_name: str) -> nodes.Node:
            value = expressions.parse_expression(parser)
            parser.expect_block_end()
            return nodes.Output(nodes.Filter(value, "upper", nodes.Arguments()))

        def compile(self, compiler: Any, node: nodes.Output) -> list[ast.stmt]:
            return compiler.stmt(node)

    env = Environment(extensions=[Shout, FramedExtension])
    template = env.from_string("{% framed 'x' %}{% shout word | twice %}{% end %}")
    assert _renders(template, word="ab") == ["[x]ABAB[/x]"] * 4
