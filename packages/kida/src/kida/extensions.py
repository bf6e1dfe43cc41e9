"""Extensions: packages that add filters, tests, globals and tags to an Environment.

Example::

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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from kida import nodes as n

if TYPE_CHECKING:
    import ast

    from kida.compiler import Compiler
    from kida.environment import Environment
    from kida.lexer import Token
    from kida.parser.core import Parser


class Extension:
    """Subclass it and pass the class in ``Environment(extensions=[...])``.

    ``tags`` are statement keywords this extension parses: for ``{% tag ... %}`` the parser
    calls :meth:`parse` with the keyword consumed (``parser.current`` is what follows it);
    the node it returns is compiled by :meth:`compile` in each renderer (render, stream,
    async), which returns Python ``ast`` statements (``compiler.expr()``, ``compiler.emit()``,
    ``compiler.body()`` and ``compiler.stmt()`` build them).
    """

    tags: ClassVar[set[str]] = set()

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

    def statement_handler(self, tag_name: str) -> "Callable[[Parser, Token], n.Stmt]":
        """The parser's handler for ``tag_name``: the parsed node, wrapped for the compiler."""

        def handle(parser: "Parser", token: "Token") -> n.Stmt:
            node = self.parse(parser, tag_name)
            return n.ExtensionStmt(self, node, lineno=token.lineno, col=token.col)

        return handle
