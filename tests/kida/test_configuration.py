"""The ``Environment`` options of kida-templates' reference/configuration.md, with their
defaults and behaviour; the cache methods; ``env.render``/``render_string``; the builtins
templates see; ``defined`` meaning "present and not None"."""

import asyncio
import warnings
from pathlib import Path
from typing import Any

import pytest

from kida import (
    DictLoader,
    Environment,
    FileSystemBytecodeCache,
    TemplateRuntimeError,
    TemplateSyntaxError,
)
from kida.environment import select_autoescape
from kida.environment.fragments import FragmentCache, parse_ttl
from kida.exceptions import ErrorCode, MigrationWarning, NoneComparisonError
from tests.kida.conftest import render_all

DOCUMENTED_DEFAULTS: dict[str, Any] = {
    "loader": None,
    "autoescape": True,
    "auto_reload": True,
    "cache_size": 400,
    "static_context": None,
    "strict_none": False,
    "strict_undefined": True,
    "jinja2_compat_warnings": True,
    "fstring_coalescing": True,
    "pure_filters": set(),
    "validate_calls": False,
    "preserve_ast": True,
    "max_extends_depth": 50,
    "max_include_depth": 50,
    "enable_htmx_helpers": True,
    "trim_blocks": False,
    "lstrip_blocks": False,
    "template_aliases": {},
    "bytecode_cache": None,
}


@pytest.mark.parametrize(("option", "default"), DOCUMENTED_DEFAULTS.items())
def test_every_documented_option_has_kidas_default(option: str, default: Any) -> None:
    assert getattr(Environment(), option) == default


def test_fragment_cache_defaults() -> None:
    cache = Environment().fragment_cache
    assert (cache.max_size, cache.ttl) == (1000, 300.0)


def test_every_documented_option_is_accepted_by_name() -> None:
    env = Environment(
        **{k: v for k, v in DOCUMENTED_DEFAULTS.items() if k != "loader"},
        fragment_cache_size=5,
        fragment_ttl=1.0,
        block_start="<%",
        block_end="%>",
        variable_start="<%=",
        variable_end="%>",
        comment_start="<%#",
        comment_end="#%>",
    )
    assert env.from_string("<%# c #%><% if 1 %><%= 'x' %><% end %>").render() == "x"


# --- names, aliases, autoescape -------------------------------------------------------------


@pytest.mark.parametrize("option", ["template_aliases", "aliases"])
def test_template_aliases_and_our_old_name(option: str) -> None:
    env = Environment(
        loader=DictLoader({"layouts/base.html": "B{% block c %}{% end %}", "p.html": ""}),
        **{option: {"layouts": "layouts"}},
    )
    page = env.from_string("{% extends '@layouts/base.html' %}{% block c %}!{% end %}")
    assert render_all(page) == "B!"
    assert env.aliases is env.template_aliases
    env.template_aliases = {"layouts": "elsewhere"}
    assert env.aliases == {"layouts": "elsewhere"}


def test_select_autoescape_chooses_by_extension() -> None:
    choose = select_autoescape(["html"], disabled_extensions=["txt"], default=False)
    env = Environment(
        loader=DictLoader({"a.html": "{{ x }}", "a.txt": "{{ x }}", "a.md": "{{ x }}"}),
        autoescape=choose,
    )
    assert env.get_template("a.html").render(x="<") == "&lt;"
    assert env.get_template("a.txt").render(x="<") == "<"
    assert env.get_template("a.md").render(x="<") == "<"
    assert env.from_string("{{ x }}").render(x="<") == "&lt;"  # default_for_string
    assert select_autoescape(default_for_string=False)(None) is False


# --- preserve_ast ---------------------------------------------------------------------------


def test_preserve_ast_false_drops_the_tree_and_still_renders_everywhere() -> None:
    source = "{% block b %}{{ user.name }}{% end %}"
    kept = Environment().from_string(source)
    dropped = Environment(preserve_ast=False).from_string(source)
    assert kept.depends_on() == {"user.name"}
    assert dropped.depends_on() == frozenset()
    assert dropped.block_metadata() == {}
    assert render_all(dropped, user={"name": "a"}) == "a"
    assert dropped.render_block("b", user={"name": "a"}) == "a"


# --- static_context / partial evaluation ----------------------------------------------------


def test_static_values_are_folded_into_the_code() -> None:
    site = {"title": "Shop & Co", "n": 3}
    env = Environment(static_context={"site": site})
    template = env.from_string("{{ site.title }}|{{ site.title | upper }}|{{ site['n'] }}")
    site["title"], site["n"] = "changed", 4  # the code holds the compile-time values
    assert render_all(template) == "Shop &amp; Co|SHOP &amp; CO|3"


def test_folded_output_is_escaped_once_when_compiling() -> None:
    env = Environment(static_context={"site": {"title": "A & B", "empty": ""}})
    template = env.from_string("<h1>{{ site.title }}</h1>{{ site.empty }}{{ site.empty }}")
    assert "<h1>A &amp; B</h1>" in template._root.__code__.co_consts
    assert render_all(template) == "<h1>A &amp; B</h1>"
    assert render_all(env.from_string("{{ site.empty }}{{ site.empty }}")) == ""


def test_static_values_not_foldable_stay_readable_at_render() -> None:
    env = Environment(static_context={"site": {"pages": [1, 2]}})
    source = "{% for p in site.pages %}{{ p }}{% end %}{{ site.missing ?? '-' }}"
    assert render_all(env.from_string(source)) == "12-"


def test_a_name_the_template_assigns_is_never_folded() -> None:
    env = Environment(static_context={"title": "static"})
    source = "{% set title = 'mine' %}{{ title }}"
    assert render_all(env.from_string(source)) == "mine"


def test_from_string_static_context_overrides_the_environments() -> None:
    env = Environment(static_context={"site": {"title": "env"}})
    override = env.from_string("{{ site.title }}", static_context={"site": {"title": "own"}})
    assert render_all(override) == "own"


def test_get_template_applies_the_environment_static_context() -> None:
    env = Environment(
        loader=DictLoader({"p.html": "{{ config.base_url }}"}),
        static_context={"config": {"base_url": "/app"}},
    )
    assert render_all(env.get_template("p.html")) == "/app"


def test_pure_filters_run_at_compile_time_impure_ones_at_render() -> None:
    calls: list[str] = []

    def shout(value: str) -> str:
        calls.append(value)
        return value.upper() + "!"

    env = Environment(static_context={"name": "ann"}, pure_filters={"shout"})
    env.add_filter("shout", shout)
    template = env.from_string("{{ name | shout }}")
    assert calls == ["ann"]
    assert render_all(template) == "ANN!"
    assert calls == ["ann"]  # three renders, no more calls

    impure = Environment(static_context={"name": "ann"})
    impure.add_filter("shout", shout)
    assert render_all(impure.from_string("{{ name | shout }}")) == "ANN!"
    assert len(calls) == 4


# --- fragment cache -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fragment_env(**options: Any) -> tuple[Environment, Clock]:
    env = Environment(**options)
    clock = Clock()
    env.fragment_cache = FragmentCache(env.fragment_cache.max_size, env.fragment_cache.ttl, clock)
    return env, clock


def test_fragment_ttl_is_the_default_lifetime_of_a_cache_block() -> None:
    env, clock = _fragment_env(fragment_ttl=10.0)
    template = env.from_string("{% cache 'k' %}{{ n }}{% end %}")
    assert template.render(n=1) == "1"
    clock.now = 9.9
    assert template.render(n=2) == "1"
    clock.now = 10.1
    assert template.render(n=3) == "3"


@pytest.mark.parametrize(("ttl", "seconds"), [("30", 30.0), ("'5m'", 300.0), ("'2h'", 7200.0)])
def test_cache_ttl_numbers_and_durations(ttl: str, seconds: float) -> None:
    env, clock = _fragment_env()
    template = env.from_string(f"{{% cache 'k', ttl={ttl} %}}{{{{ n }}}}{{% end %}}")
    template.render(n=1)
    clock.now = seconds - 0.5
    assert template.render(n=2) == "1"
    clock.now = seconds + 0.5
    assert template.render(n=3) == "3"


def test_parse_ttl_refuses_nonsense_clearly() -> None:
    assert parse_ttl("1d") == 86400.0
    assert parse_ttl(0.5) == 0.5
    with pytest.raises(ValueError, match="invalid cache ttl"):
        parse_ttl("soon")


def test_fragment_cache_is_a_bounded_lru() -> None:
    env, _ = _fragment_env(fragment_cache_size=2)
    template = env.from_string("{% cache key %}{{ n }}{% end %}")
    template.render(key="a", n=1)
    template.render(key="b", n=2)
    assert template.render(key="a", n=0) == "1"  # a is now the most recent
    template.render(key="c", n=3)  # evicts b
    assert template.render(key="b", n=9) == "9"
    assert env.cache_info()["fragment"]["size"] == 2


def test_cache_info_and_clearing() -> None:
    env = Environment(loader=DictLoader({"a.html": "A{% cache 'k' %}x{% end %}", "b.html": "B"}))
    env.get_template("a.html").render()
    env.get_template("a.html").render()
    env.get_template("b.html")
    info = env.cache_info()
    assert info["template"] == {
        "size": 2, "max_size": 400, "hits": 1, "misses": 2, "hit_rate": 1 / 3
    }  # fmt: skip
    assert info["fragment"] == {
        "size": 1, "max_size": 1000, "hits": 1, "misses": 1, "hit_rate": 0.5
    }  # fmt: skip
    env.clear_template_cache(["b.html"])
    assert env.cache_info()["template"]["size"] == 1
    env.clear_fragment_cache()
    assert env.cache_info()["fragment"]["size"] == 0
    env.clear_cache()
    assert env.cache_info()["template"]["size"] == 0


def test_clear_cache_include_bytecode_empties_the_disk_cache(tmp_path: Path) -> None:
    cache = FileSystemBytecodeCache(tmp_path)
    env = Environment(loader=DictLoader({"a.html": "x"}), bytecode_cache=cache)
    env.get_template("a.html")
    assert list(tmp_path.iterdir())
    env.clear_cache()
    assert list(tmp_path.iterdir())
    env.clear_cache(include_bytecode=True)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("setting", [False, None])
def test_bytecode_cache_off_spellings(setting: bool | None) -> None:
    assert Environment(bytecode_cache=setting).bytecode_cache is None


# --- limits, strict_none ----------------------------------------------------------------------


def test_max_include_depth() -> None:
    loop = {"r.html": "{% if n > 0 %}{% set n = n - 1 %}{% include 'r.html' %}{% end %}."}
    shallow = Environment(loader=DictLoader(loop), max_include_depth=3)
    assert shallow.get_template("r.html").render(n=3) == "...."
    with pytest.raises(TemplateRuntimeError, match="more than 3 deep"):
        shallow.get_template("r.html").render(n=4)


def test_strict_none_refuses_none_sort_keys() -> None:
    items = [{"w": 2}, {"w": None}, {"w": 1}]
    lenient = Environment().from_string(
        "{{ items | sort(attribute='w') | map(attribute='w') | join(',') }}"
    )
    assert lenient.render(items=items) == "1,2,"
    strict = Environment(strict_none=True).from_string("{{ items | sort(attribute='w') }}")
    with pytest.raises(NoneComparisonError, match="item 1") as caught:
        strict.render(items=items)
    assert caught.value.code == ErrorCode.NONE_COMPARISON == "K-RUN-005"
    assert Environment(strict_none=True).from_string("{{ [2, 1] | sort }}").render() == "[1, 2]"


# --- API: render, render_string, decorators, builtins -------------------------------------


def test_env_render_and_render_string() -> None:
    env = Environment(loader=DictLoader({"p.html": "Hi {{ name }}"}))
    assert env.render("p.html", name="<b>") == "Hi &lt;b&gt;"
    assert env.render_string("{{ x * 2 }}", x=21) == "42"
    assert env.render_string("{{ x }}", {"x": 1}) == "1"


def test_filter_and_test_decorators() -> None:
    env = Environment()

    @env.filter()
    def double(value: int) -> int:
        return value * 2

    @env.test("big")
    def is_big(value: int) -> bool:
        return value > 10

    assert env.render_string("{{ 3 | double }}{{ 30 is big }}") == "6True"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ len([1, 2]) }}", "2"),
        ("{{ str(5) ~ int('6') ~ float('1.5') ~ bool(0) }}", "561.5False"),
        ("{{ abs(-3) }}{{ min(4, 2) }}{{ max(4, 2) }}{{ sum([1, 2]) }}", "3243"),
        ("{{ sorted([3, 1]) }}{{ list(reversed([1, 2])) }}", "[1, 3][2, 1]"),
        ("{% for i, x in enumerate('ab') %}{{ i }}{{ x }}{% end %}", "0a1b"),
        ("{% for a, b in zip([1, 2], 'xy') %}{{ a }}{{ b }}{% end %}", "1x2y"),
        ("{{ list(map(str, range(3))) | join }}", "012"),
        ("{{ tuple(set([1])) }}{{ dict(a=1).a }}", "(1,)1"),
        ("{{ list(filter(none, [0, 1])) }}", "[1]"),
    ],
)
def test_python_builtins_are_globals(source: str, expected: str) -> None:
    assert render_all(Environment().from_string(source)) == expected


def test_the_context_shadows_a_builtin() -> None:
    assert Environment().render_string("{{ len }}", len="mine") == "mine"


# --- defined / undefined / none -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "ctx", "expected"),
    [
        ("{{ x is defined }}", {"x": None}, "False"),
        ("{{ x is undefined }}", {"x": None}, "True"),
        ("{{ x is defined }}", {"x": 0}, "True"),
        ("{{ x is defined }}", {}, "False"),
        ("{{ none is defined }}{{ 1 is defined }}{{ 1 is not defined }}", {}, "FalseTrueFalse"),
        ("{{ [1, none, 0] | select('defined') | join(',') }}", {}, "1,0"),
        ("{{ [1, none] | reject('undefined') | join(',') }}", {}, "1"),
        ("{{ 1 is none }}{{ none is none }}", {}, "FalseTrue"),
    ],
)
def test_defined_means_present_and_not_none(
    source: str, ctx: dict[str, Any], expected: str
) -> None:
    assert render_all(Environment().from_string(source), **ctx) == expected


def test_tests_on_literals_compile_without_python_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = Environment()
        source = "{% if 1 is defined %}a{% end %}{% if 'x' is undefined %}b{% end %}{{ 2 is none }}"
        assert env.from_string(source).render() == "aFalse"


def test_async_renderers_agree_on_static_folding() -> None:
    env = Environment(static_context={"site": {"title": "T"}})
    template = env.from_string("{% block b %}{{ site.title }}{% end %}")

    async def stream() -> str:
        return "".join([c async for c in template.render_block_stream_async("b")])

    assert asyncio.run(stream()) == template.render_block("b") == "T"


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="strict_undefinde"):
        Environment(strict_undefinde=False)  # type: ignore[call-arg]


def test_syntax_errors_still_name_the_template_with_options_set() -> None:
    env = Environment(static_context={"a": 1}, strict_undefined=False, preserve_ast=False)
    with pytest.raises(TemplateSyntaxError):
        env.from_string("{% if %}", name="bad.html")


def _chain(length: int) -> dict[str, str]:
    templates = {"t0.html": "{% block b %}root{% end %}"}
    for i in range(1, length):
        templates[f"t{i}.html"] = f"{{% extends 't{i - 1}.html' %}}"
    return templates


def test_max_extends_depth_bounds_the_inheritance_chain() -> None:
    env = Environment(loader=DictLoader(_chain(4)), max_extends_depth=3)
    assert render_all(env.get_template("t3.html")) == "root"
    assert env.get_template("t3.html").render_block("b") == "root"
    deep = Environment(loader=DictLoader(_chain(5)), max_extends_depth=3)
    with pytest.raises(TemplateRuntimeError, match="deeper than 3"):
        deep.get_template("t4.html").render()
    with pytest.raises(TemplateRuntimeError, match="deeper than 3"):
        deep.get_template("t4.html").render_block("b")
    with pytest.raises(TemplateRuntimeError, match="deeper than 3"):
        "".join(deep.get_template("t4.html").render_stream())


CARD = "{% def card(title, size=1, *rest) %}{{ title }}{% end %}"
CARD_STRICT = "{% def card(title, size=1) %}{{ title }}{% end %}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (CARD_STRICT + "{{ card(colour='red', title='t') }}", "unknown parameter 'colour'"),
        (CARD_STRICT + "{{ card() }}", "missing required argument 'title'"),
        (CARD_STRICT + "{{ card(1, 2, 3) }}", "takes 2 positional arguments, 3 given"),
        (CARD_STRICT + "{% call card() %}x{% end %}", "missing required argument 'title'"),
    ],
)
def test_validate_calls_warns_at_compile_time(source: str, message: str) -> None:
    env = Environment(validate_calls=True)
    with pytest.warns(UserWarning, match=message) as caught:
        template = env.from_string(source, name="cards.html")
    assert "cards.html:1" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        template.streaming()  # the streaming renderers, compiled now, warn nothing again


@pytest.mark.parametrize(
    "source",
    [
        CARD + "{{ card('t') }}{{ card('t', 2, 3, 4) }}{{ card(title='t', size=2) }}",
        CARD_STRICT + "{{ card(*args) }}{{ card(**kw) }}",
    ],
)
def test_validate_calls_accepts_valid_calls(source: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Environment(validate_calls=True).from_string(source)


def test_calls_are_not_validated_by_default() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Environment().from_string(CARD_STRICT + "{{ card(colour='red') }}")


def test_bytecode_cache_true_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="FileSystemBytecodeCache"):
        Environment(bytecode_cache=True)


SHADOWED = "{% let x = 1 %}{% if true %}{% set x = 2 %}{{ x }}{% end %}{{ x }}"


def test_jinja2_compat_warnings_flag_the_set_that_shadows_a_let() -> None:
    with pytest.warns(MigrationWarning, match=r"page.html:1: \{% set x %\}.*export x") as caught:
        template = Environment().from_string(SHADOWED, name="page.html")
    assert len(caught) == 1
    assert render_all(template) == "21"  # kida's meaning: the let is unchanged after the block


@pytest.mark.parametrize(
    ("source", "options"),
    [
        (SHADOWED, {"jinja2_compat_warnings": False}),
        ("{% for i in [1] %}{% set y = i %}{% end %}", {}),  # a fresh block-local name
        ("{% set x = 1 %}{% if true %}{% set x = 2 %}{% end %}", {}),  # no let/export
        ("{% let x = 1 %}{% export x = 2 %}", {}),
    ],
)
def test_no_migration_warning_outside_the_trap(source: str, options: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Environment(**options).from_string(source).render()
