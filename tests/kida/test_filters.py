"""The built-in filters called directly, with a small stand-in for the render context."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from kida import Environment
from kida.environment.filters import DEFAULT_FILTERS, Group
from kida.environment.tests import DEFAULT_TESTS
from kida.exceptions import CoercionWarning, TemplateRuntimeError
from kida.passing import pass_kind
from kida.runtime.undefined import UNDEFINED

F = DEFAULT_FILTERS


@dataclass
class FakeEnvironment:
    filters: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_FILTERS))
    tests: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TESTS))
    autoescape: bool = True
    globals: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeContext:
    variables: dict[str, Any] = field(default_factory=dict)
    autoescape: bool = True
    name: str = "test.html"
    environment: FakeEnvironment = field(default_factory=FakeEnvironment)

    def get(self, key: str, default: Any = None) -> Any:
        return self.variables.get(key, default)


def call(name: str, *args: Any, ctx: FakeContext | None = None, **kwargs: Any) -> Any:
    """Call a filter the way the renderer does, giving context-marked ones a context."""
    func = F[name]
    if pass_kind(func) == "context":
        return func(ctx or FakeContext(), *args, **kwargs)
    return func(*args, **kwargs)


@dataclass
class User:
    name: str
    age: int | None = None
    city: str = ""
    profile: dict[str, Any] = field(default_factory=dict)


USERS = [
    User("bob", 30, "Oslo", {"score": 2}),
    User("Alice", 25, "bergen", {"score": 9}),
    User("carol", None, "Oslo", {}),
]


def test_every_documented_filter_is_registered() -> None:
    documented = {
        "abs",
        "attr",
        "batch",
        "capitalize",
        "center",
        "classes",
        "commas",
        "compact",
        "count",
        "csp_nonce",
        "d",
        "date",
        "debug",
        "decimal",
        "default",
        "dictsort",
        "e",
        "escape",
        "filesizeformat",
        "first",
        "float",
        "format",
        "format_number",
        "get",
        "groupby",
        "indent",
        "int",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "pluralize",
        "pprint",
        "random",
        "reject",
        "rejectattr",
        "replace",
        "require",
        "reverse",
        "round",
        "safe",
        "select",
        "selectattr",
        "shuffle",
        "skip",
        "slice",
        "slug",
        "sort",
        "string",
        "strip",
        "striptags",
        "sum",
        "take",
        "title",
        "tojson",
        "trim",
        "truncate",
        "typeof",
        "unique",
        "upper",
        "urlencode",
        "wordcount",
        "wordwrap",
        "xmlattr",
    }
    assert set(F) == documented


# --- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("upper", "abc", "ABC"),
        ("lower", "ABC", "abc"),
        ("capitalize", "hELLO world", "Hello world"),
        ("title", "it's a 'fine' day", "It's A 'Fine' Day"),
        ("trim", "  x  ", "x"),
        ("strip", "\tx\n", "x"),
        ("string", 42, "42"),
        ("string", None, ""),
        ("upper", None, ""),
        ("wordcount", "one two  three\nfour", 4),
        ("slug", "  Héllo, Wörld! 2026 ", "hello-world-2026"),
        ("slug", None, ""),
    ],
)
def test_simple_text_filters(name: str, value: Any, expected: Any) -> None:
    assert call(name, value) == expected


def test_text_filters_keep_markup() -> None:
    markup = Markup("<b>Hi</b> there")
    for name in ("upper", "lower", "capitalize", "title", "trim", "string", "center"):
        assert isinstance(call(name, markup), Markup), name
    assert call("upper", markup) == Markup("<B>HI</B> THERE")
    assert not isinstance(call("upper", "<b>"), Markup)


MARKUP_KEEPING = {
    "upper": (),
    "lower": (),
    "capitalize": (),
    "title": (),
    "trim": (),
    "center": (30,),
    "indent": (2, True),
    "wordwrap": (5,),
    "truncate": (8,),
    "replace": ("a", "<&>"),
    "string": (),
}


@given(st.text(alphabet="ab <>&\"'\n", max_size=40))
def test_text_filters_keep_markup_kind_and_never_inject_tags(text: str) -> None:
    safe = escape(text)  # Markup with no raw "<" in it
    for name, args in MARKUP_KEEPING.items():
        from_markup = call(name, safe, *args)
        assert isinstance(from_markup, Markup), name
        assert "<" not in from_markup, name
        assert not isinstance(call(name, text, *args), Markup), name


def test_trim_chars_and_center() -> None:
    assert call("trim", "xxhixx", "x") == "hi"
    assert call("center", "ab", 6) == "  ab  "


def test_replace_escapes_new_text_inside_markup() -> None:
    assert call("replace", "a-b-c", "-", "+") == "a+b+c"
    assert call("replace", "a-b-c", "-", "+", 1) == "a+b-c"
    result = call("replace", Markup("<i>x</i>"), "x", "<y>")
    assert result == Markup("<i>&lt;y&gt;</i>")
    assert isinstance(result, Markup)


def test_truncate() -> None:
    text = "The quick brown fox jumps"
    assert call("truncate", text, 100) == text
    assert call("truncate", text, 14) == "The quick..."
    assert call("truncate", text, 14, killwords=True) == "The quick b..."
    assert call("truncate", text, 14, end="…") == "The quick…"
    assert call("truncate", text, 20, leeway=5) == text
    assert call("truncate", "abcdef", 2) == "..."


def test_wordwrap_and_markup() -> None:
    wrapped = call("wordwrap", "aaa bbb ccc ddd", 7)
    assert wrapped == "aaa bbb\nccc ddd"
    assert call("wordwrap", "aaa bbb\nccc", 3) == "aaa\nbbb\nccc"
    assert call("wordwrap", "aaa bbb", 3, wrapstring="<br>") == "aaa<br>bbb"
    safe = call("wordwrap", Markup("<b>a</b> bbb"), 8, wrapstring="<br>")
    assert safe == Markup("<b>a</b>&lt;br&gt;bbb")
    assert isinstance(safe, Markup)


def test_indent() -> None:
    assert call("indent", "a\nb\n\nc") == "a\n    b\n\n    c"
    assert call("indent", "a\nb", 2, first=True) == "  a\n  b"
    assert call("indent", "a\n\nb\n", 1, blank=True) == "a\n \n b\n"
    assert call("indent", "a\nb", "> ") == "a\n> b"
    safe = call("indent", Markup("<p>\n</p>"), "<>")
    assert safe == Markup("<p>\n&lt;&gt;</p>")
    assert isinstance(safe, Markup)


def test_format_uses_str_format_and_explains_errors() -> None:
    assert call("format", "{} of {}", 1, 3) == "1 of 3"
    assert call("format", "{n:.2f}", n=3.14159) == "3.14"
    with pytest.raises(TemplateRuntimeError) as info:
        call("format", "{} and {}", 1)
    assert "placeholders" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("value", "suffix", "expected"),
    [
        (1, "s", ""),
        (2, "s", "s"),
        (0, "s", "s"),
        (1, "y,ies", "y"),
        (3, "y,ies", "ies"),
        ([1], "s", ""),
        ([1, 2], "s", "s"),
        ("1", "s", ""),
        ("2", "es", "es"),
        (None, "y,ies", "ies"),
    ],
)
def test_pluralize(value: Any, suffix: str, expected: str) -> None:
    assert call("pluralize", value, suffix) == expected


def test_pluralize_rejects_non_numbers() -> None:
    with pytest.raises(TemplateRuntimeError):
        call("pluralize", "many")


# --- html -------------------------------------------------------------------------------


def test_escape_and_e() -> None:
    escaped = call("escape", "<a href='x'>&</a>")
    assert escaped == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    assert isinstance(escaped, Markup)
    assert call("e", Markup("<b>")) == Markup("<b>")
    assert call("e", None) == Markup("")
    assert F["e"] is F["escape"]


def test_safe_trusts_value_and_objects_with_html() -> None:
    class Widget:
        def __html__(self) -> str:
            return "<w>"

    assert call("safe", "<b>") == Markup("<b>")
    assert isinstance(call("safe", "<b>", reason="trusted CMS"), Markup)
    assert call("safe", Widget()) == Markup("<w>")
    assert call("safe", None) == Markup("")


def test_striptags() -> None:
    result = call("striptags", "<p>Hello   <b>big</b>\n world &amp; co</p><!-- x -->")
    assert result == "Hello big world & co"
    assert not isinstance(result, Markup)  # plain text, escaped again on output


def test_urlencode() -> None:
    assert call("urlencode", "a b/c&d") == "a%20b%2Fc%26d"  # kida encodes "/" too
    assert call("urlencode", {"q": "a b", "page": 2}) == "q=a+b&page=2"
    assert call("urlencode", [("x", "1"), ("y", "&")]) == "x=1&y=%26"
    assert call("urlencode", 5) == "5"


def test_xmlattr() -> None:
    result = call("xmlattr", {"class": "a b", "title": '"<x>"', "hidden": None, "n": 1})
    assert result == Markup(' class="a b" title="&#34;&lt;x&gt;&#34;" n="1"')
    assert isinstance(result, Markup)
    assert call("xmlattr", {"id": "x"}, autospace=False) == 'id="x"'
    assert call("xmlattr", {"id": UNDEFINED}) == ""
    with pytest.raises(TemplateRuntimeError):
        call("xmlattr", {'onclick="x" y': 1})


def test_tojson_is_safe_in_script_and_attributes() -> None:
    result = call("tojson", {"a": "</script><b>&'"})
    assert result == Markup('{"a": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027"}')
    assert isinstance(result, Markup)
    assert call("tojson", [1, 2], indent=2) == "[\n  1,\n  2\n]"
    assert call("tojson", {"d": date(2026, 1, 2)}) == '{"d": "2026-01-02"}'


def test_classes() -> None:
    assert call("classes", ["btn", None, "", False, "primary"]) == "btn primary"
    assert call("classes", {"active": True, "hidden": False, "x": 1}) == "active x"
    assert call("classes", ["a", ["b", None], {"c": True}, "a"]) == "a b c"
    assert call("classes", []) == ""


def test_csp_nonce_from_argument_context_or_request() -> None:
    html = Markup('<script>go()</script><style>p{}</style><script nonce="old"></script>')
    injected = call("csp_nonce", html, "n1")
    assert injected == Markup(
        '<script nonce="n1">go()</script><style nonce="n1">p{}</style><script nonce="old"></script>'
    )
    assert isinstance(injected, Markup)

    class Request:
        csp_nonce = "from-request"

    from_ctx = call("csp_nonce", Markup("<script>"), ctx=FakeContext({"csp_nonce": "c"}))
    assert from_ctx == '<script nonce="c">'
    from_request = call("csp_nonce", None, ctx=FakeContext({"request": Request()}))
    assert from_request == "from-request"
    assert call("csp_nonce", Markup("<script>")) == Markup("<script>")
    assert call("csp_nonce", None, '"><x') == "&#34;&gt;&lt;x"


def test_join_escapes_when_autoescaping() -> None:
    items = ["<a>", Markup("<b>"), None, 3]
    joined = call("join", items, Markup("<br>"))
    assert joined == Markup("&lt;a&gt;<br><b><br><br>3")
    assert isinstance(joined, Markup)
    assert call("join", ["a", "b"], "&") == Markup("a&amp;b")
    plain = call("join", ["<a>", "b"], ", ", ctx=FakeContext(autoescape=False))
    assert plain == "<a>, b"
    assert not isinstance(plain, Markup)
    assert call("join", USERS, ",", attribute="name") == "bob,Alice,carol"


# --- numbers ----------------------------------------------------------------------------


def test_number_conversions() -> None:
    assert call("abs", -3) == 3
    assert call("int", "42") == 42
    assert call("int", "4.7") == 4
    assert call("int", "1A", base=16) == 26
    assert call("float", "2.5") == 2.5
    # Not numbers: the default, with a CoercionWarning (strict=true makes them errors).
    with pytest.warns(CoercionWarning, match="int: str 'x' is not a number, gave 7"):
        assert call("int", "x", 7) == 7
    with pytest.warns(CoercionWarning, match="int: NoneType None is not a number, gave 0"):
        assert call("int", None) == 0
    with pytest.warns(CoercionWarning, match="float: str 'x' is not a number, gave 0.0"):
        assert call("float", "x") == 0.0
    with pytest.warns(CoercionWarning, match="float: NoneType None is not a number, gave 1.5"):
        assert call("float", None, 1.5) == 1.5


def test_round() -> None:
    assert call("round", 2.5) == 2.0  # kida rounds like Python: halves to even
    assert call("round", 3.5) == 4.0
    assert call("round", -2.5) == -2.0
    assert call("round", 3.14159, 2) == 3.14
    assert call("round", 3.141, 1, "ceil") == 3.2
    assert call("round", 3.19, 1, "floor") == 3.1
    with pytest.raises(TemplateRuntimeError):
        call("round", 1, 0, "bankers")


def test_thousands_and_decimals() -> None:
    assert call("commas", 1234567) == "1,234,567"
    assert call("commas", "1234567.9") == "1,234,568"
    assert call("format_number", 1234567.891, 2) == "1,234,567.89"
    assert call("format_number", -1234) == "-1,234"
    assert call("decimal", 3.14159) == "3.14"
    assert call("decimal", 2.675, 2) == "2.68"
    assert call("decimal", "7", 1) == "7.0"
    assert call("decimal", 5, 0) == "5"
    with pytest.raises(TemplateRuntimeError):
        call("format_number", "lots", strict=True)
    with pytest.raises(TemplateRuntimeError):
        call("decimal", None, strict=True)


@pytest.mark.parametrize(
    ("value", "binary", "expected"),
    [
        (0, False, "0 Bytes"),
        (1, False, "1 Byte"),
        (999, False, "999 Bytes"),
        (1000, False, "1.0 kB"),
        (13_000, False, "13.0 kB"),
        (13_000, True, "12.7 KiB"),
        (5 * 1024**3, True, "5.0 GiB"),
        (2_500_000, False, "2.5 MB"),
        (10**30, False, "1000000.0 YB"),
    ],
)
def test_filesizeformat(value: int, binary: bool, expected: str) -> None:
    assert call("filesizeformat", value, binary) == expected


# --- sequences --------------------------------------------------------------------------


def test_first_last_length() -> None:
    assert call("first", [1, 2, 3]) == 1
    assert call("first", []) is UNDEFINED
    assert call("last", [1, 2, 3]) == 3
    assert call("last", iter([1, 2])) == 2
    assert call("last", "") is UNDEFINED
    assert call("length", [1, 2]) == 2
    assert call("count", (x for x in range(5))) == 5
    assert call("length", UNDEFINED) == 0
    assert call("length", None) == 0


def test_list_reverse_take_skip_compact() -> None:
    assert call("list", "ab") == ["a", "b"]
    assert call("list", range(3)) == [0, 1, 2]
    assert call("reverse", "abc") == "cba"
    assert call("reverse", [1, 2, 3]) == [3, 2, 1]
    assert call("reverse", iter((1, 2))) == [2, 1]
    assert call("take", range(10), 3) == [0, 1, 2]
    assert call("take", [1], 5) == [1]
    assert call("take", [1, 2], -1) == []
    assert call("skip", range(5), 3) == [3, 4]
    assert call("skip", [1], 5) == []
    assert call("compact", [0, 1, None, "", "a", [], False]) == [1, "a"]


def test_batch_and_slice() -> None:
    assert call("batch", range(5), 2) == [[0, 1], [2, 3], [4]]
    assert call("batch", range(5), 2, "-") == [[0, 1], [2, 3], [4, "-"]]
    assert call("slice", range(7), 3) == [[0, 3, 6], [1, 4], [2, 5]]  # kida deals round-robin
    assert call("slice", range(7), 3, 0) == [[0, 3, 6], [1, 4, 0], [2, 5, 0]]
    assert call("slice", [], 2) == [[], []]


def test_sort() -> None:
    assert call("sort", ["b", "C", "a"]) == ["a", "b", "C"]
    assert call("sort", ["b", "C", "a"], case_sensitive=True) == ["C", "a", "b"]
    assert call("sort", [3, 1, 2], reverse=True) == [3, 2, 1]
    by_age = call("sort", USERS, attribute="age")
    assert [u.name for u in by_age] == ["Alice", "bob", "carol"]  # None sorts last
    by_name = call("sort", USERS, attribute="name")
    assert [u.name for u in by_name] == ["Alice", "bob", "carol"]
    by_score = call("sort", USERS, attribute="profile.score")
    assert [u.name for u in by_score] == ["bob", "Alice", "carol"]
    rows = [{"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 0, "b": 5}]
    assert call("sort", rows, attribute="a,b") == [rows[2], rows[1], rows[0]]
    assert call("sort", [[2, "x"], [1, "y"]], attribute="0") == [[1, "y"], [2, "x"]]


def test_dictsort() -> None:
    data = {"b": 1, "A": 3, "c": 2}
    assert call("dictsort", data) == [("A", 3), ("b", 1), ("c", 2)]
    assert call("dictsort", data, case_sensitive=True)[0] == ("A", 3)
    assert call("dictsort", data, by="value") == [("b", 1), ("c", 2), ("A", 3)]
    assert call("dictsort", data, reverse=True)[0] == ("c", 2)


def test_unique_min_max_sum() -> None:
    assert call("unique", ["a", "A", "b", "a"]) == ["a", "b"]
    assert call("unique", ["a", "A"], case_sensitive=True) == ["a", "A"]
    assert call("unique", [{"a": 1}, {"a": 1}, [2], 3, [2]]) == [{"a": 1}, [2], 3]
    assert [u.city for u in call("unique", USERS, attribute="city")] == ["Oslo", "bergen"]
    assert call("min", ["b", "A", "c"]) == "A"
    assert call("max", ["b", "A", "c"]) == "c"
    assert call("max", ["b", "A", "c"], case_sensitive=True) == "c"
    assert call("min", []) is UNDEFINED
    assert call("min", USERS, attribute="age").name == "Alice"  # None skipped
    assert call("max", USERS, attribute="profile.score").name == "Alice"
    assert call("sum", [1, 2, 3]) == 6
    assert call("sum", [1, 2], start=10) == 13
    assert call("sum", USERS, attribute="profile.score") == 11


def test_groupby() -> None:
    groups = call("groupby", USERS, "city")
    assert [(g.grouper, [u.name for u in g.list]) for g in groups] == [
        ("bergen", ["Alice"]),
        ("Oslo", ["bob", "carol"]),
    ]
    assert isinstance(groups[0], Group)
    grouper, members = groups[1]
    assert grouper == "Oslo"
    assert len(members) == 2
    rows = [{"k": "a"}, {"k": "A"}, {}]
    folded = call("groupby", rows, "k", default="none")
    assert [(g.grouper, len(g.list)) for g in folded] == [("a", 2), ("none", 1)]
    exact = call("groupby", rows, "k", case_sensitive=True)
    assert [g.grouper for g in exact] == ["A", "a", None]


def test_random_and_shuffle() -> None:
    items = list(range(20))
    assert call("random", items) in items
    shuffled = call("shuffle", items)
    assert sorted(shuffled) == items
    assert shuffled is not items
    assert items == list(range(20))


# --- selection --------------------------------------------------------------------------


def test_map() -> None:
    assert call("map", ["a", "b"], "upper") == ["A", "B"]
    assert call("map", [1.26, 2.5], "round", 1) == [1.3, 2.5]
    assert call("map", USERS, attribute="name") == ["bob", "Alice", "carol"]
    ages = call("map", USERS, attribute="age", default=0)
    assert ages == [30, 25, None]  # None is a value, only a missing attribute defaults
    assert call("map", USERS, attribute="profile.score", default=0) == [2, 9, 0]
    assert call("map", [["<"]], "join") == [Markup("&lt;")]  # context passed through
    assert call("map", [" a ", "b "], "rstrip") == [" a", "b"]  # no such filter: the method
    assert call("map", [" a "], "strip", " a") == [""]
    with pytest.raises(TemplateRuntimeError) as info:
        call("map", ["x"], "uper")
    assert "upper" in (info.value.hint or "")
    with pytest.raises(TemplateRuntimeError):
        call("map", [1])


def test_map_uses_the_environment_registry() -> None:
    ctx = FakeContext()
    ctx.environment.filters["double"] = lambda x: x * 2
    assert call("map", [1, 2], "double", ctx=ctx) == [2, 4]


def test_select_and_reject() -> None:
    numbers = list(range(6))
    assert call("select", numbers, "odd") == [1, 3, 5]
    assert call("reject", numbers, "odd") == [0, 2, 4]
    assert call("select", numbers, "gt", 3) == [4, 5]
    assert call("select", [0, 1, "", "a", None]) == [1, "a"]
    assert call("reject", [0, 1, "", "a"]) == [0, ""]
    with pytest.raises(TemplateRuntimeError):
        call("select", numbers, "prime")


def test_selectattr_and_rejectattr() -> None:
    assert [u.name for u in call("selectattr", USERS, "age")] == ["bob", "Alice"]
    assert [u.name for u in call("rejectattr", USERS, "age")] == ["carol"]
    adults = call("selectattr", USERS[:2], "age", "ge", 26)
    assert [u.name for u in adults] == ["bob"]
    scored = call("selectattr", USERS, "profile.score", "defined")
    assert [u.name for u in scored] == ["bob", "Alice"]
    osloites = call("rejectattr", USERS, "city", "eq", "Oslo")
    assert [u.name for u in osloites] == ["Alice"]


# --- values -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [UNDEFINED, None, ""])
def test_default_treats_undefined_none_and_empty_as_missing(missing: Any) -> None:
    assert call("default", missing, "fallback") == "fallback"
    assert call("d", missing, "fallback") == "fallback"
    assert call("default", missing) == ""


def test_default_fallback_keyword_is_kidas_default_or_jinjas_default_value() -> None:
    assert call("default", None, default="kida") == "kida"
    assert call("default", None, default_value="jinja") == "jinja"
    assert call("default", 0, default="x", boolean=True) == "x"
    assert Environment().from_string("{{ x | default(default='d') }}").render(x=None) == "d"


def test_default_keeps_falsy_values_unless_boolean() -> None:
    assert call("default", 0, "x") == 0
    assert call("default", [], "x") == []
    assert call("default", False, "x") is False
    assert call("default", 0, "x", boolean=True) == "x"
    assert call("default", "v", "x") == "v"


def test_attr_and_get() -> None:
    user = USERS[0]
    assert call("attr", user, "name") == "bob"
    assert call("attr", {"name": "x"}, "name") is UNDEFINED  # attribute only, never a key
    data = {"items": 3, "a": {"b": 4}}
    assert call("get", data, "items") == 3  # the key, not dict.items
    assert call("get", data, "missing", 9) == 9
    assert call("get", data, "keys") is None  # a mapping is read by key only
    assert call("get", data, "a.b") == 4
    assert call("get", user, "city") == "Oslo"
    assert call("get", user, "nope") is None
    assert call("get", None, "x", "d") == "d"
    assert call("get", [10, 20], 1) == 20


def test_require() -> None:
    assert call("require", 0) == 0
    assert call("require", "x") == "x"
    with pytest.raises(TemplateRuntimeError, match="need an email"):
        call("require", None, "need an email")
    with pytest.raises(TemplateRuntimeError) as info:
        call("require", UNDEFINED, field_name="email")
    assert "'email'" in info.value.message
    assert info.value.hint


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "bool"),
        (1, "int"),
        (1.5, "float"),
        ("s", "str"),
        (Markup("m"), "str"),
        ([1], "list"),
        ((1,), "tuple"),
        ({}, "dict"),
        (None, "none"),
        (UNDEFINED, "undefined"),
        (PurePosixPath("/x"), "path"),
        (USERS[0], "User"),
    ],
)
def test_typeof(value: Any, expected: str) -> None:
    assert call("typeof", value) == expected


def test_pprint_and_debug(capsys: pytest.CaptureFixture[str]) -> None:
    assert call("pprint", {"a": [1, 2]}) == "{'a': [1, 2]}"
    value = [1, 2]
    assert call("debug", value, "items") is value
    assert "items: list [1, 2]" in capsys.readouterr().err


def test_date() -> None:
    moment = datetime(2026, 11, 22, 7, 30)
    assert call("date", moment) == "2026-11-22"
    assert call("date", moment, "%d %b %Y %H:%M") == "22 Nov 2026 07:30"
    assert call("date", date(2026, 1, 2), "%d/%m") == "02/01"
    assert call("date", "2026-11-22T07:30:00Z", "%H:%M %Z") == "07:30 UTC"
    assert call("date", None) == ""
    assert call("date", UNDEFINED) == ""
    with pytest.raises(TemplateRuntimeError):
        call("date", "yesterday")
    with pytest.raises(TemplateRuntimeError):
        call("date", [12345])


# --- through the engine -----------------------------------------------------------------


def render(source: str, **context: Any) -> str:
    from kida import Environment

    return str(Environment(autoescape=True).from_string(source).render(**context))


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ x|upper }}", {"x": "<a>"}, "&lt;A&gt;"),
        ('{{ items|join(", ") }}', {"items": ["<a>", Markup("<b>")]}, "&lt;a&gt;, <b>"),
        ('{{ missing|default("d") }}/{{ none|d("n") }}/{{ 0|default(1) }}', {}, "d/n/0"),
        ('{{ user.nick|default("anon") }}', {"user": {"name": "x"}}, "anon"),
        ('{{ users|map(attribute="name")|join(",") }}', {"users": USERS}, "bob,Alice,carol"),
        ('{{ xs|map("upper")|join }}', {"xs": ["a", "b"]}, "AB"),
        ('{{ xs|select("odd")|join(",") }}', {"xs": [1, 2, 3]}, "1,3"),
        (
            '{{ xs|selectattr("a", "gt", 1)|map(attribute="a")|join }}',
            {"xs": [{"a": 1}, {"a": 2}]},
            "2",
        ),
        (
            '{% for city, people in users|groupby("city") %}{{ city }}={{ people|length }};'
            "{% end %}",
            {"users": USERS},
            "bergen=1;Oslo=2;",
        ),
        (
            '{% for g in users|groupby("city") %}{{ g.grouper }} {% end %}',
            {"users": USERS},
            "bergen Oslo ",
        ),
        (
            '{{ "<script>x</script>"|safe|csp_nonce }}',
            {"csp_nonce": "n"},
            '<script nonce="n">x</script>',
        ),
        ('{{ {"class": "a", "id": none}|xmlattr }}', {}, ' class="a"'),
        ("{{ data|tojson }}", {"data": {"a": "</script>"}}, '{"a": "\\u003c/script\\u003e"}'),
        ("{{ 1234567|commas }} {{ 3|pluralize }} {{ 1|pluralize('y,ies') }}", {}, "1,234,567 s y"),
        ("{{ s|indent(2) }}", {"s": Markup("<p>\n</p>")}, "<p>\n  </p>"),
        ('{{ ["a", none, "b"]|classes }}', {}, "a b"),
        ("{{ items|take(2)|join }}-{{ items|skip(2)|join }}", {"items": [1, 2, 3]}, "12-3"),
        ('{{ "Hello World"|slug }} {{ x|typeof }}', {"x": 1.5}, "hello-world float"),
    ],
)
def test_filters_in_templates(source: str, context: dict[str, Any], expected: str) -> None:
    assert render(source, **context) == expected


def test_require_in_a_template_names_the_line() -> None:
    with pytest.raises(TemplateRuntimeError) as info:
        render("\n{{ x|require }}", x=None)
    assert info.value.lineno == 2
    assert info.value.hint
