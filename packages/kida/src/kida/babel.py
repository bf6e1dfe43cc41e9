"""Translatable messages of kida templates, for Babel's ``pybabel extract`` and other tools.

:func:`extract` is a Babel extraction method; Babel itself is not needed to import or call it.
Register it in ``babel.cfg``::

    [kida.babel:extract: templates/**.html]
    encoding = utf-8

Messages come from ``{% trans %}…{% plural %}…{% endtrans %}`` blocks (message IDs as the
renderer looks them up: ``{{ name }}`` becomes ``%(name)s``, a literal ``%`` becomes ``%%``,
whitespace runs become one space) and from calls of the keyword functions (``_``, ``gettext``,
``ngettext``, ``pgettext``, ``npgettext``, ``_n``) anywhere in an expression. A comment that
starts with one of the comment tags, on the message's line or the line before, goes to the
translators: ``{# Translators: the site's name #}``.
"""

import re
from bisect import bisect_right
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from kida.exceptions import TemplateSyntaxError
from kida.lexer import Delimiters, Token, tokenize

#: The function names recognised when the caller gives none.
DEFAULT_KEYWORDS: Final = ("_", "gettext", "ngettext", "pgettext", "npgettext", "_n")

#: What a message is, as Babel's extractors yield it: the string, or a call's positional
#: arguments (``None`` where an argument is not a string literal).
Message = str | tuple[str | None, ...]

#: ``(lineno, funcname, message, translator comments)``, the shape Babel expects.
Extracted = tuple[int, str, Message, list[str]]

_OPENING: Final = frozenset({"(", "[", "{", "?["})
_CLOSING: Final = frozenset({")", "]", "}"})


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Extracted]:
    """Babel's extraction method for kida templates (``options``: ``encoding``, default UTF-8).

    Example::

        with open("page.html", "rb") as file:
            for lineno, funcname, message, comments in extract(file, ["_"], ["Translators:"], {}):
                ...
    """
    source = fileobj.read().decode(options.get("encoding") or "utf-8")
    name = getattr(fileobj, "name", None)
    yield from extract_messages(
        source, keywords, comment_tags, name=name if isinstance(name, str) else None
    )


def extract_messages(
    source: str,
    keywords: Collection[str] = DEFAULT_KEYWORDS,
    comment_tags: Collection[str] = (),
    *,
    name: str | None = None,
    delimiters: Delimiters | None = None,
) -> Iterator[Extracted]:
    """The messages of a template's ``source``, in source order.

    Raises ``TemplateSyntaxError`` (with name, line and column) for source kida cannot lex or
    a malformed ``{% trans %}`` block.

    Example::

        >>> list(extract_messages('{{ _("Hi") }}'))
        [(1, '_', 'Hi', [])]
    """
    delimiters = delimiters or Delimiters()
    tokens = tokenize(source, name, delimiters)
    comments = _tagged_comments(source, tokens, delimiters, tuple(comment_tags))
    scanner = _MessageScanner(tokens, frozenset(keywords or DEFAULT_KEYWORDS), name, source)
    previous = (0, 0)
    for token, funcname, message in scanner.scan():
        position = (token.lineno, token.col)
        yield token.lineno, funcname, message, _comments_between(comments, previous, position)
        previous = max(previous, position)


@dataclass(frozen=True, slots=True)
class _Comment:
    """A translator comment: where it ends, and its lines."""

    end: tuple[int, int]
    lines: list[str]


def _comments_between(
    comments: list[_Comment], previous: tuple[int, int], position: tuple[int, int]
) -> list[str]:
    """Lines of the comments after the previous message that end on the line of the message at
    ``position`` (before it) or on the line before: a comment is for the message it precedes."""
    return [
        line
        for comment in comments
        if previous < comment.end < position and comment.end[0] >= position[0] - 1
        for line in comment.lines
    ]


def _tagged_comments(
    source: str, tokens: list[Token], delimiters: Delimiters, tags: tuple[str, ...]
) -> list[_Comment]:
    """The ``{# … #}`` comments that start with one of ``tags``.

    The lexer drops comments, but every character it keeps is inside a data token or a tag:
    comments are found in the gaps between them, so ``{#`` in text, raw blocks or strings is
    never mistaken for one.
    """
    if not tags:
        return []
    line_starts = [0, *(match.end() for match in re.finditer("\n", source))]
    pattern = re.compile(
        re.escape(delimiters.comment_start) + r"-?(.*?)-?" + re.escape(delimiters.comment_end),
        re.DOTALL,
    )
    found: list[_Comment] = []
    for gap_start, gap_end in _gaps(source, tokens, line_starts):
        for match in pattern.finditer(source, gap_start, gap_end):
            text = match.group(1).strip()
            if text.startswith(tags):
                end = match.end() - 1
                line = bisect_right(line_starts, end)
                found.append(
                    _Comment((line, end - line_starts[line - 1] + 1), _comment_lines(text))
                )
    return found


def _comment_lines(text: str) -> list[str]:
    return [stripped for line in text.splitlines() if (stripped := line.strip())]


def _gaps(source: str, tokens: list[Token], line_starts: list[int]) -> Iterator[tuple[int, int]]:
    """Source spans covered by no data token and no ``{{ }}``/``{% %}`` tag."""
    position = 0
    tag_start: int | None = None
    for token in tokens:
        offset = line_starts[token.lineno - 1] + token.col - 1
        if token.kind == "data":
            yield position, offset
            position = offset + len(token.value)
        elif token.kind in ("var_begin", "block_begin"):
            yield position, offset
            tag_start = offset
        elif token.kind in ("var_end", "block_end") and tag_start is not None:
            position = source.index(token.value, offset) + len(token.value)
            tag_start = None
    yield position, len(source)


class _MessageScanner:
    """Walks the tokens once: ``{% trans %}`` blocks and keyword calls, in source order."""

    def __init__(
        self, tokens: list[Token], keywords: frozenset[str], name: str | None, source: str
    ) -> None:
        self.tokens = tokens
        self.keywords = keywords
        self.name = name
        self.source = source
        self.pos = 0

    def scan(self) -> Iterator[tuple[Token, str, Message]]:
        tokens = self.tokens
        while self.pos < len(tokens):
            token = tokens[self.pos]
            if token.kind == "block_begin" and self._next(1).test("name", "trans"):
                yield from self._trans_block(token)
                continue
            if self._is_call(token):
                message = self._call_arguments(self.pos + 2)
                if message is not None:
                    yield token, token.value, message
            self.pos += 1

    def _next(self, distance: int) -> Token:
        return self.tokens[min(self.pos + distance, len(self.tokens) - 1)]

    def _is_call(self, token: Token) -> bool:
        """``name(`` with ``name`` a keyword, and not an attribute (``obj._(…)``)."""
        if token.kind != "name" or token.value not in self.keywords:
            return False
        before = self.tokens[self.pos - 1] if self.pos else None
        attribute = before is not None and before.kind == "op" and before.value in (".", "?.")
        return self._next(1).test("op", "(") and not attribute

    def _call_arguments(self, start: int) -> Message | None:
        """The positional arguments of the call whose ``(`` is just before ``start``."""
        arguments: list[list[Token]] = [[]]
        depth = 0
        for token in self.tokens[start:]:
            if token.kind == "op" and token.value in _CLOSING and depth == 0:
                break
            if token.kind == "op" and token.value == "," and depth == 0:
                arguments.append([])
                continue
            if token.kind == "op":
                depth += (token.value in _OPENING) - (token.value in _CLOSING)
            arguments[-1].append(token)
        values = tuple(_literal(argument) for argument in arguments if not _is_keyword(argument))
        if not any(value is not None for value in values):
            return None
        if len(values) == 1:
            return values[0]
        return values

    def _trans_block(self, opener: Token) -> Iterator[tuple[Token, str, Message]]:
        """``{% trans … %}…{% endtrans %}``: calls in its bindings, then its message."""
        self.pos += 2
        while not self.tokens[self.pos].test("block_end"):
            token = self.tokens[self.pos]
            if token.kind == "eof":
                raise self._error("unclosed {% trans %} tag", opener, "close it with '%}'")
            if self._is_call(token) and (message := self._call_arguments(self.pos + 2)):
                yield token, token.value, message
            self.pos += 1
        self.pos += 1
        singular = self._trans_text(opener)
        if not self._closing_word().startswith("end"):
            plural = self._trans_text(opener)
            self._closing_word()
            yield opener, "ngettext", (singular, plural)
        else:
            yield opener, "gettext", singular

    def _closing_word(self) -> str:
        """Consume the ``{% plural %}``/``{% endtrans %}`` tag that ended a text; its word."""
        word = self._next(1).value
        while not self.tokens[self.pos].test("block_end"):
            self.pos += 1
        self.pos += 1
        return word

    def _trans_text(self, opener: Token) -> str:
        """Text up to ``{% plural %}``/``{% endtrans %}``/``{% end %}``, as the message ID."""
        parts: list[str] = []
        while True:
            token = self.tokens[self.pos]
            if token.kind == "data":
                parts.append(token.value.replace("%", "%%"))
                self.pos += 1
            elif (
                token.kind == "var_begin"
                and self._next(1).kind == "name"
                and self._next(2).kind == "var_end"
            ):
                parts.append(f"%({self._next(1).value})s")
                self.pos += 3
            elif token.kind == "block_begin" and self._next(1).value in (
                "plural",
                "end",
                "endtrans",
            ):
                return " ".join("".join(parts).split())
            elif token.kind == "eof":
                raise self._error(
                    "the {% trans %} block is never closed", opener, "close it with {% endtrans %}"
                )
            else:
                raise self._error(
                    "only text and {{ name }} are allowed inside {% trans %}",
                    token,
                    "bind expressions in the tag: {% trans n=items|length %}",
                )

    def _error(self, message: str, token: Token, hint: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(
            message, name=self.name, lineno=token.lineno, col=token.col, source=self.source,
            hint=hint,
        )  # fmt: skip


def _is_keyword(argument: list[Token]) -> bool:
    """``name=value``: a keyword argument, never part of the message."""
    return len(argument) > 1 and argument[0].kind == "name" and argument[1].test("op", "=")


def _literal(argument: list[Token]) -> str | None:
    """The argument's string when it is one literal (or adjacent literals), else None."""
    if argument and all(token.kind == "string" for token in argument):
        return "".join(token.value for token in argument)
    return None
