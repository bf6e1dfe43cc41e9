"""Source text → tokens, each carrying its 1-based line and column.

Text outside delimiters becomes ``data`` tokens; inside ``{{ }}`` and ``{% %}`` the expression
language is split into names, numbers, strings and operators. ``{# #}`` comments vanish, ``-``
next to a delimiter trims the neighbouring whitespace, and ``{% raw %}`` passes text through.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum
from typing import Final

from kida.exceptions import ErrorCode, TemplateSyntaxError

#: Operators, longest first so that ``...`` wins over ``..`` and ``?|>`` over ``?|``.
OPERATORS: Final = (
    "...", "?|>", "??=", "..", "?.", "?[", "??", "?|", "|>", "**", "//", "==", "!=", ">=", "<=",
    "+", "-", "*", "/", "%", "~", "<", ">", "=", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}",
)  # fmt: skip

_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<float>\d[\d_]*\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*[eE][+-]?\d+)
  | (?P<int>\d[\d_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>"""
    + "|".join(re.escape(op) for op in OPERATORS)
    + r""")
    """,
    re.VERBOSE | re.DOTALL,
)
#: More tokens than this make the template a syntax error (K-LEX-004), as in kida-templates:
#: a bound on what a runaway or hostile source costs to compile.
MAX_TOKENS: Final = 100_000
_OPENERS: Final = {"(": ")", "[": "]", "{": "}", "?[": "]"}
_STRING_ESCAPES: Final = re.compile(r"\\(.)", re.DOTALL)
_ESCAPE_CHARS: Final = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


class TokenType(Enum):
    """The kinds of token; each value is the ``Token.kind`` string. Operators are one kind,
    told apart by their value."""

    DATA = "data"
    VARIABLE_BEGIN = "var_begin"
    VARIABLE_END = "var_end"
    BLOCK_BEGIN = "block_begin"
    BLOCK_END = "block_end"
    NAME = "name"
    INTEGER = "int"
    FLOAT = "float"
    STRING = "string"
    OPERATOR = "op"
    EOF = "eof"


@dataclass(slots=True, frozen=True)
class Token:
    """One lexical unit; ``kind`` is data, var_begin/end, block_begin/end, name, int, float,
    string, op or eof (``type`` gives it as a :class:`TokenType`).

    Example::

        >>> tokenize("{{ x }}")[1]
        Token(kind='name', value='x', lineno=1, col=4)
    """

    kind: str
    value: str
    lineno: int
    col: int

    @property
    def type(self) -> TokenType:
        return TokenType(self.kind)

    @property
    def col_offset(self) -> int:
        """The 0-based column (``col`` is 1-based)."""
        return self.col - 1

    def test(self, kind: str, value: str | None = None) -> bool:
        """True if the token has this kind (and value, when given)."""
        return self.kind == kind and (value is None or self.value == value)

    def describe(self) -> str:
        """How error messages name the token."""
        if self.kind == "eof":
            return "end of template"
        if self.kind in ("var_end", "block_end", "var_begin", "block_begin"):
            return repr(self.value)
        return f"{self.kind} {self.value!r}"


@dataclass(slots=True, frozen=True)
class Delimiters:
    """The six delimiter strings, configurable per Environment."""

    block_start: str = "{%"
    block_end: str = "%}"
    variable_start: str = "{{"
    variable_end: str = "}}"
    comment_start: str = "{#"
    comment_end: str = "#}"


@dataclass(slots=True, frozen=True)
class LexerConfig(Delimiters):
    """kida-templates' lexer settings: the delimiters and the whitespace options, for
    ``Lexer(source, LexerConfig(...))`` (an Environment passes its own)."""

    trim_blocks: bool = False
    lstrip_blocks: bool = False


class Lexer:
    """Tokenizes one template source; create one per source (:func:`tokenize` does).

    ``Lexer(source, LexerConfig())`` is kida-templates' spelling of
    ``Lexer(source, None, Delimiters())``: the config brings delimiters and whitespace options.
    """

    def __init__(
        self,
        source: str,
        name: str | LexerConfig | None = None,
        delimiters: Delimiters | None = None,
        *,
        trim_blocks: bool = False,
        lstrip_blocks: bool = False,
    ) -> None:
        if isinstance(name, LexerConfig):
            delimiters, trim_blocks, lstrip_blocks = name, name.trim_blocks, name.lstrip_blocks
            name = None
        delimiters = delimiters or Delimiters()
        self.source = source
        self.name = name
        self.d = delimiters
        self.trim_blocks = trim_blocks
        self.lstrip_blocks = lstrip_blocks
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.tokens: list[Token] = []
        self._starts = re.compile(
            "|".join(
                re.escape(s)
                for s in sorted(
                    (delimiters.block_start, delimiters.variable_start, delimiters.comment_start),
                    key=len,
                    reverse=True,
                )
            )
        )

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a source offset."""
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def error(
        self,
        message: str,
        offset: int,
        hint: str | None = None,
        code: ErrorCode = ErrorCode.UNEXPECTED_TOKEN,
    ) -> TemplateSyntaxError:
        """A syntax error located at ``offset``."""
        line, col = self.position(offset)
        return TemplateSyntaxError(
            message, name=self.name, lineno=line, col=col, source=self.source, hint=hint, code=code
        )

    def _emit(self, kind: str, value: str, offset: int) -> None:
        line, col = self.position(offset)
        self.tokens.append(Token(kind, value, line, col))

    def _emit_data(self, text: str, offset: int) -> None:
        if text:
            self._emit("data", text, offset)

    def tokenize(self) -> list[Token]:
        """Split the whole source; the list always ends with an ``eof`` token."""
        src, d = self.source, self.d
        pos = 0
        pending_lstrip = False
        while True:
            match = self._starts.search(src, pos)
            if match is None:
                text = src[pos:]
                self._emit_data(text.lstrip() if pending_lstrip else text, pos)
                break
            start = match.start()
            opener = match.group()
            text = src[pos:start]
            after = match.end()
            trim_before = src.startswith("-", after)
            if trim_before:
                after += 1
            if pending_lstrip:
                skipped = len(text) - len(text.lstrip())
                text = text.lstrip()
                data_at = pos + skipped
            else:
                data_at = pos
            if trim_before:
                text = text.rstrip()
            elif self.lstrip_blocks and opener != d.variable_start:
                text = _lstrip_line(text)
            self._emit_data(text, data_at)
            if opener == d.comment_start:
                end = src.find(d.comment_end, after)
                if end < 0:
                    raise self.error(
                        "unclosed comment",
                        start,
                        hint=f"close it with {d.comment_end!r}",
                        code=ErrorCode.UNCLOSED_COMMENT,
                    )
                pending_lstrip = src[end - 1] == "-" if end > after else False
                pos = end + len(d.comment_end)
                pos = self._after_block(pos, pending_lstrip)
                continue
            is_block = opener == d.block_start
            closer = d.block_end if is_block else d.variable_end
            if is_block and self._is_raw(after):
                pos, pending_lstrip = self._lex_raw(start, after)
                continue
            self._emit("block_begin" if is_block else "var_begin", opener, start)
            pos, pending_lstrip = self._lex_expression(after, closer, start, is_block)
            if is_block:
                pos = self._after_block(pos, pending_lstrip)
            if len(self.tokens) > MAX_TOKENS:
                raise self.error(
                    f"the template has more than {MAX_TOKENS} tokens",
                    start,
                    hint="split it into smaller templates (include, import, extends)",
                    code=ErrorCode.TOKEN_LIMIT,
                )
        self._emit("eof", "", len(src))
        return self.tokens

    def _after_block(self, pos: int, trimming: bool) -> int:
        """Honour ``trim_blocks``: drop the first newline after a block tag."""
        if self.trim_blocks and not trimming and self.source.startswith("\n", pos):
            return pos + 1
        return pos

    def _is_raw(self, after: int) -> bool:
        return (
            re.match(r"\s*raw\s*-?" + re.escape(self.d.block_end), self.source[after:]) is not None
        )

    def _lex_raw(self, start: int, after: int) -> tuple[int, bool]:
        src, d = self.source, self.d
        head = re.compile(r"\s*raw\s*(-?)" + re.escape(d.block_end)).match(src, after)
        assert head is not None
        end_re = re.compile(
            re.escape(d.block_start) + r"(-?)\s*endraw\s*(-?)" + re.escape(d.block_end)
        )
        end = end_re.search(src, head.end())
        if end is None:
            raise self.error(
                "the {% raw %} block is never closed",
                start,
                hint="add {% endraw %} ({% end %} does not close raw)",
                code=ErrorCode.UNCLOSED_BLOCK,
            )
        body = src[head.end() : end.start()]
        if head.group(1):
            body = body.lstrip()
        if end.group(1):
            body = body.rstrip()
        self._emit_data(body, head.end())
        return end.end(), bool(end.group(2))

    def _lex_expression(
        self, pos: int, closer: str, start: int, is_block: bool
    ) -> tuple[int, bool]:
        """Tokens up to the matching closer; returns (offset after it, trim-next flag)."""
        src = self.source
        stack: list[tuple[str, int]] = []
        end_kind = "block_end" if is_block else "var_end"
        while True:
            if not stack:
                if src.startswith("-" + closer, pos):
                    self._emit(end_kind, closer, pos)
                    return pos + 1 + len(closer), True
                if src.startswith(closer, pos):
                    self._emit(end_kind, closer, pos)
                    return pos + len(closer), False
            if pos >= len(src):
                tag = "{% ... %}" if is_block else "{{ ... }}"
                raise self.error(
                    f"unclosed tag {tag}",
                    start,
                    hint=f"close the tag with {closer!r}",
                    code=ErrorCode.UNCLOSED_TAG if is_block else ErrorCode.UNCLOSED_VARIABLE,
                )
            match = _TOKEN_RE.match(src, pos)
            if match is None:
                raise self.error(
                    f"unexpected character {src[pos]!r}", pos, hint="remove or quote it"
                )
            kind = match.lastgroup
            value = match.group()
            assert kind is not None
            if kind == "op":
                if value in _OPENERS:
                    stack.append((_OPENERS[value], pos))
                elif value in (")", "]", "}"):
                    if not stack or stack[-1][0] != value:
                        raise self.error(f"unexpected {value!r}", pos, hint="check the brackets")
                    stack.pop()
            if kind == "string":
                self._emit("string", _unquote(value), pos)
            elif kind != "ws":
                self._emit(kind, value, pos)
            pos = match.end()


def _lstrip_line(text: str) -> str:
    """Remove spaces and tabs between the last newline and a block tag."""
    head, newline, tail = text.rpartition("\n")
    if tail.strip(" \t"):
        return text
    return head + newline


def _unquote(literal: str) -> str:
    return _STRING_ESCAPES.sub(lambda m: _ESCAPE_CHARS.get(m.group(1), m.group(1)), literal[1:-1])


def tokenize(
    source: str,
    name: str | None = None,
    delimiters: Delimiters | None = None,
    *,
    trim_blocks: bool = False,
    lstrip_blocks: bool = False,
) -> list[Token]:
    """Tokens of ``source``.

    Example::

        >>> [t.kind for t in tokenize("a{{ x }}")]
        ['data', 'var_begin', 'name', 'var_end', 'eof']
    """
    return Lexer(
        source,
        name,
        delimiters,
        trim_blocks=trim_blocks,
        lstrip_blocks=lstrip_blocks,
    ).tokenize()
