"""Filters over collections: picking, slicing, ordering, grouping, aggregating, joining.

Attribute arguments are dotted paths (``attribute="author.name"``); ``case_sensitive=False``
(the default, as in Jinja2) compares strings case-folded but returns the original items.
"""

import random as _random
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby as _groupby
from itertools import islice
from typing import Any, NamedTuple

from markupsafe import escape

from kida.environment.filters.attributes import attribute_getter
from kida.environment.filters.text import text_of
from kida.exceptions import NoneComparisonError, TemplateRuntimeError
from kida.passing import pass_context
from kida.runtime.undefined import UNDEFINED


def _ordering_key(key: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap ``key`` so missing values (None, undefined) sort after everything else
    instead of raising ``TypeError`` on comparison."""

    def ordered(item: Any) -> Any:
        value = key(item)
        if isinstance(value, tuple):
            return tuple((part is None or part is UNDEFINED, part) for part in value)
        missing = value is None or value is UNDEFINED
        return (missing, None if missing else value)

    return ordered


def items_of(value: Any, filter_name: str) -> Iterable[Any]:
    """What a sequence filter iterates: ``None`` counts as empty (kida's None-resilience, so
    ``missing_list|take(3)`` is ``[]``); a value that cannot be iterated is a clear error."""
    if value is None:
        return ()
    try:
        iter(value)
    except TypeError:
        raise TemplateRuntimeError(
            f"{filter_name} needs a sequence, got {type(value).__name__}: {value!r}",
            hint=f"give a list or other iterable, e.g. x|default([])|{filter_name}",
        ) from None
    return value  # type: ignore[no-any-return]


def do_first(value: Iterable[Any]) -> Any:
    """The first item, or undefined when empty or None (so ``|first|default("…")`` works)."""
    return next(iter(items_of(value, "first")), UNDEFINED)


def do_last(value: Iterable[Any]) -> Any:
    """The last item, or undefined when empty or None; iterators are consumed."""
    if not isinstance(value, list | tuple | str):
        value = list(items_of(value, "last"))
    return value[-1] if value else UNDEFINED


def do_length(value: Any) -> int:
    """Number of items; ``None`` has none; iterators without ``len`` are counted (and
    consumed)."""
    if value is None:
        return 0
    try:
        return len(value)
    except TypeError:
        return sum(1 for _ in value)


def do_list(value: Any) -> list[Any]:
    """A list of the items; a string gives its characters, a mapping its keys."""
    return list(value)


def do_reverse(value: Any) -> Any:
    """A reversed string, or the items in reverse order as a list."""
    if isinstance(value, str):
        return value[::-1]
    try:
        return list(reversed(value))
    except TypeError:
        return list(value)[::-1]


def do_take(value: Iterable[Any], count: int) -> list[Any]:
    """The first ``count`` items: ``posts|take(3)``; none of None."""
    return list(islice(items_of(value, "take"), max(count, 0)))


def do_skip(value: Iterable[Any], count: int) -> list[Any]:
    """Everything after the first ``count`` items: ``posts|skip(3)``; none of None."""
    return list(islice(items_of(value, "skip"), max(count, 0), None))


def do_compact(value: Iterable[Any], *, truthy: bool = True) -> list[Any]:
    """Drop falsy items: ``[a, none, "", 0, b]|compact`` → ``[a, b]``; with ``truthy=false``
    only ``None`` (and undefined) goes, keeping ``0``, ``""`` and ``False``. None gives []."""
    items = items_of(value, "compact")
    if truthy:
        return [item for item in items if item]
    return [item for item in items if item is not None and item is not UNDEFINED]


def do_batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> list[list[Any]]:
    """Chunks of ``linecount`` items (rows of a grid); the last is padded when ``fill_with``."""
    iterator = iter(value)
    chunks = []
    while chunk := list(islice(iterator, linecount)):
        if fill_with is not None and len(chunk) < linecount:
            chunk.extend([fill_with] * (linecount - len(chunk)))
        chunks.append(chunk)
    return chunks


def do_slice(value: Iterable[Any], slices: int, fill_with: Any = None) -> list[list[Any]]:
    """Deal the items round-robin into ``slices`` columns (kida's order: item i goes to column
    i % slices); ``fill_with`` pads the shorter columns."""
    columns: list[list[Any]] = [[] for _ in range(slices)]
    for index, item in enumerate(value):
        columns[index % slices].append(item)
    if fill_with is not None and columns:
        longest = len(columns[0])
        for column in columns:
            column.extend([fill_with] * (longest - len(column)))
    return columns


def do_sort(
    value: Iterable[Any],
    reverse: bool = False,
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> list[Any]:
    """Sorted copy; ``attribute="last,first"`` sorts on several keys; None sorts last."""
    key = attribute_getter(attribute, fold_case=not case_sensitive)
    return sorted(items_of(value, "sort"), key=_ordering_key(key), reverse=reverse)


def do_sort_strict(
    value: Iterable[Any],
    reverse: bool = False,
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> list[Any]:
    """``sort`` of ``Environment(strict_none=True)``: a None (or missing) sort key is an error
    naming the item, not something sorted last."""
    items = list(items_of(value, "sort"))
    key = attribute_getter(attribute, fold_case=not case_sensitive)
    for index, item in enumerate(items):
        parts = key(item)
        for part in parts if isinstance(parts, tuple) else (parts,):
            if part is None or part is UNDEFINED:
                by = f" by {attribute!r}" if attribute is not None else ""
                raise NoneComparisonError(
                    f"sort: item {index} ({item!r}) has no value to sort{by}",
                    hint="filter the Nones out first, or give them a | default(...)",
                )
    return sorted(items, key=key, reverse=reverse)


def do_dictsort(
    value: Mapping[Any, Any],
    case_sensitive: bool = False,
    by: str = "key",
    reverse: bool = False,
) -> list[tuple[Any, Any]]:
    """A mapping's ``(key, value)`` pairs sorted by key or, with ``by="value"``, by value."""
    position = {"key": 0, "value": 1}[by]
    key = attribute_getter(position, fold_case=not case_sensitive)
    return sorted(value.items(), key=_ordering_key(key), reverse=reverse)


def do_unique(
    value: Iterable[Any], case_sensitive: bool = False, attribute: str | int | None = None
) -> list[Any]:
    """Items in first-seen order without repeats (compared by ``attribute`` when given).

    Unhashable markers (dicts, lists) are compared by equality, slower but not an error.
    """
    key = attribute_getter(attribute, fold_case=not case_sensitive)
    hashable_seen: set[Any] = set()
    other_seen: list[Any] = []
    unique = []
    for item in value:
        marker = key(item)
        try:
            if marker in hashable_seen:
                continue
            hashable_seen.add(marker)
        except TypeError:
            if marker in other_seen:
                continue
            other_seen.append(marker)
        unique.append(item)
    return unique


def _extreme(
    pick: Callable[..., Any],
    value: Iterable[Any],
    case_sensitive: bool,
    attribute: str | int | None,
) -> Any:
    key = attribute_getter(attribute, fold_case=not case_sensitive)
    present = [
        item for item in value if (found := key(item)) is not None and found is not UNDEFINED
    ]
    return pick(present, key=key, default=UNDEFINED)


def do_min(
    value: Iterable[Any], case_sensitive: bool = False, attribute: str | int | None = None
) -> Any:
    """Smallest item, skipping missing values (undefined when none is left)."""
    return _extreme(min, value, case_sensitive, attribute)


def do_max(
    value: Iterable[Any], case_sensitive: bool = False, attribute: str | int | None = None
) -> Any:
    """Largest item, skipping missing values (undefined when none is left)."""
    return _extreme(max, value, case_sensitive, attribute)


def do_sum(value: Iterable[Any], attribute: str | int | None = None, start: Any = 0) -> Any:
    """Total of the items, or of one attribute of each: ``cart|sum(attribute="price")``."""
    if attribute is not None:
        value = map(attribute_getter(attribute, default=0), value)
    return sum(value, start)


class Group(NamedTuple):
    """One ``groupby`` result: ``{% for city, people in users|groupby("city") %}`` unpacks it."""

    grouper: Any
    list: list[Any]


def do_groupby(
    value: Iterable[Any],
    attribute: str | int,
    default: Any = None,
    case_sensitive: bool = False,
) -> list[Group]:
    """Group items sharing ``attribute``, groups sorted by it; missing values use ``default``."""
    compare = attribute_getter(attribute, default=default, fold_case=not case_sensitive)
    show = attribute_getter(attribute, default=default)
    ordered = sorted(value, key=_ordering_key(compare))
    groups = []
    for _, members in _groupby(ordered, key=compare):
        items = list(members)
        groups.append(Group(show(items[0]), items))
    return groups


def do_random(value: Any) -> Any:
    """One item at random (not for anything security related); undefined when empty."""
    items = list(items_of(value, "random"))
    return _random.choice(items) if items else UNDEFINED


def do_shuffle(value: Iterable[Any]) -> list[Any]:
    """The items in random order, as a new list."""
    items = list(value)
    _random.shuffle(items)
    return items


@pass_context
def do_join(ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    """Join items with ``d``; when autoescaping, each item and ``d`` are escaped unless safe,
    and the result is ``Markup`` (so ``<br>``|safe as separator stays a tag)."""
    if value is None:
        return ""
    if attribute is not None:
        value = map(attribute_getter(attribute, default=""), value)
    pieces = map(text_of, value)
    if ctx.autoescape:
        return escape(text_of(d)).join(pieces)
    return text_of(d).join(pieces)
