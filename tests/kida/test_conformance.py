"""kida-language.md, construct by construct: each renders with render(), render_stream() and
render_async() alike, with the semantics the language document states; then the errors of
typical mistakes (name, line, column, excerpt with caret, hint)."""

import asyncio
from datetime import date
from typing import Any

import pytest

from kida import (
    DictLoader,
    Environment,
    TemplateNotFoundError,
    TemplateSyntaxError,
    UndefinedError,
)
from tests.kida.conftest import render_all

# (id, source, context, expected output)
CONSTRUCTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("trim-inside", "{{-5}}", {}, "5"),
    ("trim-left", "a  {{- 5 }}", {}, "a5"),
    ("trim-right", "{{ 5 -}}  b", {}, "5b"),
    ("comment", "a{# hidden #}b", {}, "ab"),
    ("end-closes-anything", "{% if 1 %}a{% end %}{% for x in [1] %}{{ x }}{% end %}", {}, "a1"),
    ("named-closers", "{% if 1 %}a{% endif %}{% for x in [1] %}{{ x }}{% endfor %}", {}, "a1"),
    ("raw", "{% raw %}{{ x }}{% end %}{% endraw %}", {}, "{{ x }}{% end %}"),
    ("if-elif-else", "{% if x > 1 %}a{% elif x == 1 %}b{% else %}c{% end %}", {"x": 1}, "b"),
    ("unless", "{% unless x %}no{% else %}yes{% end %}", {"x": 0}, "no"),
    (
        "for-unpack-if",
        "{% for a, b in xs if a %}{{ a }}{{ b }};{% end %}",
        {"xs": [(1, 2), (0, 3), (4, 5)]},
        "12;45;",
    ),
    ("for-empty", "{% for x in xs %}{{ x }}{% empty %}none{% end %}", {"xs": []}, "none"),
    ("for-else", "{% for x in xs %}{{ x }}{% else %}none{% end %}", {"xs": []}, "none"),
    (
        "while-break-continue",
        "{% let i = 0 %}{% while i < 10 %}{% let i = i + 1 %}{% if i == 2 %}"
        "{% continue %}{% end %}{% if i > 4 %}{% break %}{% end %}{{ i }}{% end %}",
        {},
        "134",
    ),
    ("match-literal", "{% match x %}{% case 1 %}one{% case _ %}other{% end %}", {"x": 1}, "one"),
    ("match-wildcard", "{% match x %}{% case 1 %}one{% case _ %}other{% end %}", {"x": 5}, "other"),
    ("match-tuple", "{% match p %}{% case (a, b) %}{{ a }}+{{ b }}{% end %}", {"p": (1, 2)}, "1+2"),
    (
        "match-dict-guard",
        "{% match d %}{% case {'k': v} if v > 1 %}big {{ v }}{% case {'k': v} %}small{% end %}",
        {"d": {"k": 2}},
        "big 2",
    ),
    ("let-template-wide", "{% if 1 %}{% let x = 5 %}{% end %}{{ x }}", {}, "5"),
    (
        "set-block-scoped",
        "{% set x = 1 %}{% if 1 %}{% set x = 2 %}{{ x }}{% end %}{{ x }}",
        {},
        "21",
    ),
    ("set-tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}", {}, "12"),
    ("set-multi", "{% set a = 1, b = 2 %}{{ a }}{{ b }}", {}, "12"),
    (
        "export",
        "{% let n = 0 %}{% for x in [1, 2] %}{% export n = n + x %}{% end %}{{ n }}",
        {},
        "3",
    ),
    ("promote", "{% let n = 0 %}{% if 1 %}{% promote n = 7 %}{% end %}{{ n }}", {}, "7"),
    (
        "coalesce-assign",
        "{% let a = none %}{% let a ??= 3 %}{% let b = 1 %}{% let b ??= 3 %}{{ a }}{{ b }}",
        {},
        "31",
    ),
    ("with", "{% with a = 1 %}{{ a }}{% end %}", {}, "1"),
    ("with-as-empty", "{% with x as n %}{{ n }}{% empty %}nothing{% end %}", {"x": ""}, "nothing"),
    (
        "def",
        "{% def f(p: int = 1, *a, **kw) %}{{ p }}{{ a | length }}{{ kw.k }}"
        "{% end %}{{ f(2, 3, 4, k='v') }}",
        {},
        "22v",
    ),
    (
        "call-default-slot",
        "{% def card() %}<c>{% slot %}</c>{% end %}{% call card() %}body{% end %}",
        {},
        "<c>body</c>",
    ),
    (
        "named-slot",
        "{% def card() %}{% slot head %}|{% slot %}{% end %}{% call card() %}b"
        "{% slot head %}h{% end %}{% end %}",
        {},
        "h|b",
    ),
    (
        "caller-and-has-slot",
        "{% def card() %}{{ has_slot('head') }}{{ caller() }}{% end %}{% call card() %}x{% end %}",
        {},
        "Falsex",
    ),
    (
        "scoped-slot",
        "{% def rows(xs) %}{% for x in xs %}{% slot row let:item=x %}{% end %}{% end %}{% end %}"
        "{% call rows([1, 2]) %}{% slot row let:item %}<{{ item }}>{% end %}{% end %}",
        {},
        "<1><2>",
    ),
    (
        "yield-forwards",
        "{% def inner() %}[{% slot %}]{% end %}{% def outer() %}{% call inner() %}"
        "{% yield %}{% end %}{% end %}{% call outer() %}z{% end %}",
        {},
        "[z]",
    ),
    ("capture", "{% capture c %}<b>{% end %}{{ c }}{{ c }}", {}, "<b><b>"),
    ("filter-block", "{% filter upper %}ab{% end %}", {}, "AB"),
    ("spaceless", "{% spaceless %}<a>  </a>\n <b></b>{% end %}", {}, "<a></a><b></b>"),
    ("cache", "{% cache 'k' %}{{ x }}{% end %}", {"x": 1}, "1"),
    ("try-fallback", "{% try %}{{ nope.deeper }}{% fallback err %}fb{% end %}", {}, "fb"),
    ("push-stack", "{% push 'js' %}<a>{% end %}{% stack 'js' %}", {}, "<a>"),
    (
        "provide-consume",
        "{% def t() %}{{ consume('theme') }}{% end %}"
        "{% provide theme = 'dark' %}{{ t() }}{% end %}",
        {},
        "dark",
    ),
    (
        "trans-plural",
        "{% trans count=n %}one item{% plural %}{{ count }} items{% endtrans %}",
        {"n": 3},
        "3 items",
    ),
    ("flush", "a{% flush %}b", {}, "ab"),
    (
        "literals",
        "{{ true }}{{ True }}{{ none }}{{ None }}|{{ [1, 2] }}{{ {'a': 1}['a'] }}{{ (1, 2)[1] }}",
        {},
        "TrueTrue|[1, 2]12",
    ),
    (
        "arith-compare",
        "{{ 1 + 2 * 3 }} {{ 1 < 2 < 3 }} {{ 1 in [1] and not 0 or 0 }}",
        {},
        "7 True True",
    ),
    ("cond-expr", "{{ 'a' if x else 'b' }}{{ 'c' if not x }}", {"x": 0}, "bc"),
    ("tilde-concat", "{{ 1 ~ 'a' }}", {}, "1a"),
    ("plus", "{{ 1 + 2 }}{{ 'a' + 'b' }}", {}, "3ab"),
    (
        "call-index-slice-comp",
        "{{ 'ab'.upper() }}{{ xs[1] }}{{ xs[1:] }}{{ [x * 2 for x in xs if x > 1] }}",
        {"xs": [1, 2, 3]},
        "AB2[2, 3][4, 6]",
    ),
    (
        "ranges",
        "{{ (1..4) | list }}{{ (1...4) | list }}{{ (1..9 by 3) | list }}"
        "{% for i in 1..3 %}{{ i }}{% end %}",
        {},
        "[1, 2, 3, 4][1, 2, 3][1, 4, 7]123",
    ),
    ("optional-access", "{{ u?.name }}|{{ u?['name'] }}|{{ u ?? 'anon' }}", {"u": None}, "||anon"),
    (
        "pipes",
        "{{ 'ab' | upper }}{{ 'ab' |> upper }}{{ n ?|> upper }}|{{ n ?| upper }}",
        {"n": None},
        "ABAB|",
    ),
    ("dict-key-first", "{{ d.items }}", {"d": {"items": 5}}, "5"),
    ("none-renders-empty", "[{{ x }}]", {"x": None}, "[]"),
    (
        "default-missing",
        "{{ x | default('d') }}{{ '' | default('e') }}{{ none | default('f') }}",
        {},
        "def",
    ),
    ("autoescape", "{{ s }}{{ s | safe }}", {"s": "<i>"}, "&lt;i&gt;<i>"),
    (
        "loop",
        "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
        "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}"
        "{{ loop.nextitem }}{{ loop.cycle('x', 'y') }};"
        "{% end %}",
        {},
        "10TrueFalse332bx;21FalseFalse321acy;32FalseTrue310bx;",
    ),
]


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [case[1:] for case in CONSTRUCTS],
    ids=[case[0] for case in CONSTRUCTS],
)
def test_construct_renders_alike_in_every_renderer(
    env: Environment, source: str, context: dict[str, Any], expected: str
) -> None:
    assert render_all(env.from_string(source), **context) == expected


class User:
    name = "ann"


class HtmxRequest:
    """Django-like request headers of an htmx request."""

    headers = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "main"}
    META = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true", "HTTP_HX_TARGET": "main"}


FILTER_CONTEXT: dict[str, Any] = {
    "u": User(),
    "day": date(2024, 5, 1),
    "rows": [{"k": "a"}, {"k": "a"}, {"k": "b"}],
}

# (filter, source, expected): every filter of the document, rendered.
FILTERS: list[tuple[str, str, str]] = [
    ("abs", "{{ (-3) | abs }}", "3"),
    ("attr", "{{ u | attr('name') }}", "ann"),
    ("batch", "{{ [1, 2, 3] | batch(2) | list }}", "[[1, 2], [3]]"),
    ("capitalize", "{{ 'aB' | capitalize }}", "Ab"),
    ("center", "[{{ 'a' | center(3) }}]", "[ a ]"),
    ("classes", "{{ ['a', none, 'b'] | classes }}", "a b"),
    ("commas", "{{ 1234567 | commas }}", "1,234,567"),
    ("compact", "{{ [0, 1, none, 2] | compact }}", "[1, 2]"),
    ("count", "{{ [1, 2] | count }}", "2"),
    ("d", "{{ missing | d('x') }}", "x"),
    ("date", "{{ day | date('%Y') }}", "2024"),
    ("decimal", "{{ 3.14159 | decimal(2) }}", "3.14"),
    ("default", "{{ '' | default('e') }}", "e"),
    ("dictsort", "{{ {'b': 1, 'a': 2} | dictsort }}", "[(&#39;a&#39;, 2), (&#39;b&#39;, 1)]"),
    ("e", "{{ '<' | e }}", "&lt;"),
    ("escape", "{{ '<' | escape }}", "&lt;"),
    ("filesizeformat", "{{ 2048 | filesizeformat }}", "2.0 kB"),
    ("first", "{{ [3, 4] | first }}", "3"),
    ("float", "{{ '1.5' | float }}", "1.5"),
    ("format", "{{ '{}-{}' | format(1, 2) }}", "1-2"),
    ("format_number", "{{ 1234.5 | format_number(1) }}", "1,234.5"),
    ("get", "{{ {'k': 1} | get('k') }}", "1"),
    (
        "groupby",
        "{% for g in rows | groupby('k') %}{{ g.grouper }}{{ g.list | length }}{% end %}",
        "a2b1",
    ),
    ("indent", "{{ 'a\nb' | indent(2) }}", "a\n  b"),
    ("int", "{{ '42' | int }}", "42"),
    ("join", "{{ [1, 2] | join('-') }}", "1-2"),
    ("last", "{{ [3, 4] | last }}", "4"),
    ("length", "{{ 'abc' | length }}", "3"),
    ("list", "{{ 'ab' | list }}", "[&#39;a&#39;, &#39;b&#39;]"),
    ("lower", "{{ 'AB' | lower }}", "ab"),
    ("map", "{{ rows | map(attribute='k') | join }}", "aab"),
    ("max", "{{ [1, 3, 2] | max }}", "3"),
    ("min", "{{ [1, 3, 2] | min }}", "1"),
    ("pluralize", "item{{ 2 | pluralize }}", "items"),
    ("reject", "{{ [1, 2, 3] | reject('odd') | list }}", "[2]"),
    ("rejectattr", "{{ rows | rejectattr('k', 'eq', 'a') | list | length }}", "1"),
    ("replace", "{{ 'aa' | replace('a', 'b') }}", "bb"),
    ("require", "{{ 1 | require }}", "1"),
    ("reverse", "{{ [1, 2] | reverse | list }}", "[2, 1]"),
    ("round", "{{ 2.567 | round(1) }}", "2.6"),
    ("safe", "{{ '<b>' | safe }}", "<b>"),
    ("select", "{{ [1, 2, 3] | select('odd') | list }}", "[1, 3]"),
    ("selectattr", "{{ rows | selectattr('k', 'eq', 'a') | list | length }}", "2"),
    ("skip", "{{ [1, 2, 3] | skip(1) | list }}", "[2, 3]"),
    ("slice", "{{ [1, 2, 3] | slice(2) | list }}", "[[1, 3], [2]]"),
    ("slug", "{{ 'Hello World!' | slug }}", "hello-world"),
    ("sort", "{{ [3, 1, 2] | sort }}", "[1, 2, 3]"),
    ("string", "{{ 1 | string }}", "1"),
    ("strip", "[{{ ' a ' | strip }}]", "[a]"),
    ("striptags", "{{ '<b>x</b>' | striptags }}", "x"),
    ("sum", "{{ [1, 2] | sum }}", "3"),
    ("take", "{{ [1, 2, 3] | take(2) | list }}", "[1, 2]"),
    ("title", "{{ 'a b' | title }}", "A B"),
    ("tojson", "{{ {'a': 1} | tojson }}", '{"a": 1}'),
    ("trim", "[{{ ' a ' | trim }}]", "[a]"),
    ("truncate", "{{ 'abcdefghij' | truncate(5) }}", "ab..."),
    ("typeof", "{{ 1 | typeof }}", "int"),
    ("unique", "{{ [1, 1, 2] | unique | list }}", "[1, 2]"),
    ("upper", "{{ 'ab' | upper }}", "AB"),
    ("urlencode", "{{ 'a b' | urlencode }}", "a%20b"),
    ("wordcount", "{{ 'a b c' | wordcount }}", "3"),
    ("wordwrap", "{{ 'aaa bbb' | wordwrap(3) }}", "aaa\nbbb"),
    ("xmlattr", "<p{{ {'id': 'x'} | xmlattr }}>", '<p id="x">'),
]


@pytest.mark.parametrize(
    ("source", "expected"), [case[1:] for case in FILTERS], ids=[case[0] for case in FILTERS]
)
def test_filter_renders_alike_in_every_renderer(
    env: Environment, source: str, expected: str
) -> None:
    assert render_all(env.from_string(source), **FILTER_CONTEXT) == expected


def test_every_documented_filter_is_registered_and_rendered_here() -> None:
    unrendered = {"csp_nonce", "debug", "pprint", "random", "shuffle"}  # tested in test_filters
    assert set(Environment().filters) >= DOCUMENTED_FILTERS
    assert {case[0] for case in FILTERS} == DOCUMENTED_FILTERS - unrendered


# The filter list of kida-language.md, as written there.
FILTER_LIST = (
    "abs attr batch capitalize center classes commas compact count csp_nonce d date debug "
    "decimal default dictsort e escape filesizeformat first float format format_number get "
    "groupby indent int join last length list lower map max min pluralize pprint random reject "
    "rejectattr replace require reverse round safe select selectattr shuffle skip slice slug "
    "sort string strip striptags sum take title tojson trim truncate typeof unique upper "
    "urlencode wordcount wordwrap xmlattr"
)
DOCUMENTED_FILTERS = set(FILTER_LIST.split())

# (test, source): each is true here, and false with "is not".
TESTS: list[tuple[str, str]] = [
    ("callable", "{{ f is callable }}"),
    ("defined", "{{ x is defined }}"),
    ("divisibleby", "{{ 9 is divisibleby(3) }}"),
    ("eq", "{{ 1 is eq(1) }}"),
    ("equalto", "{{ 1 is equalto(1) }}"),
    ("even", "{{ 2 is even }}"),
    ("false", "{{ false is false }}"),
    ("ge", "{{ 2 is ge(2) }}"),
    ("greaterthan", "{{ 3 is greaterthan(2) }}"),
    ("gt", "{{ 3 is gt(2) }}"),
    ("hx_boosted", "{{ request is hx_boosted }}"),
    ("hx_request", "{{ request is hx_request }}"),
    ("hx_target", "{{ request is hx_target('main') }}"),
    ("in", "{{ 1 is in([1]) }}"),
    ("iterable", "{{ [] is iterable }}"),
    ("le", "{{ 2 is le(2) }}"),
    ("lessthan", "{{ 1 is lessthan(2) }}"),
    ("lower", "{{ 'a' is lower }}"),
    ("lt", "{{ 1 is lt(2) }}"),
    ("mapping", "{{ {} is mapping }}"),
    ("match", "{{ 'abc' is match('a.c') }}"),
    ("ne", "{{ 1 is ne(2) }}"),
    ("none", "{{ none is none }}"),
    ("number", "{{ 1.5 is number }}"),
    ("odd", "{{ 3 is odd }}"),
    ("sameas", "{{ none is sameas(none) }}"),
    ("sequence", "{{ [1] is sequence }}"),
    ("string", "{{ 'a' is string }}"),
    ("true", "{{ true is true }}"),
    ("undefined", "{{ nope is undefined }}"),
    ("upper", "{{ 'A' is upper }}"),
]


@pytest.mark.parametrize("source", [case[1] for case in TESTS], ids=[case[0] for case in TESTS])
def test_test_renders_alike_in_every_renderer(env: Environment, source: str) -> None:
    context = {"f": len, "x": 1, "request": HtmxRequest()}
    assert render_all(env.from_string(source), **context) == "True"
    negated = env.from_string(source.replace(" is ", " is not "))
    assert render_all(negated, **context) == "False"


MISTAKES = {
    "page.html": "<ul>\n{% for x in xs %}\n<li>{{ x }}",
    "filter.html": "{{ name | uper }}",
    "closer.html": "{% if x %}\n{% endfor %}",
    "undefined.html": "<p>\n  {{ usr.name }}</p>",
    "child.html": "{# child #}\n{% extends 'bas.html' %}",
    "base.html": "{% block body %}{% end %}",
}


def render_mistake(name: str, how: str) -> None:
    template = Environment(loader=DictLoader(MISTAKES)).get_template(name)
    context = {"user": {"name": "u"}, "xs": [1], "x": 1}
    if how == "render":
        template.render(**context)
    elif how == "render_stream":
        "".join(template.render_stream(**context))
    else:
        asyncio.run(template.render_async(**context))


@pytest.mark.parametrize(
    ("name", "error", "message", "line", "col", "hint"),
    [
        ("page.html", TemplateSyntaxError, "unclosed {% for %}", 2, 4, "add {% end %}"),
        ("filter.html", TemplateSyntaxError, "unknown filter 'uper'", 1, 11, "'upper'"),
        ("closer.html", TemplateSyntaxError, "{% endfor %} closes {% if %}", 2, 4, "{% endif %}"),
        ("undefined.html", UndefinedError, "'usr' is undefined", 2, 6, "did you mean 'user'"),
        ("child.html", TemplateNotFoundError, "'bas.html' not found", 2, 4, "'base.html'"),
    ],
    ids=["unclosed-block", "unknown-filter", "wrong-closer", "undefined-near-miss", "bad-extends"],
)
@pytest.mark.parametrize("how", ["render", "render_stream", "render_async"])
def test_typical_mistakes_are_located_and_explained(
    name: str, error: type[Exception], message: str, line: int, col: int, hint: str, how: str
) -> None:
    with pytest.raises(error) as info:
        render_mistake(name, how)
    text = str(info.value)
    assert message in text
    assert f"in {name}, line {line}, column {col}" in text
    source_line = MISTAKES[name].splitlines()[line - 1]
    assert f"{line:>4} | {source_line}\n" in text
    assert text.splitlines()[3].endswith("| " + " " * (col - 1) + "^")
    assert hint in text.split("hint:", 1)[1]


def test_a_missing_parent_of_render_block_points_at_the_extends() -> None:
    with pytest.raises(TemplateNotFoundError) as info:
        Environment(loader=DictLoader(MISTAKES)).get_template("child.html").render_block("body")
    assert "in child.html, line 2, column 4" in str(info.value)


def test_super_is_not_kida(env: Environment) -> None:
    with pytest.raises(UndefinedError) as info:
        env.from_string("{% block a %}{{ super() }}{% end %}").render(user=1)
    assert info.value.hint is not None
    assert "no super()" in info.value.hint
