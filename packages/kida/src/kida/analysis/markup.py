"""The literal HTML tags of a template, read from its text as written.

Adjacent text and ``{{ }}`` outputs of one statement list are read as one run, an output
standing for a placeholder, so ``<img src="{{ url }}">`` is still seen as an ``<img>`` with a
``src`` whose value is dynamic. A tag with an output where an attribute name would be
(``<input {{ attrs }}>``) has ``open_attributes``: what it really carries is unknown. Control
flow breaks a run, so a tag cut in two by ``{% if %}`` is not seen. Comments are skipped.
"""

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields

from kida import nodes as n

#: Stands for one ``{{ }}`` output inside a run of text (U+FFFC, the object replacement char).
PLACEHOLDER = "\ufffc"

_TAG = re.compile(
    r"<!--.*?-->"
    r"|<(?P<tag>[A-Za-z][\w:.-]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"(?P<name>[^\s\"'<>/=\ufffc]+)"
    r"(?:\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'=<>`]+)))?"
)


@dataclass(frozen=True, slots=True)
class TagAttribute:
    """One attribute as written: ``value`` None when it has none (``disabled``) or when an
    output makes it ``dynamic``; ``lineno`` 1-based, ``col_offset`` 0-based."""

    name: str
    value: str | None
    dynamic: bool
    lineno: int
    col_offset: int


@dataclass(frozen=True, slots=True)
class StaticTag:
    """An opening tag found in the template's text (``name`` lower-cased)."""

    name: str
    attributes: tuple[TagAttribute, ...]
    #: An output stands where attribute names are: the tag may carry any attribute.
    open_attributes: bool
    lineno: int
    col_offset: int

    def get(self, name: str) -> TagAttribute | None:
        """The attribute ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((a for a in self.attributes if a.name.lower() == lowered), None)

    def has(self, name: str) -> bool:
        """Whether the tag carries ``name``, or may (``open_attributes``)."""
        return self.open_attributes or self.get(name) is not None


class _Run:
    """Text of adjacent statements with, for each piece, where it starts in the template."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[tuple[int, int, int, bool]] = []  # offset, line, col, is_text
        self.length = 0

    def add(self, text: str, node: n.Node, is_text: bool) -> None:
        self.starts.append((self.length, node.lineno, node.col, is_text))
        self.parts.append(text)
        self.length += len(text)

    def position(self, text: str, offset: int) -> tuple[int, int]:
        """1-based line and 0-based column of ``offset`` in the run's ``text``."""
        index = bisect.bisect_right(self.starts, offset, key=lambda start: start[0]) - 1
        start, line, col, is_text = self.starts[index]
        if not is_text:
            return line, col - 1
        before = text[start:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return line, col - 1 + len(before)
        return line + newlines, len(before) - before.rfind("\n") - 1


def _tags(run: _Run) -> Iterator[StaticTag]:
    text = "".join(run.parts)
    for match in _TAG.finditer(text):
        tag = match.group("tag")
        if tag is None:
            continue
        attrs = match.group("attrs")
        base = match.start("attrs")
        found: list[TagAttribute] = []
        outside = list(attrs)
        for attr in _ATTRIBUTE.finditer(attrs):
            raw = next((v for v in attr.group("dq", "sq", "bare") if v is not None), None)
            dynamic = raw is not None and PLACEHOLDER in raw
            line, col = run.position(text, base + attr.start("name"))
            name = attr.group("name")
            found.append(TagAttribute(name, None if dynamic else raw, dynamic, line, col))
            outside[attr.start() : attr.end()] = [" "] * (attr.end() - attr.start())
        line, col = run.position(text, match.start())
        yield StaticTag(tag.lower(), tuple(found), PLACEHOLDER in outside, line, col)


def _statement_lists(node: n.Node) -> Iterator[list[n.Stmt]]:
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, list) and value and isinstance(value[0], n.Stmt):
            yield value


def _runs(body: list[n.Stmt]) -> Iterator[_Run]:
    run = _Run()
    for stmt in body:
        if isinstance(stmt, n.Data):
            run.add(stmt.text, stmt, True)
        elif isinstance(stmt, n.Output):
            run.add(PLACEHOLDER, stmt, False)
        elif run.parts:
            yield run
            run = _Run()
    if run.parts:
        yield run


def static_tags(tree: n.Node) -> list[StaticTag]:
    """Every literal opening tag of the tree, in source order (both branches of an ``if``
    included, one after the other)."""
    found = [
        tag
        for node in tree.walk()
        for body in _statement_lists(node)
        for run in _runs(body)
        for tag in _tags(run)
    ]
    return sorted(found, key=lambda tag: (tag.lineno, tag.col_offset))
