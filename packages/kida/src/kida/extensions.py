"""Extensions: packages that add filters, tests, globals and tags to an Environment.

Two ways to write a tag. kida-templates' (its extension docs): declare the node class names the
extension compiles in ``node_types``; ``parse`` starts at the tag's keyword and uses the
parser's ``_advance``/``_expect``/``_parse_expression``/``_parse_body``; the node is a frozen
dataclass under ``kida.nodes.base.Node``; ``compile`` builds ``ast`` statements with
``compiler._compile_expr``/``_compile_node``/``_emit_output`` (a statement calling
``_append(x)`` outputs ``x``). Without ``node_types``, ours: ``parse`` starts after the keyword
and may return our own nodes, compiled with ``compiler.expr()``/``stmt()``/``emit()``::

    class Shout(Extension):
        tags = {"shout"}

        def parse(self, parser, tag_name):
            value = expressions.parse_expression(parser)
            parser.expect_block_end()
            return nodes.Output(nodes.Filter(value, "upper", nodes.Arguments()))

        def compile(self, compiler, node):
            return compiler.stmt(node)

    env = Environment(extensions=[Shout])
    env.from_string("{% shout name %}").render(name="hi")  # 'HI'
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from kida import nodes as n

if TYPE_CHECKING:
    import ast

    from kida.analysis import DefMetadata
    from kida.compiler import Compiler
    from kida.diagnostics import Diagnostic
    from kida.environment import Environment
    from kida.lexer import Token
    from kida.parser.core import Parser


@dataclass(frozen=True, slots=True)
class ExtensionDiagnosticContext:
    """What :meth:`Extension.diagnose` sees of the template being diagnosed: its name, exact
    source, parsed tree, and the components visible in it (its own defs and those of literal
    ``{% from %}`` imports, by the name they are called with), read-only."""

    template_name: str
    source: str
    ast: n.TemplateNode
    components: "Mapping[str, DefMetadata]"


class Extension:
    """Subclass it and pass the class in ``Environment(extensions=[...])``.

    ``tags`` are statement keywords this extension parses: for ``{% tag ... %}`` the parser
    calls :meth:`parse`, and the node it returns is compiled by :meth:`compile` in each
    renderer (render, stream, async), which returns Python ``ast`` statements. With
    ``node_types`` (kida-templates' protocol) ``parser.current`` is the tag's keyword, and a
    node is compiled by the extension listing its class name; without, the keyword is consumed
    and this extension compiles what its ``parse`` returns (see the module docstring).
    """

    tags: ClassVar[set[str]] = set()
    #: Class names of the nodes this extension compiles, wherever they appear (the compiler
    #: dispatches on them); declaring any selects kida-templates' protocol for :meth:`parse`.
    node_types: ClassVar[set[str]] = set()
    #: Keywords besides ``{% end %}`` that close this extension's tags (``{% endmytag %}``).
    end_keywords: ClassVar[set[str]] = set()
    #: Set (2-12 uppercase letters or digits, not one of kida's own such as ``PAR``) to take
    #: part in ``kida.diagnostics.diagnose_source(..., environment=env)`` through
    #: :meth:`diagnose`, whose findings use codes ``K-<namespace>-NNN``.
    diagnostic_namespace: ClassVar[str | None] = None

    def __init__(self, environment: "Environment") -> None:
        self.environment = environment

    def get_filters(self) -> dict[str, Callable[..., Any]]:
        """Filters this extension adds."""
        return {}

    def get_tests(self) -> dict[str, Callable[..., Any]]:
        """Tests this extension adds."""
        return {}

    def get_globals(self) -> dict[str, Any]:
        """Globals this extension adds."""
        return {}

    def parse(self, parser: "Parser", tag_name: str) -> n.Node:
        """The node of one ``{% tag_name ... %}``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement parse()")

    def compile(self, compiler: "Compiler", node: n.Node) -> "list[ast.stmt]":
        """The Python statements of a node :meth:`parse` returned."""
        raise NotImplementedError(f"{type(self).__name__} does not implement compile()")

    def diagnose(self, context: ExtensionDiagnosticContext) -> "Iterable[Diagnostic]":
        """Findings of this extension about one template (static: never run while rendering).
        Each needs a ``K-<diagnostic_namespace>-NNN`` code, category ``"extension"`` and an
        explicit confidence; kida fills in the template path and source snippet."""
        return ()

    def statement_handler(self, tag_name: str) -> "Callable[[Parser, Token], n.Stmt]":
        """The parser's handler for ``tag_name``: the parsed node, wrapped for the compiler."""

        def handle(parser: "Parser", token: "Token") -> n.Stmt:
            if self.node_types:
                node = parser.parse_extension_tag(self, tag_name, token)
            else:
                node = self.parse(parser, tag_name)
            return n.ExtensionStmt(self, node, lineno=token.lineno, col=token.col)

        return handle
