"""The sandbox: the known escapes of template sandboxes, each refused in every renderer, the
policy options each proven, and a plain Environment left exactly as it was."""

import asyncio
import math
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

import kida
from kida import (
    DictLoader,
    Environment,
    FileSystemBytecodeCache,
    SandboxedEnvironment,
    SandboxPolicy,
    SecurityError,
    TemplateError,
    TemplateRuntimeError,
    UndefinedError,
)
from kida.environment.filters import DEFAULT_FILTERS

RENDERERS = ["render", "stream", "async_stream", "block", "block_async"]


async def collect(stream: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in stream])


def run(env: Environment, source: str, renderer: str, **ctx: Any) -> str:
    """Render ``source`` with one renderer; the block renderers render it as block ``b``."""
    if renderer.startswith("block"):
        template = env.from_string("{% block b %}" + source + "{% end %}")
        if renderer == "block":
            return template.render_block("b", **ctx)
        return asyncio.run(collect(template.render_block_stream_async("b", **ctx)))
    template = env.from_string(source)
    if renderer == "render":
        return template.render(**ctx)
    if renderer == "stream":
        return "".join(template.render_stream(**ctx))
    return asyncio.run(collect(template.render_stream_async(**ctx)))


class Plain:
    """An ordinary object from an application, as templates receive them."""

    def __init__(self) -> None:
        self.name = "plain"
        self.password = "hunter2"

    def greet(self) -> str:
        return "hi"


class Record:
    """A Django-like model instance: ``delete`` is marked as altering data."""

    deleted = False

    def delete(self) -> None:
        Record.deleted = True

    delete.alters_data = True  # type: ignore[attr-defined]


def helper() -> str:
    return "helped"


def paused() -> Iterator[int]:
    yield 1


def context() -> dict[str, Any]:
    return {
        "obj": Plain(),
        "cls": Plain,
        "f": helper,
        "gen": paused(),
        "frame": sys._getframe(),
        "code": helper.__code__,
        "items": [3, 1, 2],
        "d": {"a": 1},
        "rec": Record(),
        "mod": os,
        "x": "text",
    }


# (what, source, code): every one must be refused, with that code, in every renderer.
ESCAPES = [
    ("subclasses", "{{ ''.__class__.__mro__[1].__subclasses__()|length }}", "K-SEC-001"),
    ("function globals", "{{ f.__globals__ }}", "K-SEC-001"),
    ("init globals", "{{ obj.__init__.__globals__['os'] }}", "K-SEC-001"),
    ("method globals", "{{ obj.greet.__func__.__globals__ }}", "K-SEC-001"),
    ("generator frame", "{{ gen.gi_frame.f_back.f_globals }}", "K-SEC-001"),
    ("frame back", "{{ frame.f_back }}", "K-SEC-001"),
    ("frame globals", "{{ frame.f_globals }}", "K-SEC-001"),
    ("any frame attribute", "{{ frame.f_lineno }}", "K-SEC-002"),
    ("code object", "{{ f.__code__.co_consts }}", "K-SEC-001"),
    ("code attributes", "{{ code.co_filename }}", "K-SEC-002"),
    ("builtins of a function", "{{ f.__builtins__ }}", "K-SEC-001"),
    ("format trick", "{{ '{0.__class__.__mro__}'.format(x) }}", "K-SEC-001"),
    ("format, automatic field", "{{ '{.__class__}'.format(x) }}", "K-SEC-001"),
    ("format, item then attribute", "{{ '{0[a].__class__}'.format(d) }}", "K-SEC-001"),
    ("format in a spec", "{{ '{0:{1.__class__}}'.format(1, x) }}", "K-SEC-001"),
    ("format_map trick", "{{ '{v.__class__}'.format_map({'v': x}) }}", "K-SEC-001"),
    ("format bound then called", "{% set fmt = '{0.__class__}'.format %}{{ fmt(x) }}", "K-SEC-001"),
    ("format filter", "{{ '{0.__globals__}'|format(f) }}", "K-SEC-001"),
    ("Markup format", "{{ ('{0.__class__}'|safe).format(x) }}", "K-SEC-001"),
    ("Markup dunder", "{{ (x|safe).__class__ }}", "K-SEC-001"),
    ("mro()", "{{ x.mro() }}", "K-SEC-001"),
    ("class attributes", "{{ cls.greet }}", "K-SEC-002"),
    ("reduce_ex", "{{ obj.__reduce_ex__(2) }}", "K-SEC-001"),
    ("append", "{{ items.append(4) }}", "K-SEC-001"),
    ("update", "{{ d.update({'a': 2}) }}", "K-SEC-001"),
    ("pop", "{{ items.pop() }}", "K-SEC-001"),
    ("append through a subscript", "{{ items['append'](4) }}", "K-SEC-001"),
    ("attribute through a subscript", "{{ x['__class__'] }}", "K-SEC-001"),
    ("optional chaining", "{{ x?.__class__ }}", "K-SEC-001"),
    ("soft lookup", "{{ x.__class__ ?? 'none' }}", "K-SEC-001"),
    ("attr filter", "{{ x|attr('__class__') }}", "K-SEC-001"),
    ("get filter", "{{ obj|get('__dict__') }}", "K-SEC-001"),
    ("map attribute", "{{ items|map(attribute='__class__')|list }}", "K-SEC-001"),
    ("sort attribute path", "{{ [obj]|sort(attribute='greet.__func__') }}", "K-SEC-001"),
    ("groupby", "{{ items|groupby('__class__') }}", "K-SEC-001"),
    ("selectattr", "{{ items|selectattr('__class__')|list }}", "K-SEC-001"),
    ("sum attribute", "{{ [obj]|sum(attribute='__init__') }}", "K-SEC-001"),
    ("loop internals", "{% for i in items %}{{ loop.__class__ }}{% end %}", "K-SEC-001"),
    ("loop method", "{% for i in items %}{{ loop.cycle.__self__ }}{% end %}", "K-SEC-001"),
    ("def internals", "{% def m() %}x{% end %}{{ m.function.__globals__ }}", "K-SEC-001"),
    ("modules", "{{ mod.system }}", "K-SEC-002"),
    ("calling a class", "{{ cls() }}", "K-SEC-004"),
    ("alters_data", "{{ rec.delete() }}", "K-SEC-004"),
    ("huge range", "{{ range(10**9)|length }}", "K-SEC-003"),
    ("huge range literal", "{% for i in 1..10**9 %}{% end %}", "K-SEC-003"),
    ("huge string", "{{ 'x' * 10**9 }}", "K-SEC-003"),
    ("huge list", "{{ (10**9 * [0])|length }}", "K-SEC-003"),
    ("huge % width", "{{ '%999999999d' % 1 }}", "K-SEC-003"),
    ("huge % width from the values", "{{ '%*d' % (10**9, 1) }}", "K-SEC-003"),
    ("huge format width", "{{ '{:>999999999}'.format(1) }}", "K-SEC-003"),
    ("huge format precision", "{{ '{0:.{1}f}'.format(1.5, 10**9) }}", "K-SEC-003"),
    ("huge format filter width", "{{ '{:>999999999}'|format(1) }}", "K-SEC-003"),
    ("huge center", "{{ x|center(10**9) }}", "K-SEC-003"),
    ("huge indent", "{{ x|indent(width=10**9) }}", "K-SEC-003"),
    ("huge batch", "{{ items|batch(10**9, 0)|list }}", "K-SEC-003"),
    ("huge slice", "{{ items|slice(10**9)|list }}", "K-SEC-003"),
    ("huge tojson indent", "{{ d|tojson(10**9) }}", "K-SEC-003"),
]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize(("what", "source", "code"), ESCAPES, ids=[e[0] for e in ESCAPES])
def test_known_escapes_are_refused_in_every_renderer(
    what: str, source: str, code: str, renderer: str
) -> None:
    ctx = context()
    with pytest.raises(SecurityError) as caught:
        run(SandboxedEnvironment(), source, renderer, **ctx)
    assert caught.value.code == code, str(caught.value)
    assert caught.value.lineno == 1  # located in every renderer
    assert ctx["items"] == [3, 1, 2]  # nothing was changed
    assert ctx["d"] == {"a": 1}
    assert not Record.deleted


@pytest.mark.parametrize("what", ["subclasses", "format trick", "append", "huge string"])
def test_the_same_templates_run_unchecked_in_a_plain_environment(what: str) -> None:
    """The escapes above are real: a plain Environment performs them (so the sandbox, not the
    language, is what stops them)."""
    source = next(s for name, s, _ in ESCAPES if name == what)
    ctx = context()
    if what == "huge string":
        source = "{{ ('x' * 10**5)|length }}"  # the same operation, affordable
    text = Environment(autoescape=False).from_string(source).render(**ctx)
    if what == "subclasses":
        assert int(text) > 100
    if what == "huge string":
        assert text == "100000"
    if what == "format trick":
        assert "object" in text
    if what == "append":
        assert ctx["items"] == [3, 1, 2, 4]


def test_a_plain_environment_compiles_no_checks() -> None:
    plain = Environment().from_string("{{ f() * 2 }}{{ x.y }}")
    sandboxed = SandboxedEnvironment().from_string("{{ f() * 2 }}{{ x.y }}")
    plain_names = set(plain._root.__code__.co_names)
    sandboxed_names = set(sandboxed._root.__code__.co_names)
    assert {"_sc", "_mul"} <= sandboxed_names
    assert not {"_sc", "_mul"} & plain_names
    assert plain._root.__globals__["_ga"] is kida.runtime.access.get_attr
    assert Environment().filters["sort"] is DEFAULT_FILTERS["sort"]
    assert Environment().globals["range"] is range
    assert type(Environment().from_string("")) is kida.Template


def test_a_shared_bytecode_cache_keeps_sandboxed_and_plain_code_apart(tmp_path: Path) -> None:
    source = {"t.html": "{{ x.__class__.__name__ }}{{ f() }}"}
    for make in (Environment, SandboxedEnvironment, Environment, SandboxedEnvironment):
        env = make(loader=DictLoader(source), bytecode_cache=FileSystemBytecodeCache(tmp_path))
        template = env.get_template("t.html")
        if make is Environment:
            assert template.render(x=1, f=helper) == "inthelped"
        else:
            with pytest.raises(SecurityError):
                template.render(x=1, f=helper)
    assert len(list(tmp_path.iterdir())) == 2


def test_security_errors_name_the_template_line_and_column() -> None:
    env = SandboxedEnvironment(loader=DictLoader({"t.html": "ok\n  {{ x.__class__ }}"}))
    with pytest.raises(SecurityError) as caught:
        env.get_template("t.html").render(x=1)
    error = caught.value
    assert isinstance(error, TemplateError)
    assert (error.name, error.lineno, error.code) == ("t.html", 2, "K-SEC-001")
    assert error.col is not None
    assert error.col > 2
    text = str(error)
    assert text.startswith("K-SEC-001: reading '__class__' is blocked")
    assert "t.html, line 2" in text
    assert "hint:" in text


def test_the_public_names() -> None:
    import kida.sandbox as sandbox

    assert sandbox.SandboxedEnvironment is SandboxedEnvironment
    assert sandbox.SandboxPolicy is SandboxPolicy
    assert sandbox.SecurityError is SecurityError is kida.exceptions.SecurityError


def test_items_read_as_in_a_plain_environment() -> None:
    source = "{{ items[0] }} {{ d[1] }} {{ d['k'] }} {{ items[9] ?? 'none' }} {{ d[[1]] ?? 'no' }}"
    ctx = {"items": [5], "d": {1: "one", "k": "key"}}
    assert SandboxedEnvironment().from_string(source).render(**ctx) == "5 one key none no"
    assert Environment().from_string(source).render(**ctx) == "5 one key none no"
    with pytest.raises(UndefinedError):
        SandboxedEnvironment().from_string("{{ items[9] }}").render(items=[5])


def test_builtins_are_no_template_variables() -> None:
    env = SandboxedEnvironment()
    for source in ("{{ __builtins__ }}", "{{ __import__('os') }}", "{{ getattr(x, 'y') }}"):
        with pytest.raises(UndefinedError):
            env.from_string(source).render(x=1)


# --- what keeps working -------------------------------------------------------------------

PAGES = {
    "base.html": "<title>{% block title %}Site{% end %}</title>{% block body %}{% end %}",
    "macros.html": "{% def badge(text) %}<b>{{ text }}</b>{% end %}",
    "page.html": """{% extends "base.html" %}
{% from "macros.html" import badge %}
{% block title %}{{ title|title }}{% end %}
{% block body %}
{% def row(item, cls) %}<li class="{{ cls }}">{{ item.name|upper }} {{ caller() }}</li>{% end %}
<ul>{% for item in items|sort(attribute="name") %}
{% call row(item, loop.cycle("a", "b")) %}{{ badge(item.tags|join(", ")) }}{% end %}{% end %}</ul>
{{ "{} of {}"|format(1, 2) }} {{ "{0} & {1}".format("a", "b") }} {{ (1..3)|list }}
{{ user.greet() }} {{ user.name ?? "anon" }} {{ user?.missing ?? "none" }} {{ "-" * 3 }}
{{ data.items()|list|length }} {{ data.get("k") }} {{ safe_html }}
{{ items|map(attribute="name")|join }}
{% include "part.html" %}
{% end %}""",
    "part.html": "<p>{{ range(3)|list }} {{ dict(a=1) }}</p>",
}


@pytest.mark.parametrize("renderer", ["render", "stream", "async_stream"])
def test_ordinary_templates_render_exactly_as_in_a_plain_environment(renderer: str) -> None:
    ctx = {
        "title": "hello",
        "items": [{"name": "b", "tags": ["x"]}, {"name": "a", "tags": ["y", "z"]}],
        "user": Plain(),
        "data": {"k": "v"},
        "safe_html": Markup("<i>ok</i>"),
    }
    plain = Environment(loader=DictLoader(PAGES)).get_template("page.html").render(**ctx)
    sandboxed = SandboxedEnvironment(loader=DictLoader(PAGES))
    template = sandboxed.get_template("page.html")
    if renderer == "render":
        text = template.render(**ctx)
    elif renderer == "stream":
        text = "".join(template.render_stream(**ctx))
    else:
        text = asyncio.run(template.render_async(**ctx))
    assert text == plain
    for expected in ("<i>ok</i>", "a &amp; b", "---", '<li class="a">A <b>y, z</b></li>'):
        assert expected in text


def test_blocks_render_the_same_as_in_a_plain_environment() -> None:
    ctx = {"title": "hello"}
    plain = Environment(loader=DictLoader(PAGES)).get_template("page.html")
    sandboxed = SandboxedEnvironment(loader=DictLoader(PAGES)).get_template("page.html")
    assert sandboxed.render_block("title", **ctx) == plain.render_block("title", **ctx) == "Hello"
    streamed = asyncio.run(collect(sandboxed.render_block_stream_async("title", **ctx)))
    assert streamed == "Hello"


def test_async_sources_work_in_the_sandbox() -> None:
    async def rows() -> AsyncIterator[dict[str, int]]:
        for i in range(3):
            yield {"n": i}

    template = SandboxedEnvironment().from_string(
        "{% async for r in rows %}{{ r.n }}{% end %}{{ r2.__class__ ?? '' }}"
    )
    with pytest.raises(SecurityError):
        asyncio.run(template.render_async(rows=rows(), r2=1))
    ok = SandboxedEnvironment().from_string("{% async for r in rows %}{{ r.n }}{% end %}")
    assert asyncio.run(ok.render_async(rows=rows())) == "012"


def test_included_and_parent_templates_are_sandboxed_too() -> None:
    loader = DictLoader(
        {
            "evil.html": "{{ x.__class__ }}",
            "child.html": '{% extends "evil.html" %}',
            "includer.html": '{% include "evil.html" %}',
            "importer.html": '{% import "defs.html" as d %}{{ d.leak(x) }}',
            "defs.html": "{% def leak(v) %}{{ v.__init__ }}{% end %}",
        }
    )
    env = SandboxedEnvironment(loader=loader)
    for name in ("child.html", "includer.html", "importer.html"):
        with pytest.raises(SecurityError):
            env.get_template(name).render(x=1)


def test_templates_of_a_plain_environment_cannot_be_included() -> None:
    unsandboxed = Environment().from_string("{{ x.__class__ }}")
    template = SandboxedEnvironment().from_string("{% include t %}")
    with pytest.raises(
        TemplateRuntimeError, match=r"cannot load a template from <Template <string>> \(Template\)"
    ):
        template.render(t=unsandboxed, x=1)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_template_object_of_a_looser_sandbox_cannot_be_included(renderer: str) -> None:
    strict = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allowed_attributes={"name"}))
    loose = SandboxedEnvironment().from_string("{{ u.password }}")
    sources = ["{% include t %}", "{% import t as m %}"]
    if not renderer.startswith("block"):  # extends is top-level only
        sources.append("{% extends t %}")
    for source in sources:
        with pytest.raises(SecurityError) as caught:
            run(strict, source, renderer, t=loose, u=Plain())
        assert caught.value.code == "K-SEC-006"
    own = strict.from_string("{{ u.name }}")
    assert run(strict, "{% include t %}", renderer, t=own, u=Plain()) == "plain"
    twin = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allowed_attributes={"name"}))
    same_rules = twin.from_string("{{ u.name }}")
    assert run(strict, "{% include t %}", renderer, t=same_rules, u=Plain()) == "plain"


def test_a_plain_environment_includes_template_objects_of_any_plain_environment() -> None:
    other = Environment().from_string("{{ x }}")
    assert Environment().from_string("{% include t %}").render(t=other, x=1) == "1"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_context_value_shadowing_a_pass_context_global_gets_no_context(renderer: str) -> None:
    """Both environments decide when compiling that the context goes to the global only."""
    for env in (Environment(), SandboxedEnvironment()):
        assert run(env, "{{ consume('k') }}", renderer, consume=helper_echo) == "echo k"
        shadowed = "{% set consume = echo %}{{ consume('k') }}"
        assert run(env, shadowed, renderer, echo=helper_echo) == "echo k"
        assert run(env, "{% provide k = 1 %}{{ consume('k') }}{% end %}", renderer) == "1"


def helper_echo(*args: Any) -> str:
    return "echo " + " ".join(map(str, args))


def test_trans_calls_a_gettext_set_by_the_template_through_the_checks() -> None:
    source = "{% set gettext = rec.delete %}{% trans %}hi{% endtrans %}"
    with pytest.raises(SecurityError) as caught:
        SandboxedEnvironment().from_string(source).render(rec=Record())
    assert caught.value.code == "K-SEC-004"
    assert not Record.deleted
    fmt = "{% set gettext = '{0.__class__}'.format %}{% trans %}hi{% endtrans %}"
    with pytest.raises(SecurityError):
        SandboxedEnvironment().from_string(fmt).render()
    assert Environment().from_string(fmt).render() == "<class 'str'>"
    translated = "{% trans n=2 %} hi {{ n }} {% endtrans %}"
    assert SandboxedEnvironment().from_string(translated).render(gettext=str.strip) == "hi 2"


def test_exceptions_caught_by_try_cannot_reach_tracebacks() -> None:
    source = "{% try %}{{ 1 // 0 }}{% fallback err %}{{ err.__traceback__ }}{% end %}"
    with pytest.raises(SecurityError):
        SandboxedEnvironment().from_string(source).render()


# --- output size ----------------------------------------------------------------------------


@pytest.mark.parametrize("renderer", RENDERERS)
def test_max_output_size_is_enforced_in_every_renderer(renderer: str) -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=100))
    assert run(env, "{% for i in range(20) %}abcde{% end %}", renderer) == "abcde" * 20
    with pytest.raises(SecurityError) as caught:
        run(env, "{% for i in range(21) %}abcde{% end %}", renderer)
    assert caught.value.code == "K-SEC-005"


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_loop_producing_too_much_stops_at_the_limit(renderer: str) -> None:
    """The output is counted as it is produced: the render stops soon after the limit instead
    of building everything first (counted by the items the loop consumed)."""
    consumed = []

    def endless() -> Iterator[int]:
        for i in range(10**6):
            consumed.append(i)
            yield i

    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=1000, max_range=10**7))
    with pytest.raises(SecurityError) as caught:
        run(env, "{% for i in rows %}{{ 'x' * 100 }}{% end %}", renderer, rows=endless())
    assert caught.value.code == "K-SEC-005"
    assert len(consumed) < 50


def test_pushed_stack_content_counts_towards_the_output() -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=50))
    source = "{% stack 's' %}{% for i in range(10) %}{% push 's' %}0123456789{% end %}{% end %}"
    with pytest.raises(SecurityError):
        env.from_string(source).render()


def test_closing_a_limited_async_stream_closes_the_source() -> None:
    closed = []

    async def rows() -> AsyncIterator[int]:
        try:
            for i in range(100):
                yield i
        finally:
            closed.append(True)

    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=10_000))
    template = env.from_string("{% async for r in rows %}{{ r }}{% end %}")

    async def first_chunk() -> tuple[str, list[bool]]:
        stream = template.render_stream_async(rows=rows())
        chunk = await stream.__anext__()
        await stream.aclose()  # type: ignore[attr-defined]
        return chunk, list(closed)  # before asyncio.run finalizes leftover generators

    assert asyncio.run(first_chunk()) == ("0", [True])


# --- the policy options ---------------------------------------------------------------------


def sandbox(**policy: Any) -> Callable[..., str]:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(**policy))
    return lambda source, **ctx: env.from_string(source).render(**ctx)


def refused(render: Callable[..., str], source: str, code: str, **ctx: Any) -> None:
    with pytest.raises(SecurityError) as caught:
        render(source, **ctx)
    assert caught.value.code == code, str(caught.value)


def test_allowed_attributes() -> None:
    render = sandbox(allowed_attributes={"name"})
    assert (
        render("{{ u.name }} {{ d.keys()|list }}", u=Plain(), d={"k": 1}) == "plain [&#39;k&#39;]"
    )
    refused(render, "{{ u.password }}", "K-SEC-001", u=Plain())
    assert sandbox()("{{ u.password }}", u=Plain()) == "hunter2"


def test_blocked_attributes() -> None:
    render = sandbox(blocked_attributes={"password"})
    refused(render, "{{ u.password }}", "K-SEC-001", u=Plain())
    refused(render, "{{ u|attr('password') }}", "K-SEC-001", u=Plain())
    refused(render, "{{ [u]|map(attribute='password')|list }}", "K-SEC-001", u=Plain())
    assert render("{{ u.name }}", u=Plain()) == "plain"


def test_blocked_types() -> None:
    class Secret:
        value = "s"

        def __call__(self) -> str:
            return "called"

    class SubSecret(Secret):
        pass

    render = sandbox(blocked_types={Secret})
    refused(render, "{{ s.value }}", "K-SEC-002", s=Secret())
    refused(render, "{{ s.value }}", "K-SEC-002", s=SubSecret())
    refused(render, "{{ s() }}", "K-SEC-004", s=Secret())
    assert sandbox()("{{ s.value }} {{ s() }}", s=Secret()) == "s called"
    refused(sandbox(blocked_types={dict}), "{{ d.a }}", "K-SEC-002", d={"a": 1})


def test_allow_import() -> None:
    refused(sandbox(), "{{ m.pi }}", "K-SEC-002", m=math)
    assert sandbox(allow_import=True)("{{ m.floor(m.pi) }}", m=math) == "3"
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allow_import=True))
    assert env.from_string("")._root.__globals__["__builtins__"] == {"__import__": __import__}
    assert SandboxedEnvironment().from_string("")._root.__globals__["__builtins__"] == {}


def test_allow_mutating_methods() -> None:
    items: list[int] = []
    source = "{% set _ = items.append(1) %}{{ items }}"
    refused(sandbox(), source, "K-SEC-001", items=items)
    assert items == []
    assert sandbox(allow_mutating_methods=True)(source, items=items) == "[1]"
    assert items == [1]
    # A key that merely shares a method's name is data, not the method.
    assert sandbox()("{{ d.update }}", d={"update": "today"}) == "today"


def test_allow_calling() -> None:
    nothing = sandbox(allow_calling=frozenset())
    refused(nothing, "{{ f() }}", "K-SEC-004", f=helper)
    refused(nothing, "{{ x.upper() }}", "K-SEC-004", x="a")
    # Defs and the environment's globals are the template's own: still callable.
    assert nothing("{% def m(v) %}[{{ v }}]{% end %}{{ m(range(2)|list) }}") == "[[0, 1]]"
    functions = sandbox(allow_calling={"function"})
    assert functions("{{ f() }}", f=helper) == "helped"
    refused(functions, "{{ x.upper() }}", "K-SEC-004", x="a")
    assert sandbox()("{{ f() }} {{ x.upper() }}", f=helper, x="a") == "helped A"


def test_the_render_context_goes_only_to_the_global_that_asked_for_it() -> None:
    """``consume`` is a pass_context global: a callable put under its name gets no context (a
    loop's ``cycle`` would hand it back to the template)."""
    source = "{% for i in [1] %}{% export consume = loop.cycle %}{% end %}{{ consume('k') }}"
    assert SandboxedEnvironment().from_string(source).render() == "k"
    assert Environment().from_string(source).render() == "k"  # decided when compiling, both
    provided = "{% provide k = 1 %}{{ consume('k') }}{% end %}"
    assert SandboxedEnvironment().from_string(provided).render() == "1"


def test_a_global_shadowed_by_the_context_is_not_trusted() -> None:
    render = sandbox(allow_calling=frozenset())
    assert render("{{ range(2)|list }}") == "[0, 1]"
    refused(render, "{{ range(2) }}", "K-SEC-004", range=helper)


def test_max_output_size() -> None:
    render = sandbox(max_output_size=5)
    assert render("{{ x }}", x="12345") == "12345"
    refused(render, "{{ x }}", "K-SEC-005", x="123456")
    assert sandbox()("{{ x }}", x="y" * 100_000) == "y" * 100_000


def test_max_range() -> None:
    render = sandbox(max_range=5)
    assert render("{{ range(5)|list }} {{ (1..5)|list }} {{ 'ab' * 2 }}") == (
        "[0, 1, 2, 3, 4] [1, 2, 3, 4, 5] abab"
    )
    refused(render, "{{ range(6) }}", "K-SEC-003")
    refused(render, "{{ 1..6 }}", "K-SEC-003")
    refused(render, "{{ 'ab' * 3 }}", "K-SEC-003")
    refused(render, "{{ 3 * [1, 2] }}", "K-SEC-003")
    assert render("{{ 6 * 7 }}") == "42"


def test_sizes_within_max_range_keep_working() -> None:
    render = sandbox(max_range=10)
    assert render("{{ '%5d|%-3s|%.2f|%%' % (42, 'a', 1.5) }}") == "   42|a  |1.50|%"
    assert render("{{ '%(n)03d' % {'n': 7} }}") == "007"
    assert render("{{ '{:>4}|{:08.3f}|{:,}'.format('a', 3.14159, 12345) }}") == (
        "   a|0003.142|12,345"
    )
    assert render("{{ '{0:{1}}'.format('a', 3) }}|{{ 'ab'|center(6) }}") == "a  |  ab  "
    assert render("{{ [1, 2, 3]|batch(2)|list }} {{ 12345|format_number }}") == (
        "[[1, 2], [3]] 12,345"
    )
    assert render("{{ 7 % 3 }}") == "1"
    refused(render, "{{ '%11d' % 1 }}", "K-SEC-003")
    refused(render, "{{ 'ab'|center(11) }}", "K-SEC-003")
    refused(render, "{{ '{:>11}'.format(1) }}", "K-SEC-003")
    refused(render, "{{ '{0:{1}}'.format(1, 11) }}", "K-SEC-003")


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="max_range"):
        SandboxPolicy(max_range=-1)
    with pytest.raises(TypeError, match="SandboxPolicy"):
        SandboxedEnvironment(sandbox_policy={"max_range": 3})  # type: ignore[arg-type]
    policy = SandboxPolicy(allowed_attributes=["a"], blocked_attributes={"b"})
    assert policy.allowed_attributes == frozenset({"a"})
    assert hash(policy)
