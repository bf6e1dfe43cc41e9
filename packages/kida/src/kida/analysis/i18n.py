"""The translatable messages of a parsed template, read from its tree: ``{% trans %}`` blocks
and ``_("…")`` / ``_n("…", "…", n)`` calls with literal strings. For tools that hold trees;
``kida.babel.extract`` reads sources for Babel (with translator comments and more keywords).
"""

from dataclasses import dataclass

from kida import nodes as n


@dataclass(frozen=True, slots=True)
class ExtractedMessage:
    """One message: ``function`` is ``"gettext"`` (``message`` a string) or ``"ngettext"``
    (``message`` the ``(singular, plural)`` pair); ``lineno`` 1-based."""

    filename: str
    lineno: int
    function: str
    message: str | tuple[str, str]
    comments: tuple[str, ...] = ()


def _literal(expr: n.Expr) -> str | None:
    return expr.value if isinstance(expr, n.Const) and isinstance(expr.value, str) else None


class ExtractMessagesVisitor:
    """Collects the messages of a tree, in source order.

    Example::

        ExtractMessagesVisitor("page.html").extract(template._optimized_ast)
        # [ExtractedMessage("page.html", 3, "gettext", "Welcome, %(name)s!")]
    """

    def __init__(self, filename: str = "<template>") -> None:
        self.filename = filename

    def extract(self, node: n.Node) -> list[ExtractedMessage]:
        """The messages of ``node`` and everything inside it."""
        found = (self._message(child) for child in node.walk())
        return [message for message in found if message is not None]

    def _message(self, node: n.Node) -> ExtractedMessage | None:
        if isinstance(node, n.Trans):
            if node.plural is None:
                return ExtractedMessage(self.filename, node.lineno, "gettext", node.singular)
            pair = (node.singular, node.plural)
            return ExtractedMessage(self.filename, node.lineno, "ngettext", pair)
        if not isinstance(node, n.Call) or not isinstance(node.func, n.Name):
            return None
        args = [_literal(arg) for arg in node.arguments.args]
        if node.func.name == "_" and len(args) == 1 and args[0] is not None:
            return ExtractedMessage(self.filename, node.lineno, "gettext", args[0])
        if node.func.name == "_n" and len(args) >= 2:
            singular, plural = args[0], args[1]
            if singular is not None and plural is not None:
                pair = (singular, plural)
                return ExtractedMessage(self.filename, node.lineno, "ngettext", pair)
        return None
