"""about/architecture.md drives the pipeline by hand: ``Lexer`` → tokens, ``Parser`` → tree,
``Compiler(env).compile(tree, name=...)`` → a code object, ``Template(env, code, name=...,
filename=...)`` → a template. The template made that way behaves as ``env.from_string()``'s
(and ``get_template()``'s) in every renderer, in block renders and with inheritance through the
environment's loader, because both go through the same compiler and the same ``Template``.
"""

import asyncio
import types
from pathlib import Path
from typing import Any

import pytest

from kida import (
    DictLoader,
    Environment,
    TemplateError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from kida.bytecode_cache import BytecodeCache
from kida.compiler import Compiler
from kida.environment import select_autoescape
from kida.lexer import Lexer, LexerConfig
from kida.parser import Parser
from kida.sandbox import SandboxedEnvironment, SandboxedTemplate, SandboxPolicy, SecurityError
from kida.template import Template
from tests.kida.test_docs_examples import _render_three_ways

_LOADER = {
    "base.html": "<title>{% block title %}Site{% end %}</title>"
    "<main>{% block body %}{% end %}</main>{% stack 'js' %}",
    "partials/card.html": "<card>{{ title }}</card>",
    "macros.html": "{% def badge(text) %}<b>{{ text }}</b>{% end %}",
}

_SOURCES = {
    "loops": "{% for x in xs %}{{ loop.index }}:{{ x }}{% if not loop.last %}, {% end %}"
    "{% empty %}none{% end %}",
    "escaping": "{{ html }}|{{ html | safe }}|{{ name | upper }}|{{ xs | join('-') }}",
    "defs": "{% def card(title, n=1) %}[{{ title }}x{{ n }}{% slot %}]{% end %}"
    "{% call card('a', n=2) %}body{% end %}{{ card('b') }}",
    "match": "{% match xs | length %}{% case 0 %}zero{% case n if n > 1 %}many {{ n }}"
    "{% case _ %}one{% end %}",
    "blocks": "{% block head %}<h>{{ name }}</h>{% end %}{% block main %}"
    "{% for x in xs %}{{ x }}{% end %}{% end %}",
    "inheritance": '{% extends "base.html" %}{% let who = name %}{% block title %}'
    "{{ who }}{% end %}{% block body %}{% push 'js' %}<s>{% end %}"
    '{% include "./partials/card.html" with title=who %}'
    '{% from "macros.html" import badge %}{{ badge(who) }}{% end %}',
    "composition": '{% include "partials/card.html" %}{% include "nope.html" ignore missing %}'
    '{% import "macros.html" as m %}{{ m.badge(title) }}',
}


def _tree(source: str, name: str | None = "template.html") -> Any:
    tokens = list(Lexer(source, LexerConfig()).tokenize())
    return Parser(tokens, name=name, filename=name, source=source).parse()


def _by_hand(env: Environment, source: str, name: str = "template.html", **kw: Any) -> Template:
    code = Compiler(env).compile(_tree(source, name), name=name)
    return Template(env, code, name=name, filename=name, **kw)


def _block_async(template: Template, block: str, **ctx: Any) -> str:
    async def collect() -> str:
        return "".join([c async for c in template.render_block_stream_async(block, **ctx)])

    return asyncio.run(collect())


def test_the_architecture_page_example() -> None:
    env = Environment()
    source = "Hello, {{ name }}!"
    tokens = list(Lexer(source, LexerConfig()).tokenize())
    parser = Parser(tokens, name="template.html", filename="template.html", source=source)
    ast = parser.parse()
    compiler = Compiler(env)
    code = compiler.compile(ast, name="template.html")
    assert isinstance(code, types.CodeType)  # "Returns compiled code object"
    template = Template(env, code, name="template.html", filename="template.html")
    assert template.render(name="World") == "Hello, World!"
    assert _render_three_ways(template, name="<World>") == "Hello, &lt;World&gt;!"


@pytest.mark.parametrize("kind", sorted(_SOURCES))
def test_equal_to_the_environment_s_template(kind: str) -> None:
    env = Environment(loader=DictLoader(_LOADER))
    source = _SOURCES[kind]
    ctx = {"xs": ["a", "<b>"], "name": "<N>", "html": "<i>", "title": "T"}
    by_hand = _by_hand(env, source)
    reference = env.from_string(source, name="template.html")
    expected = _render_three_ways(reference, **ctx)
    assert _render_three_ways(by_hand, **ctx) == expected
    assert by_hand.list_blocks() == reference.list_blocks()
    for block in reference.list_blocks():
        assert by_hand.render_block(block, **ctx) == reference.render_block(block, **ctx)
        assert _block_async(by_hand, block, **ctx) == _block_async(reference, block, **ctx)


def test_inheritance_through_the_loader_and_block_renders() -> None:
    env = Environment(loader=DictLoader(_LOADER))
    page = _by_hand(env, _SOURCES["inheritance"], name="page.html")
    assert _render_three_ways(page, name="Ann") == (
        "<title>Ann</title><main><card>Ann</card><b>Ann</b></main><s>"
    )
    assert page.parent_name == "base.html"
    assert page.render_block("title", name="Bo") == "Bo"  # the child's let runs first
    assert page.list_blocks() == ["title", "body"]
    assert _block_async(page, "body", name="Cy") == "<card>Cy</card><b>Cy</b>"
    # A by-hand template is a template of the environment: others include and extend it.
    layout = _by_hand(env, "<l>{% block x %}{% end %}</l>", name="layout.html")
    child = env.from_string("{% extends layout %}{% block x %}{% include card %}{% end %}")
    card = _by_hand(env, "[{{ v }}]", name="card.html")
    assert _render_three_ways(child, layout=layout, card=card, v=1) == "<l>[1]</l>"


def test_one_compiler_compiles_several_templates() -> None:
    env = Environment()
    compiler = Compiler(env)
    first = compiler.compile(_tree("{% def f() %}1{% end %}{{ f() }}", "a.html"), name="a.html")
    second = compiler.compile(_tree("{% block b %}{{ x }}{% end %}", "b.html"), "b.html")
    assert Template(env, first, "a.html", "a.html").render() == "1"
    assert _render_three_ways(Template(env, second, "b.html", "b.html"), x=2) == "2"


def test_the_tree_answers_the_static_questions() -> None:
    env = Environment()
    source = "{% block nav %}{{ site.title }}{% end %}{% def card(t: str) %}{{ t }}{% end %}"
    tree = _tree(source)
    code = Compiler(env).compile(tree, name="template.html")
    with_tree = Template(env, code, "template.html", "template.html", tree, source)
    assert with_tree.block_metadata()["nav"].depends_on == frozenset({"site.title"})
    assert with_tree.list_defs() == ["card"]
    assert with_tree.template_metadata() is not None
    bare = Template(env, code, name="template.html", filename="template.html")
    assert bare.block_metadata() == {}  # as with preserve_ast=False
    assert bare.template_metadata() is None
    assert bare.render_block("nav", site={"title": "S"}) == "S"  # rendering needs no tree


def test_async_templates_need_the_async_renderer() -> None:
    env = Environment()
    template = _by_hand(env, "{% async for x in xs %}{{ x }}{% end %}")

    async def numbers() -> Any:
        for i in range(3):
            yield i

    assert template.is_async
    with pytest.raises(TemplateRuntimeError, match="render_stream_async"):
        template.render(xs=numbers())
    assert asyncio.run(template.render_async(xs=numbers())) == "012"


def test_autoescaping_follows_the_name_as_in_the_environment() -> None:
    env = Environment(autoescape=select_autoescape(["html"], default_for_string=False))
    for name in ("page.html", "notes.txt"):
        by_hand = _by_hand(env, "{{ v }}", name=name)
        assert by_hand.autoescape is env.autoescape_for(name)
        assert by_hand.render(v="<b>") == env.from_string("{{ v }}", name=name).render(v="<b>")
    assert _by_hand(env, "{{ v }}", name="notes.txt").render(v="<b>") == "<b>"


def test_static_context_is_available_as_in_from_string() -> None:
    env = Environment(static_context={"site": {"title": "S"}})
    source = "{{ site.title }}|{{ site.title | upper }}"
    assert _render_three_ways(_by_hand(env, source)) == env.from_string(source).render() == "S|S"


def test_a_sandboxed_environment_s_rules_hold() -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=5))
    template = _by_hand(env, "{{ x.__class__ }}")
    assert isinstance(template, SandboxedTemplate)
    with pytest.raises(SecurityError):
        template.render(x=1)
    with pytest.raises(SecurityError):
        _by_hand(env, "{{ 'x' * 3 }}{{ text }}").render(text="longer")


def test_the_code_round_trips_through_kida_s_bytecode_cache(tmp_path: Path) -> None:
    env = Environment()
    env.add_filter("shout", lambda value: f"{value}!")
    code = Compiler(env).compile(_tree("{{ name | shout | upper }}{{ 3 is odd }}"), "t.html")
    cache = BytecodeCache(tmp_path)
    cache.set("t.html", "hash", code)
    loaded = cache.get("t.html", "hash")
    assert isinstance(loaded, types.CodeType)
    assert _render_three_ways(Template(env, loaded, "t.html", "t.html"), name="a") == "A!True"


def test_filters_are_bound_by_name_in_the_template_s_environment() -> None:
    env = Environment()
    env.add_filter("shout", lambda value: f"{value}!")
    code = Compiler(env).compile(_tree("{{ name | shout }}"), "t.html")
    other = Environment(filters={"shout": lambda value: f"{value}?"})
    assert Template(other, code, "t.html", "t.html").render(name="a") == "a?"
    with pytest.raises(TemplateError, match="calls the filter 'shout'") as raised:
        Template(Environment(), code, "t.html", "t.html")
    assert raised.value.code is not None
    assert raised.value.code.value == "K-PAR-004"


def test_errors_name_the_template_and_line() -> None:
    env = Environment()
    source = "ok\n{{ user.name }}"
    code = Compiler(env).compile(_tree(source), name="template.html")
    template = Template(env, code, "template.html", "template.html", source=source)
    with pytest.raises(UndefinedError) as raised:
        template.render()
    assert "template.html, line 2" in str(raised.value)
    assert "{{ user.name }}" in str(raised.value)
    with pytest.raises(TemplateSyntaxError, match="unknown filter 'nope'"):
        Compiler(env).compile(_tree("{{ x | nope }}"), name="template.html")
