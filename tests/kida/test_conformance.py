"""kida-language.md, construct by construct: each renders with render(), render_stream() and
render_async() alike, with the semantics the language document states; then the errors of
typical mistakes (name, line, column, excerpt with caret, hint)."""

import asyncio
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
        "{% def rows(xs) %}{% for x in xs %}{% slot row let:item=x %}{% end %}{% end %}"
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
