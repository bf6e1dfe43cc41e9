"""The syntax kida-templates 0.12.1 documents (syntax/control-flow, functions, scoped slots,
variables; advanced/scoped-slots; usage/components), construct by construct: each renders alike
through render(), render_stream() and render_stream_async(), and inside a block through
render_block() and render_block_stream_async(); the async variants taint the template; mistakes
are TemplateSyntaxErrors naming line and column."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kida import DictLoader, Environment, Template, TemplateRuntimeError, TemplateSyntaxError
from tests.kida.conftest import render_all


async def _collect(chunks: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in chunks])


def _block_template(env: Environment, source: str) -> Template:
    return env.from_string("{% block b %}" + source + "{% end %}")


def render_everywhere(env: Environment, source: str, /, **ctx: Any) -> str:
    """The text of ``source`` from every renderer, and of the same source as a block rendered
    alone; all must agree."""
    template = env.from_string(source)
    text = template.render(**ctx)
    assert "".join(template.render_stream(**ctx)) == text
    assert asyncio.run(_collect(template.render_stream_async(**ctx))) == text
    block = _block_template(env, source)
    assert block.render_block("b", **ctx) == text
    assert asyncio.run(_collect(block.render_block_stream_async("b", **ctx))) == text
    return text


def render_async_everywhere(env: Environment, source: str, /, **ctx: Any) -> str:
    """Like :func:`render_everywhere` for an async template: the sync renderers refuse it."""
    template = env.from_string(source)
    assert template.is_async
    with pytest.raises(TemplateRuntimeError):
        template.render(**ctx)
    text = asyncio.run(template.render_async(**ctx))
    assert asyncio.run(_collect(template.render_stream_async(**ctx))) == text
    block = _block_template(env, source)
    assert asyncio.run(_collect(block.render_block_stream_async("b", **ctx))) == text
    return text


@pytest.fixture
def env() -> Environment:
    return Environment()


MATCH_PAIR = (
    "{% match a, b %}{% case 1, 1 %}both{% case 1, _ %}first{% case _, 1 %}second"
    "{% case _ %}other{% end %}"
)
SIGN = "{% match %}{% case _ if n > 0 %}pos{% case _ if n == 0 %}zero{% case _ %}neg{% end %}"
ROWS = (
    "{% def table(rows) %}{% for r in rows %}"
    "{% slot row let:item=r, let:idx=loop.index %}[{{ idx }}:{{ item }}]{% end %}"
    "{% end %}{% end %}"
)
FORWARD = (
    "{% def selection_bar() %}<nav>{{ caller() }}</nav>{% end %}"
    "{% def resource_index() %}{% call selection_bar() %}{% yield selection %}{% end %}"
    "{% end %}"
)

# (id, source, context, expected output)
CONSTRUCTS: list[tuple[str, str, dict[str, Any], str]] = [
    # match: tuple subjects and patterns
    ("match-pair-both", MATCH_PAIR, {"a": 1, "b": 1}, "both"),
    ("match-pair-first", MATCH_PAIR, {"a": 1, "b": 2}, "first"),
    ("match-pair-second", MATCH_PAIR, {"a": 2, "b": 1}, "second"),
    ("match-pair-other", MATCH_PAIR, {"a": 2, "b": 2}, "other"),
    (
        "match-explicit-tuple-subject",
        "{% match (x, y) %}{% case 1, 1 %}one-one{% case _ %}other{% end %}",
        {"x": 1, "y": 1},
        "one-one",
    ),
    (
        "match-capture-guard",
        "{% match (10, 20) %}{% case x, y if x + y == limit %}sum {{ x + y }}"
        "{% case _ %}no{% end %}",
        {"limit": 30},
        "sum 30",
    ),
    (
        "match-guard-fails-falls-through",
        "{% match p %}{% case logo, _ if logo %}logo {{ logo }}{% case _, text if text %}"
        "text {{ text }}{% case _ %}none{% end %}",
        {"p": (None, "Bengal")},
        "text Bengal",
    ),
    (
        "match-nested-tuple",
        "{% match d %}{% case (id, (x, y)) %}{{ id }} at {{ x }},{{ y }}{% case _ %}?{% end %}",
        {"d": (1, (10, 20))},
        "1 at 10,20",
    ),
    (
        "match-nested-tuple-shape-differs",
        "{% match d %}{% case (id, (x, y)) %}{{ id }}{% case _ %}unknown{% end %}",
        {"d": (1, 2)},
        "unknown",
    ),
    (
        "match-list-subject",
        "{% match items %}{% case x, y %}two: {{ x }}, {{ y }}{% case _ %}other{% end %}",
        {"items": ["a", "b"]},
        "two: a, b",
    ),
    (
        "match-string-is-not-a-sequence-pattern",
        "{% match s %}{% case x, y %}pair{% case _ %}other{% end %}",
        {"s": "ab"},
        "other",
    ),
    (
        "match-literal-and-capture",
        '{% match action, value %}{% case "add", n %}adding {{ n }}'
        '{% case "sub", n %}subtracting {{ n }}{% case _ %}?{% end %}',
        {"action": "sub", "value": 5},
        "subtracting 5",
    ),
    (
        "match-parentheses-group",
        "{% match v %}{% case (n) if n > 0 %}positive {{ n }}{% case _ %}other{% end %}",
        {"v": 3},
        "positive 3",
    ),
    (
        "match-no-case-renders-nothing",
        "<{% match x %}{% case 1 %}one{% case 2 %}two{% end %}>",
        {"x": 9},
        "<>",
    ),
    (
        "match-capture-is-scoped",
        "{% match 5 %}{% case n %}{{ n }}{% end %}|{{ n ?? 'unbound' }}",
        {},
        "5|unbound",
    ),
    # match without a subject: the guards choose
    ("match-valueless-first", SIGN, {"n": 4}, "pos"),
    ("match-valueless-second", SIGN, {"n": 0}, "zero"),
    ("match-valueless-default", SIGN, {"n": -2}, "neg"),
    (
        "match-valueless-nothing",
        "<{% match %}{% case _ if flag %}on{% end %}>",
        {"flag": False},
        "<>",
    ),
    (
        "match-valueless-unguarded-wins",
        "{% match %}{% case _ %}first{% case _ if true %}second{% end %}",
        {},
        "first",
    ),
    # nested destructuring
    (
        "set-nested",
        "{% set (a, (b, c)), d = (1, (2, 3)), 4 %}{{ a }}{{ b }}{{ c }}{{ d }}",
        {},
        "1234",
    ),
    (
        "set-nested-in-block-scope",
        "{% if true %}{% set a, (b, c) = 1, (2, 3) %}{{ a }}{{ b }}{{ c }}{% end %}|{{ a ?? '-' }}",
        {},
        "123|-",
    ),
    ("let-nested", "{% let a, (b, c) = pair %}{{ a }}{{ b }}{{ c }}", {"pair": (1, "xy")}, "1xy"),
    (
        "export-nested",
        "{% for p in ps %}{% export (x, (y, z)) = p %}{% end %}{{ x }}{{ y }}{{ z }}",
        {"ps": [(1, (2, 3)), (4, (5, 6))]},
        "456",
    ),
    (
        "for-nested",
        "{% for (id, (lat, lon)) in points %}{{ loop.index }}:{{ id }}@{{ lat }}/{{ lon }};"
        "{% end %}",
        {"points": [("a", (1, 2)), ("b", (3, 4))]},
        "1:a@1/2;2:b@3/4;",
    ),
    (
        "for-nested-bare-filter",
        "{% for id, (lat, lon) in points if lat > 1 %}{{ id }}{{ lon }}{% end %}",
        {"points": [("a", (1, 2)), ("b", (3, 4))]},
        "b4",
    ),
    (
        "comprehension-nested",
        "{{ [a + b + c for a, (b, c) in xs] }}",
        {"xs": [(1, (2, 3)), (4, (5, 6))]},
        "[6, 15]",
    ),
    # conditional with
    (
        "with-it",
        "{% with user %}{{ it.name }}{% else %}none{% end %}",
        {"user": {"name": "A"}},
        "A",
    ),
    (
        "with-it-falsy",
        "{% with user %}{{ it.name }}{% else %}none{% end %}",
        {"user": None},
        "none",
    ),
    (
        "with-tuple-all-truthy",
        "{% with a, b as x, y %}{{ x }}{{ y }}{% empty %}empty{% end %}",
        {"a": 1, "b": 2},
        "12",
    ),
    (
        "with-tuple-one-falsy",
        "{% with a, b as x, y %}{{ x }}{{ y }}{% empty %}empty{% end %}",
        {"a": 1, "b": 0},
        "empty",
    ),
    (
        "with-value-truthiness-not-targets",
        "{% with pair as (x, y) %}{{ x }}{{ y }}{% empty %}empty{% end %}",
        {"pair": ()},
        "empty",
    ),
    (
        "with-nested-target",
        "{% with p as (a, (b, c)) %}{{ a }}{{ b }}{{ c }}{% end %}",
        {"p": (0, (0, 1))},
        "001",
    ),
    (
        "with-binding-is-scoped",
        "{% with 5 as it %}{{ it }}{% end %}|{{ it ?? 'gone' }}",
        {},
        "5|gone",
    ),
    ("with-assignments", "{% with a = 1, b = 2 %}{{ a + b }}{% end %}", {}, "3"),
    # scoped slots: a def passes values up to the caller's filler
    (
        "slot-lets-filler",
        ROWS + "{% call table(['x', 'y']) %}{% slot row let:item, let:idx %}<{{ idx }}{{ item }}>"
        "{% end %}{% end %}",
        {},
        "<1x><2y>",
    ),
    ("slot-lets-default-content", ROWS + "{{ table(['x', 'y']) }}", {}, "[1:x][2:y]"),
    (
        "slot-lets-space-separated",
        "{% def t(items) %}{% for i in items %}{% slot row let:item=i let:index=loop.index %}"
        "{% end %}{% end %}{% end %}"
        "{% call t(['a']) %}{% slot row let:item let:index %}{{ index }}{{ item }}{% end %}"
        "{% end %}",
        {},
        "1a",
    ),
    (
        "slot-filler-reads-undeclared-bindings",
        ROWS + "{% call table(['x']) %}{% slot row %}{{ idx }}={{ item }}{% end %}{% end %}",
        {},
        "1=x",
    ),
    (
        "slot-undeclared-binding-leaves-context-alone",
        ROWS + "{% call table(['x']) %}{% slot row %}{{ item }}{% end %}{% end %}{{ item }}",
        {"item": "ctx"},
        "xctx",
    ),
    (
        "slot-declared-let-not-passed-reads-context",
        "{% def f() %}{% slot row let:a=1 %}{% end %}{% end %}"
        "{% call f() %}{% slot row let:a, let:b %}{{ a }}{{ b }}{% end %}{% end %}",
        {"b": "B"},
        "1B",
    ),
    (
        "slot-binding-expressions",
        "{% def f(item) %}{% slot let:label=item.name | upper, let:active=item.on %}"
        "{{ label }}{{ active }}{% end %}{% end %}{{ f(it) }}",
        {"it": {"name": "ab", "on": True}},
        "ABTrue",
    ),
    (
        "slot-bindings-escaped-once",
        "{% def f(v) %}{% slot let:x=v %}{{ x }}{% end %}{% end %}"
        "{{ f(v) }}|{% call(let:x) f(v) %}{{ x }}{% end %}",
        {"v": "<b>"},
        "&lt;b&gt;|&lt;b&gt;",
    ),
    (
        "slot-call-let-form",
        "{% def user_list(users) %}<ul>{% for user in users %}<li>{% slot let:item=user %}"
        "{{ item }}{% end %}</li>{% end %}</ul>{% end %}"
        "{% call(let:item) user_list(users=people) %}<b>{{ item.name }}</b>{% end %}",
        {"people": [{"name": "Ada"}, {"name": "Bo"}]},
        "<ul><li><b>Ada</b></li><li><b>Bo</b></li></ul>",
    ),
    (
        "slot-default-only-without-caller",
        "{% def card(u) %}<div>{% slot body let:item=u %}<span>{{ item }}</span>{% end %}</div>"
        "{% end %}{{ card('A') }}|{% call card('A') %}{% slot other %}x{% end %}{% end %}",
        {},
        "<div><span>A</span></div>|<div></div>",
    ),
    (
        "slot-outside-def-renders-default",
        "{% slot let:x=3 %}{{ x * 2 }}{% end %}",
        {},
        "6",
    ),
    (
        "slot-fillers-add-up",
        "{% def f() %}[{% slot a %}][{% slot %}]{% end %}"
        "{% call f() %}1{% slot a %}x{% end %}2{% slot a %}y{% end %}{% slot default %}3{% end %}"
        "{% end %}",
        {},
        "[xy][123]",
    ),
    (
        "slot-nested-in-call-block-is-a-placeholder",
        "{% def inner() %}<{{ caller() }}>{% end %}"
        "{% def outer() %}{% call inner() %}{% if true %}{% slot x %}{% end %}{% end %}{% end %}"
        "{% call outer() %}{% slot x %}X{% end %}{% end %}",
        {},
        "<X>",
    ),
    # {% yield %}: forward the enclosing def's caller slots
    (
        "yield-named",
        FORWARD + "{% call resource_index() %}{% slot selection %}Badges{% end %}Cards{% end %}",
        {},
        "<nav>Badges</nav>",
    ),
    (
        "yield-default",
        "{% def box() %}<b>{{ caller() }}</b>{% end %}"
        "{% def wrap() %}{% call box() %}{% yield %}{% end %}{% end %}"
        "{% call wrap() %}inner{% end %}",
        {},
        "<b>inner</b>",
    ),
    ("yield-in-def", "{% def f() %}({% yield %}){% end %}{% call f() %}x{% end %}", {}, "(x)"),
    ("yield-without-caller", "{% def f() %}({% yield %}){% end %}{{ f() }}", {}, "()"),
    ("yield-outside-def", "a{% yield %}b", {}, "ab"),
    (
        "empty-filler-forwards-in-def",
        "{% def inner() %}<{% slot %}|{% slot x %}>{% end %}"
        "{% def outer() %}{% call inner() %}{% slot x %}{% end %}{% end %}{% end %}"
        "{% call outer() %}{% slot x %}X{% end %}D{% end %}",
        {},
        "<D|X>",
    ),
    (
        "empty-filler-outside-def-stays-empty",
        "{% def inner() %}<{% slot %}|{% slot x %}>{% end %}"
        "{% call inner() %}{% slot x %}{% end %}{% end %}",
        {},
        "<|>",
    ),
]


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [case[1:] for case in CONSTRUCTS],
    ids=[case[0] for case in CONSTRUCTS],
)
def test_construct_renders_alike_everywhere(
    env: Environment, source: str, context: dict[str, Any], expected: str
) -> None:
    assert render_everywhere(env, source, **context) == expected


def test_documented_components_example() -> None:
    """usage/components.md's data table: a filler without ``let:`` reads the bindings."""
    env = Environment(
        loader=DictLoader(
            {
                "table.html": "{% def data_table(items: list) %}<table>{% for item in items %}"
                "<tr>{% slot row let:item=item let:index=loop.index %}<td>{{ item }}</td>{% end %}"
                "</tr>{% end %}</table>{% end %}",
                "page.html": '{% from "table.html" import data_table %}'
                "{% block b %}{% call data_table(users) %}{% slot row %}"
                "<td>{{ index }}</td><td>{{ item.name }}</td>{% end %}{% end %}{% end %}",
            }
        )
    )
    page = env.get_template("page.html")
    users = [{"name": "Ada"}, {"name": "Bo"}]
    expected = "<table><tr><td>1</td><td>Ada</td></tr><tr><td>2</td><td>Bo</td></tr></table>"
    assert page.render(users=users) == expected
    assert page.render_block("b", users=users) == expected
    assert asyncio.run(_collect(page.render_block_stream_async("b", users=users))) == expected


# (id, source, context, expected output): an await or async for inside the new constructs
ASYNC_CONSTRUCTS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "await-in-case",
        "{% match x, y %}{% case 1, n %}{{ await value(n) }}{% case _ %}o{% end %}",
        {"x": 1, "y": "one"},
        "one",
    ),
    (
        "await-in-valueless-guard",
        "{% match %}{% case _ if await value(x) %}yes{% case _ %}no{% end %}",
        {"x": 0},
        "no",
    ),
    (
        "async-for-nested-target",
        "{% async for (a, (b, c)) in source(rows) %}{{ a }}{{ b }}{{ c }};{% end %}",
        {"rows": [(1, (2, 3)), (4, (5, 6))]},
        "123;456;",
    ),
    (
        "await-in-slot-default",
        "{% def f(u) %}[{% slot row let:item=u %}{{ await value(item) }}{% end %}]{% end %}"
        "{{ f(5) }}",
        {},
        "[5]",
    ),
    (
        "async-for-in-filler",
        "{% def f(n) %}{% for i in range(n) %}{% slot row let:i=i %}{% end %}{% end %}{% end %}"
        "{% call f(2) %}{% slot row let:i %}{% async for j in source(range(i + 1)) %}{{ j }}"
        "{% end %};{% end %}{% end %}",
        {},
        "0;01;",
    ),
    (
        "await-in-with",
        "{% with await value(x) as v %}{{ v }}{% empty %}none{% end %}",
        {"x": "got"},
        "got",
    ),
    (
        "await-forwarded-through-yield",
        "{% def inner() %}<{{ caller() }}>{% end %}"
        "{% def outer() %}{% call inner() %}{% yield %}{% end %}{% end %}"
        "{% call outer() %}{{ await value('Z') }}{% end %}",
        {},
        "<Z>",
    ),
]


async def _value(x: Any) -> Any:
    return x


async def _source(items: Any) -> AsyncIterator[Any]:
    for item in items:
        yield item


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [case[1:] for case in ASYNC_CONSTRUCTS],
    ids=[case[0] for case in ASYNC_CONSTRUCTS],
)
def test_async_construct_taints_and_renders_alike(
    env: Environment, source: str, context: dict[str, Any], expected: str
) -> None:
    context = {"value": _value, "source": _source, **context}
    assert render_async_everywhere(env, source, **context) == expected


@pytest.mark.parametrize(
    ("source", "message", "line", "col"),
    [
        (
            "{% match %}\n{% case x %}a{% end %}",
            "a {% match %} without a subject takes only {% case _ if condition %}",
            2,
            4,
        ),
        ("{% match x %}\n{% end %}", "a {% match %} needs at least one {% case %}", 1, 4),
        (
            "{% def f() %}{% slot let: %}{% end %}",
            "expected a binding name after 'let:'",
            1,
            27,
        ),
        ("{% def f() %}\n{% slot row let:x %}{% end %}{% end %}", "expected '='", 2, 19),
        (
            "{% call f() %}\n  {% slot row let:x=1 %}{% end %}{% end %}",
            "a slot filler receives bindings: write let:x without a value",
            2,
            20,
        ),
        (
            "{% def f() %}{% slot r let:x=1, let:x=2 %}{% end %}{% end %}",
            "slot binding 'x' is given twice",
            1,
            37,
        ),
        (
            "{% call f() %}{% slot r let:x, let:x %}{% end %}{% end %}",
            "slot binding 'x' is given twice",
            1,
            36,
        ),
        ("{% set (a, b), = 1 %}", "expected a variable name, found op '='", 1, 16),
        ("{% for (a, 1) in x %}{% end %}", "expected a variable name, found int '1'", 1, 12),
        ("{% with a as %}{% end %}", "expected a variable name", 1, 14),
        ("{% with a = 1 %}\n{% empty %}{% end %}", "unexpected {% empty %}", 2, 4),
        (
            "{% def f() %}\n{% slot row let:x=1 %}no end{% end %}",
            "unclosed {% def %} block",
            1,
            4,
        ),
    ],
    ids=[
        "valueless-match-pattern",
        "match-without-case",
        "let-without-name",
        "def-let-without-value",
        "filler-let-with-value",
        "def-let-twice",
        "filler-let-twice",
        "target-trailing-comma",
        "target-not-a-name",
        "with-as-nothing",
        "assignment-with-has-no-empty",
        "slot-with-bindings-needs-end",
    ],
)
def test_mistakes_are_located(
    env: Environment, source: str, message: str, line: int, col: int
) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        env.from_string(source, name="bad.html")
    error = info.value
    assert message in str(error)
    assert (error.lineno, error.col) == (line, col)
    assert f"in bad.html, line {line}, column {col}" in str(error)


def test_analysis_knows_the_new_constructs(env: Environment) -> None:
    source = (
        "{% block b %}"
        "{% def f(u) %}{% slot row let:item=u.profile %}{{ item.name }}{{ shown }}{% end %}"
        "{% end %}"
        "{% call(let:item) f(user) %}{{ item }}{{ extra.field }}{% end %}"
        "{% match %}{% case _ if flag.on %}{{ a }}{% end %}"
        "{% with pair as (x, (y, z)) %}{{ x }}{{ z }}{{ other }}{% end %}"
        "{% end %}"
    )
    meta = env.from_string(source).block_metadata()["b"]
    assert meta.depends_on == frozenset(
        {"shown", "user", "extra.field", "flag.on", "a", "pair", "other"}
    )
    assert not meta.is_async
    tainted = env.from_string(
        "{% block b %}{% def f() %}{% slot let:x=1 %}{{ await g() }}{% end %}{% end %}{% end %}"
    )
    assert tainted.is_async
    assert tainted.block_metadata()["b"].is_async


REGIONS = (
    "{% region stats(count=items | length) %}{{ count }} items{% end %}"
    '{% region header(title=page?.title ?? "Default") %}<h1>{{ title }}</h1>{% end %}'
)


def test_region_defaults_are_computed_at_each_call(env: Environment) -> None:
    """functions.md, region default expressions: computed when called, from the context then,
    and not at all when the argument is given."""
    template = env.from_string(
        REGIONS + "{% let items = [1, 2, 3] %}{{ stats() }}|{{ stats(count=0) }}|{{ header() }}"
    )
    assert render_all(template) == "3 items|0 items|<h1>Default</h1>"
    regions = env.from_string(REGIONS)
    assert regions.render_block("stats", items=[1]) == "1 items"
    assert regions.render_block("stats", count=7) == "7 items"  # items never read
    assert regions.render_block("header") == "<h1>Default</h1>"
    assert regions.render_block("header", page={"title": "P"}) == "<h1>P</h1>"
    streamed = regions.render_block_stream_async("header", page={"title": "Q"})
    assert asyncio.run(_collect(streamed)) == "<h1>Q</h1>"


def test_slot_content_reads_the_block_context(env: Environment) -> None:
    """functions.md, slot context inheritance: a filler in a block rendered alone reads the
    variables passed to render_block()."""
    template = env.from_string(
        '{% def form(action) %}<form action="{{ action }}">{% slot %}</form>{% end %}'
        '{% block page_content %}{% call form("/search") %}q={{ q }}'
        '{% if selected_tags %};{{ selected_tags | join(",") }}{% end %}{% end %}{% end %}'
    )
    context = {"q": "kida", "selected_tags": ["a", "b"]}
    expected = '<form action="/search">q=kida;a,b</form>'
    assert template.render_block("page_content", **context) == expected
    streamed = template.render_block_stream_async("page_content", **context)
    assert asyncio.run(_collect(streamed)) == expected


def test_iterating_a_def_names_the_shadowing() -> None:
    """functions.md, macro vs context variable naming: iterating an imported def that shadows
    a context variable says so, where it happens."""
    env = Environment(
        loader=DictLoader(
            {
                "tabs.html": "{% def route_tabs(tabs) %}{% end %}",
                "page.html": '{% from "tabs.html" import route_tabs %}\n'
                "{% for tab in route_tabs %}{{ tab }}{% end %}",
            }
        )
    )
    with pytest.raises(TemplateRuntimeError) as info:
        env.get_template("page.html").render(route_tabs=["a"])
    text = str(info.value)
    assert "cannot iterate over macro 'route_tabs'" in text
    assert "in page.html, line 2, column 15" in text
    assert "rename the def (e.g. render_route_tabs)" in text


def test_an_include_in_a_filler_sees_the_bindings() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "row.html": "<td>{{ item }}</td>",
                "page.html": ROWS + "{% call table(['x', 'y']) %}{% slot row %}"
                '{% include "row.html" %}{% end %}{% end %}',
            }
        )
    )
    assert render_all(env.get_template("page.html")) == "<td>x</td><td>y</td>"
