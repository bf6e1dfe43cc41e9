"""The built-in filters, registered by ``Environment`` as ``env.filters = dict(DEFAULT_FILTERS)``.

Modules group them by what they work on: ``text``, ``html``, ``numbers``, ``sequences``,
``selection`` (filters that call other filters/tests by name) and ``values``. Functions that
need the render context or environment carry the markers from :mod:`kida.passing`.
"""

from collections.abc import Callable
from typing import Any

from kida.environment.filters import html, numbers, selection, sequences, text, values
from kida.environment.filters.sequences import Group
from kida.runtime import escaping

DEFAULT_FILTERS: dict[str, Callable[..., Any]] = {
    # text
    "capitalize": text.do_capitalize,
    "center": text.do_center,
    "format": text.do_format,
    "indent": text.do_indent,
    "lower": text.do_lower,
    "pluralize": text.do_pluralize,
    "replace": text.do_replace,
    "slug": text.do_slug,
    "string": text.do_string,
    "strip": text.do_trim,
    "title": text.do_title,
    "trim": text.do_trim,
    "truncate": text.do_truncate,
    "upper": text.do_upper,
    "wordcount": text.do_wordcount,
    "wordwrap": text.do_wordwrap,
    # html
    "classes": html.do_classes,
    "csp_nonce": html.do_csp_nonce,
    "e": escaping.escape_filter,
    "escape": escaping.escape_filter,
    "safe": escaping.safe_filter,
    "striptags": html.do_striptags,
    "tojson": html.do_tojson,
    "urlencode": html.do_urlencode,
    "xmlattr": html.do_xmlattr,
    # numbers
    "abs": numbers.do_abs,
    "commas": numbers.do_commas,
    "decimal": numbers.do_decimal,
    "filesizeformat": numbers.do_filesizeformat,
    "float": numbers.do_float,
    "format_number": numbers.do_format_number,
    "int": numbers.do_int,
    "round": numbers.do_round,
    # sequences
    "batch": sequences.do_batch,
    "compact": sequences.do_compact,
    "count": sequences.do_length,
    "dictsort": sequences.do_dictsort,
    "first": sequences.do_first,
    "groupby": sequences.do_groupby,
    "join": sequences.do_join,
    "last": sequences.do_last,
    "length": sequences.do_length,
    "list": sequences.do_list,
    "max": sequences.do_max,
    "min": sequences.do_min,
    "random": sequences.do_random,
    "reverse": sequences.do_reverse,
    "shuffle": sequences.do_shuffle,
    "skip": sequences.do_skip,
    "slice": sequences.do_slice,
    "sort": sequences.do_sort,
    "sum": sequences.do_sum,
    "take": sequences.do_take,
    "unique": sequences.do_unique,
    # selection
    "map": selection.do_map,
    "reject": selection.do_reject,
    "rejectattr": selection.do_rejectattr,
    "select": selection.do_select,
    "selectattr": selection.do_selectattr,
    # values
    "attr": values.do_attr,
    "d": values.do_default,
    "date": values.do_date,
    "debug": values.do_debug,
    "default": values.do_default,
    "get": values.do_get,
    "pprint": values.do_pprint,
    "require": values.do_require,
    "typeof": values.do_typeof,
}

__all__ = ["DEFAULT_FILTERS", "Group"]
