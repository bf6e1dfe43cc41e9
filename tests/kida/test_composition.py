"""Inheritance, include, embed, import and components (def/call/slots)."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from kida import Environment, TemplateNotFoundError, TemplateRuntimeError, TemplateSyntaxError
from tests.kida.conftest import render_all

MakeEnv = Callable[..., Environment]

LAYOUTS = {
    "base.html": "<title>{% block title %}Site{% end %}</title>"
    "<main>{% block body %}{% end %}</main>",
    "section.html": '{% extends "base.html" %}'
    "{% block body %}<nav/>{% block content %}{% end %}{% end %}",
    "page.html": '{% extends "section.html" %}{% block title %}Page{% end %}'
    "{% block content %}{% for x in items %}{{ x }}{% end %}{% end %}",
}


def test_three_level_inheritance(loader_env: MakeEnv) -> None:
    env = loader_env(LAYOUTS)
    page = env.get_template("page.html")
    assert render_all(page, items=[1, 2]) == "<title>Page</title><main><nav/>12</main>"
    assert page.render_block("title") == "Page"
    assert page.render_block("body", items=[3]) == "<nav/>3"
    assert page.render_block("content", items=[4]) == "4"
    # Its own blocks, then those it inherits (render_block finds them all).
    assert page.list_blocks() == ["title", "content", "body"]


def test_dynamic_extends(loader_env: MakeEnv) -> None:
    env = loader_env(
        {**LAYOUTS, "a.html": "A{% block x %}{% end %}", "b.html": "B{% block x %}{% end %}"}
    )
    child = env.from_string("{% extends layout %}{% block x %}!{% end %}")
    assert render_all(child, layout="a.html") == "A!"
    assert render_all(child, layout="b.html") == "B!"


def test_child_toplevel_definitions_visible_in_blocks(loader_env: MakeEnv) -> None:
    env = loader_env(LAYOUTS)
    child = env.from_string(
        '{% extends "base.html" %}{% let who = "you" %}{% def hi(n) %}hi {{ n }}{% end %}'
        "{% block body %}{{ hi(who) }}{% end %}"
    )
    assert render_all(child) == "<title>Site</title><main>hi you</main>"
    assert child.render_block("body") == "hi you"


def test_include_variants(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "item.html": "[{{ x }}{{ loop.index if loop is defined else '' }}]",
            "dir/a.html": "{% include './b.html' %}",
            "dir/b.html": "B{{ y ?? '' }}",
            "other.html": "{% include '../dir/b.html' %}",
        }
    )
    assert (
        render_all(env.from_string("{% for x in xs %}{% include 'item.html' %}{% end %}"), xs="ab")
        == "[a1][b2]"
    )
    assert render_all(env.get_template("dir/a.html")) == "B"
    assert render_all(env.from_string("{% include ['nope.html', 'dir/b.html'] %}")) == "B"
    assert render_all(env.from_string("{% include 'nope.html' ignore missing %}x")) == "x"
    assert render_all(env.from_string("{% include 'dir/b.html' with y=2 %}")) == "B2"
    assert render_all(env.from_string("{% include 'dir/b.html' with x=1 only %}"), y=5) == "B"
    with pytest.raises(TemplateNotFoundError):
        env.from_string("{% include 'nope.html' %}").render()


def test_alias_paths(loader_env: MakeEnv) -> None:
    env = loader_env({"components/ui/button.html": "btn"}, aliases={"ui": "components/ui"})
    assert render_all(env.from_string("{% include '@ui/button.html' %}")) == "btn"


def test_embed(loader_env: MakeEnv) -> None:
    env = loader_env(
        {"card.html": "<div>{% block head %}H{% end %}|{% block body %}B{% end %}</div>"}
    )
    template = env.from_string('{% embed "card.html" %}{% block body %}{{ msg }}{% end %}{% end %}')
    assert render_all(template, msg="hi") == "<div>H|hi</div>"


def test_import_and_from_import(loader_env: MakeEnv) -> None:
    env = loader_env(
        {"ui.html": "{% def btn(label) %}<b>{{ label }}</b>{% end %}{% let version = 2 %}"}
    )
    assert (
        render_all(env.from_string('{% import "ui.html" as ui %}{{ ui.btn("x") }}{{ ui.version }}'))
        == "<b>x</b>2"
    )
    assert (
        render_all(env.from_string('{% from "ui.html" import btn as b %}{{ b("y") }}'))
        == "<b>y</b>"
    )


def test_def_parameters(env: Environment) -> None:
    source = (
        "{% def f(a, b: int = 2, *rest, **kw) %}"
        "{{ a }}{{ b }}{{ rest | length }}{{ kw | length }}{% end %}"
        "{{ f(1) }}|{{ f(1, 3, 4, 5, k=6) }}"
    )
    assert render_all(env.from_string(source)) == "1200|1321"


def test_def_output_is_not_escaped_twice(env: Environment) -> None:
    assert (
        render_all(env.from_string("{% def f(x) %}<i>{{ x }}</i>{% end %}{{ f('<') }}"))
        == "<i>&lt;</i>"
    )


def test_recursive_def(env: Environment) -> None:
    source = (
        "{% def count(n) %}{{ n }}{% if n > 0 %}{{ count(n - 1) }}{% end %}{% end %}{{ count(3) }}"
    )
    assert render_all(env.from_string(source)) == "3210"


def test_call_with_slots(env: Environment) -> None:
    source = (
        "{% def card(title) %}<h1>{{ title }}</h1>{% slot %}<footer>{% slot footer %}</footer>"
        "{{ has_slot('footer') }}{{ has_slot('aside') }}{% end %}"
        "{% call card('T') %}body {{ x }}{% slot footer %}F{% end %}{% end %}"
    )
    assert render_all(env.from_string(source), x=1) == "<h1>T</h1>body 1<footer>F</footer>TrueFalse"


def test_caller_function(env: Environment) -> None:
    source = (
        "{% def wrap() %}[{{ caller() }}|{{ caller('x') }}]{% end %}"
        "{% call wrap() %}in{% slot x %}X{% end %}{% end %}"
    )
    assert render_all(env.from_string(source)) == "[in|X]"


def test_scoped_slots(env: Environment) -> None:
    source = (
        "{% def table(rows) %}{% for r in rows %}"
        "{% slot row let:item=r, let:i=loop.index %}{% end %}{% end %}{% end %}"
        "{% call table([1, 2]) %}{% slot row let:item, let:i %}{{ i }}:{{ item }};{% end %}"
        "{% end %}"
    )
    assert render_all(env.from_string(source)) == "1:1;2:2;"


def test_yield_forwards_a_slot(env: Environment) -> None:
    source = (
        "{% def inner() %}<i>{% slot %}</i>{% end %}"
        "{% def outer() %}{% call inner() %}{% yield %}{% end %}{% end %}"
        "{% call outer() %}deep{% end %}"
    )
    assert render_all(env.from_string(source)) == "<i>deep</i>"


def test_region_is_block_and_callable(env: Environment) -> None:
    template = env.from_string(
        "{% region card(title='x') %}<h2>{{ title }}</h2>{% end %}{{ card(title='a') }}"
    )
    assert render_all(template) == "<h2>a</h2>"
    assert template.render_block("card", title="b") == "<h2>b</h2>"
    assert template.render_block("card") == "<h2>x</h2>"


def test_fragment_renders_only_on_request(env: Environment) -> None:
    template = env.from_string("a{% fragment f %}F{{ x }}{% end %}b")
    assert render_all(template) == "ab"
    assert template.render_block("f", x=1) == "F1"


def test_block_condition_and_locals(env: Environment) -> None:
    template = env.from_string(
        "{% for i in [1, 2] %}{% block b if i > 1 %}{{ i }}{% end %}{% end %}"
    )
    assert render_all(template) == "2"


def test_template_cache_reloads_changed_source(loader_env: MakeEnv) -> None:
    templates = {"a.html": "one"}
    env = loader_env(templates)
    assert env.get_template("a.html") is env.get_template("a.html")
    templates["a.html"] = "two"
    assert env.get_template("a.html").render() == "two"


def test_parameters_named_like_builtins(env: Environment) -> None:
    source = (
        "{% def button(type, id, str='s') %}{{ type }}{{ id }}{{ str }}{% end %}"
        "{{ button('a', 1) }}"
    )
    assert render_all(env.from_string(source)) == "a1s"


def test_context_variables_named_like_render_parameters(env: Environment) -> None:
    template = env.from_string("{% block b %}{{ name }}{{ self }}{% end %}")
    assert template.render(name="n", self="s") == "ns"
    assert template.render_block("b", name="n", self="s") == "ns"


def test_render_block_tolerates_toplevel_values_it_does_not_need(env: Environment) -> None:
    template = env.from_string("{% let title = page.title %}{% block b %}{{ x }}{% end %}")
    assert template.render_block("b", x=1) == "1"


def test_render_block_parity_with_the_async_block_stream(loader_env: MakeEnv) -> None:
    import asyncio

    env = loader_env(LAYOUTS)
    page = env.get_template("page.html")

    async def streamed(name: str) -> str:
        return "".join([c async for c in page.render_block_stream_async(name, items=[1, 2])])

    for name in ("title", "body", "content"):
        assert asyncio.run(streamed(name)) == page.render_block(name, items=[1, 2])


def test_imported_defs_see_the_current_render(loader_env: MakeEnv) -> None:
    env = loader_env({"ui.html": "{% def themed() %}{{ consume('theme', 'light') }}{% end %}"})
    template = env.from_string(
        '{% from "ui.html" import themed %}{% provide theme = t %}{{ themed() }}{% end %}'
    )
    assert render_all(template, t="dark") == "dark"
    assert render_all(template, t="blue") == "blue"


def test_inheritance_cycles_are_reported(loader_env: MakeEnv) -> None:
    from kida import TemplateRuntimeError

    env = loader_env(
        {
            "self.html": '{% extends "self.html" %}',
            "a.html": '{% extends "b.html" %}{% block x %}{% end %}',
            "b.html": '{% extends "a.html" %}{% block x %}{% end %}',
        }
    )
    for name in ("self.html", "a.html"):
        with pytest.raises(TemplateRuntimeError, match="circular extends"):
            env.get_template(name).render()


def test_include_recursion_is_a_template_error_naming_the_cycle(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "self.html": "x{% include 'self.html' %}",
            "a.html": "a\n{% include 'b.html' %}",
            "b.html": "{% include 'a.html' %}",
        }
    )
    renderers = {
        "render": lambda t: t.render(),
        "render_stream": lambda t: "".join(t.render_stream()),
        "render_async": lambda t: asyncio.run(t.render_async()),
    }
    for how, run in renderers.items():
        with pytest.raises(TemplateRuntimeError) as info:
            run(env.get_template("self.html"))
        assert "self.html:1 → self.html" in str(info.value), how
        assert info.value.hint
        assert "{% if %}" in info.value.hint
        with pytest.raises(TemplateRuntimeError) as info:
            run(env.get_template("a.html"))
        assert "a.html:2 → b.html:1 → a.html" in str(info.value), how
        assert info.value.lineno in (1, 2), how


def test_recursive_include_with_a_stop_renders(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "tree.html": "({{ n }}{% if n > 0 %}{% with n = n - 1 %}"
            "{% include 'tree.html' %}{% end %}{% end %})"
        }
    )
    assert render_all(env.get_template("tree.html"), n=3) == "(3(2(1(0))))"


GLOBALS_PAGE = (
    "{% globals %}\n{% def greet(n) %}Hello {{ n }}{% end %}\n{% let punct = '!' %}\n{% end %}"
    "{% imports %}{% from 'macros.html' import shout %}{% import 'macros.html' as m %}{% end %}"
    "<{% block main %}{{ greet(who) }}{{ punct }} {{ shout(who) }} {{ m.shout('x') }}{% end %}>"
)


def test_globals_and_imports_blocks_define_for_the_page_and_for_blocks(
    loader_env: MakeEnv,
) -> None:
    env = loader_env(
        {"macros.html": "{% def shout(s) %}{{ s | upper }}{% end %}", "page.html": GLOBALS_PAGE}
    )
    page = env.get_template("page.html")
    assert render_all(page, who="Ann") == "<Hello Ann! ANN X>"
    assert page.render_block("main", who="Bo") == "Hello Bo! BO X"
    block = asyncio.run(collect(page.render_block_stream_async("main", who="Bo")))
    assert block == "Hello Bo! BO X"
    assert page.required_context() == frozenset({"who"})


async def collect(stream: Any) -> str:
    return "".join([chunk async for chunk in stream])


@pytest.mark.parametrize("tag", ["globals", "imports"])
def test_definition_blocks_refuse_output(env: Environment, tag: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="definitions only") as info:
        env.from_string(f"{{% {tag} %}}\n  {{{{ x }}}}{{% end{tag} %}}")
    assert (info.value.lineno, info.value.col) == (2, 3)
