"""Statements: control flow, variables and scoping, the tags of the long tail."""

from collections.abc import Callable

import pytest

from kida import Environment, TemplateSyntaxError

Render = Callable[..., str]


def test_if_elif_else_unless(render: Render) -> None:
    source = "{% if x > 2 %}big{% elif x > 1 %}mid{% else %}small{% end %}"
    assert [render(source, x=v) for v in (3, 2, 1)] == ["big", "mid", "small"]
    assert render("{% unless x %}no{% else %}yes{% endunless %}", x=0) == "no"
    assert render("{% if x %}a{% endif %}", x=1) == "a"


def test_for_loop_attributes(render: Render) -> None:
    source = (
        "{% for x in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
        "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}"
        "{{ loop.nextitem }}{{ loop.cycle('o', 'e') }}{{ loop.depth }};{% end %}"
    )
    assert render(source, items="ab") == "10TrueFalse221bo1;21FalseTrue210ae1;"


def test_for_tuple_targets_filter_and_empty(render: Render) -> None:
    assert (
        render("{% for k, v in d.items() %}{{ k }}={{ v }} {% end %}", d={"a": 1, "b": 2})
        == "a=1 b=2 "
    )
    assert render("{% for x in xs if x % 2 %}{{ x }}{% end %}", xs=[1, 2, 3]) == "13"
    assert (
        render(
            "{% for x in xs if x % 2 %}{{ loop.index }}/{{ loop.length }} {% end %}", xs=[1, 2, 3]
        )
        == "1/2 2/2 "
    )
    assert render("{% for x in xs %}{{ x }}{% empty %}none{% end %}", xs=[]) == "none"
    assert render("{% for x in xs %}{{ x }}{% else %}none{% endfor %}", xs=[]) == "none"
    # Items the filter drops do not count as iterations: {% empty %} still renders.
    assert render("{% for x in xs if x > 5 %}{{ x }}{% empty %}none{% end %}", xs=[1, 2]) == "none"
    assert render("{% for x in xs %}{% end %}", xs=[1]) == ""


def test_nested_loop_depth(render: Render) -> None:
    source = (
        "{% for a in 'ab' %}{% for b in 'c' %}{{ loop.depth }}{{ loop.parent.index }}{% end %}"
        "{% end %}"
    )
    assert render(source) == "2122"


def test_while_break_continue(render: Render) -> None:
    source = (
        "{% let i = 0 %}{% while i < 10 %}{% let i = i + 1 %}{% if i == 2 %}{% continue %}{% end %}"
        "{% if i > 4 %}{% break %}{% end %}{{ i }}{% end %}"
    )
    assert render(source) == "134"


def test_break_outside_loop_is_a_syntax_error(env: Environment) -> None:
    with pytest.raises(TemplateSyntaxError, match="outside a loop"):
        env.from_string("{% break %}")


def test_match(render: Render) -> None:
    source = (
        "{% match v %}{% case 1 %}one{% case (a, b) %}pair {{ a }}{{ b }}"
        "{% case {'k': x} if x > 1 %}dict {{ x }}{% case _ %}other{% end %}"
    )
    assert render(source, v=1) == "one"
    assert render(source, v=(3, 4)) == "pair 34"
    assert render(source, v={"k": 2}) == "dict 2"
    assert render(source, v={"k": 0}) == "other"


def test_set_is_block_scoped_and_let_is_template_wide(render: Render) -> None:
    assert render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% end %}{{ x }}") == "21"
    assert render("{% let x = 1 %}{% for i in [1] %}{% let x = 2 %}{% end %}{{ x }}") == "2"
    assert (
        render("{% for i in [1, 2] %}{% export total = (total ?? 0) + i %}{% end %}{{ total }}")
        == "3"
    )
    assert render("{% if true %}{% promote p = 5 %}{% end %}{{ p }}") == "5"


def test_assignment_forms(render: Render) -> None:
    assert render("{% set a, b = 1, 2 %}{{ a }}{{ b }}") == "12"
    assert render("{% set a = 1, b = 2 %}{{ a }}{{ b }}") == "12"
    assert render("{% set x ??= 5 %}{{ x }}") == "5"
    assert render("{% set x ??= 5 %}{{ x }}", x=1) == "1"
    assert render("{% let y ??= 'd' %}{{ y }}", y=None) == "d"


def test_with(render: Render) -> None:
    assert render("{% with a = 1, b = 2 %}{{ a + b }}{% end %}") == "3"
    assert (
        render("{% with user as u %}{{ u.name }}{% empty %}nobody{% end %}", user={"name": "A"})
        == "A"
    )
    assert (
        render("{% with user as u %}{{ u.name }}{% empty %}nobody{% end %}", user=None) == "nobody"
    )


def test_capture_filter_spaceless(render: Render) -> None:
    assert render("{% capture c %}<b>{{ x }}</b>{% end %}{{ c }}", x="<") == "<b>&lt;</b>"
    assert render("{% filter upper %}a{{ x }}{% end %}", x="b") == "AB"
    assert render("{% spaceless %} <p>\n  <i>x</i> </p> {% end %}") == "<p><i>x</i></p>"


def test_cache(env: Environment) -> None:
    calls: list[int] = []

    def tick() -> int:
        calls.append(1)
        return len(calls)

    template = env.from_string("{% cache 'k', ttl=60 %}{{ tick() }}{% end %}")
    assert template.render(tick=tick) == "1"
    assert template.render(tick=tick) == "1"
    assert len(calls) == 1


def test_try_fallback(render: Render) -> None:
    assert render("{% try %}a{{ 1 // 0 }}{% fallback %}safe{% end %}") == "safe"
    assert (
        render("{% try %}{{ boom() }}{% fallback err %}{{ err }}{% end %}", boom=_boom) == "kaboom"
    )
    assert render("{% try %}ok{% fallback %}no{% end %}") == "ok"


def _boom() -> None:
    raise ValueError("kaboom")


def test_push_stack_provide_consume(render: Render) -> None:
    assert (
        render("{% push 'js' %}<a>{% end %}{% push 'js' %}<b>{% end %}{% stack 'js' %}") == "<a><b>"
    )
    source = (
        "{% provide theme = 'dark' %}{{ consume('theme') }}{% end %}|{{ consume('theme', 'none') }}"
    )
    assert render(source) == "dark|none"


def test_raw_and_comments(render: Render) -> None:
    assert render("{% raw %}{{ x }}{% end %}{% endraw %}") == "{{ x }}{% end %}"
    assert render("a{# hidden #}b") == "ab"


def test_whitespace_control(render: Render) -> None:
    assert render("a  {{- 'b' -}}  c") == "abc"
    assert render("a\n  {%- if true -%}\n  b\n{%- end %}") == "ab"
    assert render("x {#- c -#} y") == "xy"


def test_trans(render: Render) -> None:
    assert render("{% trans name=n %}Hello {{ name }}{% endtrans %}", n="<A>") == "Hello &lt;A&gt;"
    source = "{% trans count=c %}one item{% plural %}{{ count }} items{% endtrans %}"
    assert render(source, c=1) == "one item"
    assert render(source, c=3) == "3 items"


def test_trans_looks_up_its_text_with_whitespace_collapsed(env: Environment) -> None:
    env.add_global("gettext", {"Hello, world!": "Bonjour, monde !"}.__getitem__)
    source = "<p>{% trans %}\n  Hello,\n    world!\n{% endtrans %}</p>"
    assert env.from_string(source).render() == "<p>Bonjour, monde !</p>"


def test_trans_uses_gettext_global(env: Environment) -> None:
    env.add_global("gettext", lambda s: s.upper())
    assert env.from_string("{% trans %}hi 100%{% end %}").render() == "HI 100%"


def test_flush_and_declarations(render: Render) -> None:
    assert render("{% template user: User %}a{% flush %}b") == "ab"


def test_configurable_delimiters() -> None:
    env = Environment(block_start="<%", block_end="%>", variable_start="${", variable_end="}")
    assert env.from_string("<% if x %>${ x }<% end %>").render(x=1) == "1"


def test_dict_literal_inside_output(render: Render) -> None:
    assert render("{{ {'a': {'b': 1}}['a']['b'] }}") == "1"


def test_trim_and_lstrip_blocks() -> None:
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    source = "<ul>\n    {% for x in xs %}\n  <li>{{ x }}</li>\n    {% end %}\n</ul>"
    assert env.from_string(source).render(xs=[1]) == "<ul>\n  <li>1</li>\n</ul>"


def test_stream_has_a_chunk_boundary_at_flush(env: Environment) -> None:
    chunks = list(env.from_string("a{% flush %}b").render_stream())
    assert chunks == ["a", "b"]


def test_stack_in_layout_collects_pushes_from_later_blocks() -> None:
    from kida import DictLoader

    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<head>{% stack 'js' %}</head>{% block body %}{% end %}",
                "page.html": '{% extends "base.html" %}{% block body %}'
                "{% push 'js' %}<script/>{% end %}ok{% end %}",
            }
        )
    )
    assert env.get_template("page.html").render() == "<head><script/></head>ok"


async def test_streamed_stack_holds_the_output_after_it_until_the_pushes_are_in() -> None:
    """Every renderer fills a stack with the pushes of the whole render; the streams send
    what precedes the first stack at once and the rest when the render is over."""
    from kida import DictLoader

    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<head>{% stack 'js' %}</head>{% block body %}{% end %}"
                "<foot>{% stack 'js' %}</foot>",
                "page.html": '{% extends "base.html" %}{% block body %}'
                "{% push 'js' %}<script/>{% end %}ok{% end %}",
            }
        )
    )
    page = env.get_template("page.html")
    expected = "<head><script/></head>ok<foot><script/></foot>"
    assert page.render() == expected
    assert list(page.render_stream()) == ["<head>", expected.removeprefix("<head>")]
    assert "".join([c async for c in page.render_stream_async()]) == expected
    assert await page.render_async() == expected
