"""Error codes, hints, format_compact(), {% fallback err %}, warning classes, and the errors
fuzzing found (bad include lists)."""

import asyncio
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import kida
import kida.exceptions
from kida import (
    CoercionWarning,
    Environment,
    ErrorCode,
    KidaWarning,
    MigrationWarning,
    PrecedenceWarning,
    TemplateError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from tests.kida.conftest import render_all

MakeEnv = Callable[..., Environment]
Render = Callable[..., str]


def syntax_error(source: str, env: Environment | None = None) -> TemplateSyntaxError:
    with pytest.raises(TemplateSyntaxError) as info:
        (env or Environment()).from_string(source, name="t.html").streaming()
    return info.value


def render_error(source: str, **ctx: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        Environment().from_string(source, name="t.html").render(**ctx)
    return info.value


def test_codes_have_kida_values_docs_links_and_categories() -> None:
    assert ErrorCode.UNDEFINED_VARIABLE.value == "K-RUN-001"
    assert ErrorCode.ZERO_DIVISION.value == "K-RUN-011"
    assert ErrorCode.CIRCULAR_IMPORT.value == "K-TPL-003"
    assert ErrorCode.BLOCKED_ATTRIBUTE.value == "K-SEC-001"
    assert ErrorCode("K-PAR-004") is ErrorCode.INVALID_FILTER
    assert ErrorCode.KEY_ERROR.docs_url == "https://lbliii.github.io/kida/docs/errors/#k-run-009"
    assert [ErrorCode.UNCLOSED_TAG.category, ErrorCode.TYPE_ERROR.category] == ["lexer", "runtime"]
    assert ErrorCode.FILTER_PRECEDENCE.category == "warning"
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))


def test_every_error_class_has_a_code() -> None:
    assert TemplateError("x").code is ErrorCode.RUNTIME_ERROR
    assert TemplateSyntaxError("x").code is ErrorCode.SYNTAX_ERROR
    assert UndefinedError("x").code is ErrorCode.UNDEFINED_VARIABLE
    assert TemplateNotFoundError("x").code is ErrorCode.TEMPLATE_NOT_FOUND
    assert TemplateRuntimeError("x", code=ErrorCode.NO_LOADER).code is ErrorCode.NO_LOADER


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("a {# never closed", ErrorCode.UNCLOSED_COMMENT),
        ("{% if x ", ErrorCode.UNCLOSED_TAG),
        ("{{ x ", ErrorCode.UNCLOSED_VARIABLE),
        ("{% if x %}a", ErrorCode.UNCLOSED_BLOCK),
        ("{% end %}", ErrorCode.UNEXPECTED_TOKEN),
        ("{% macro m() %}{% endmacro %}", ErrorCode.UNEXPECTED_TOKEN),  # kida's Jinja2 trap
        ("{% set x %}y{% endset %}", ErrorCode.UNSUPPORTED_SYNTAX),
        ("{{ 1 + }}", ErrorCode.INVALID_EXPRESSION),
        ("{{ x | uper }}", ErrorCode.INVALID_FILTER),
        ("{% if x is nmuber %}{% end %}", ErrorCode.INVALID_TEST),
        ("{% block side-bar %}{% end %}", ErrorCode.INVALID_IDENTIFIER),
    ],
)
def test_syntax_errors_carry_their_code(source: str, code: ErrorCode) -> None:
    assert syntax_error(source).code is code


def test_unknown_filter_and_test_fail_at_compile_time_with_a_suggestion() -> None:
    error = syntax_error("line\n{{ name | uper }}")
    assert (error.name, error.lineno, error.col) == ("t.html", 2, 11)
    assert error.hint == "did you mean 'upper'?"
    error = syntax_error("{% if x is nmuber %}{% end %}")
    assert error.message == "unknown test 'nmuber'"
    assert error.hint == "did you mean 'number'?"


def test_hyphen_in_a_block_or_fragment_name() -> None:
    error = syntax_error("x {% fragment settings-status %}{% end %}")
    assert error.message == "invalid fragment name 'settings-status': it contains a hyphen"
    assert error.hint == "use underscores: {% fragment settings_status %}"
    assert (error.lineno, error.col) == (1, 15)


def test_a_filter_added_after_compiling_is_seen_by_the_next_get_template(
    loader_env: MakeEnv,
) -> None:
    env = loader_env({"t.html": "{{ 'a' | shout }}"})
    with pytest.raises(TemplateSyntaxError):
        env.get_template("t.html")
    env.add_filter("shout", lambda s: s.upper() + "!")
    assert env.get_template("t.html").render() == "A!"


@pytest.mark.parametrize(
    ("source", "ctx", "kind", "code", "hint"),
    [
        ("{{ 1 // z }}", {"z": 0}, ZeroDivisionError, ErrorCode.ZERO_DIVISION, "{% if divisor %}"),
        (
            "{{ f() }}",
            {"f": lambda: {}["k"]},
            KeyError,
            ErrorCode.KEY_ERROR,
            "use .get('k') or ?['k']",
        ),
        ("{{ f() }}", {"f": lambda: None.title}, AttributeError, ErrorCode.ATTRIBUTE_ERROR, "?."),
        ("{{ n + 1 }}", {"n": None}, TypeError, ErrorCode.TYPE_ERROR, "missing value"),
        ("{{ n - 1 }}", {"n": "3"}, TypeError, ErrorCode.TYPE_ERROR, "| int"),
    ],
)
def test_python_errors_become_kida_errors_with_code_and_hint(
    source: str, ctx: dict[str, Any], kind: type[Exception], code: ErrorCode, hint: str
) -> None:
    template = Environment().from_string(f"line\n{source}", name="calc.html")
    renders: list[Callable[[], object]] = [
        lambda: template.render(**ctx),
        lambda: "".join(template.render_stream(**ctx)),
        lambda: asyncio.run(template.render_async(**ctx)),
    ]
    for run in renders:
        with pytest.raises(kind) as info:  # still caught as the Python error
            run()
        error = info.value
        assert isinstance(error, TemplateRuntimeError)
        assert error.code is code
        assert (error.name, error.lineno) == ("calc.html", 2)
        assert hint in (error.hint or "")
        assert isinstance(error.__cause__, kind)
        assert error.args == error.__cause__.args  # what `except KeyError as e` code reads
        assert error.message.startswith(type(error.__cause__).__name__)


def test_other_python_errors_keep_their_type_and_get_a_note() -> None:
    template = Environment().from_string("a\n{{ f() }}", name="i.html")
    with pytest.raises(ValueError, match="kaboom") as info:
        template.render(f=_boom)
    assert "in template i.html, line 2" in "".join(info.value.__notes__)


def test_hints_for_missing_keys_and_none() -> None:
    assert "?['k'] or .get('k')" in (render_error("{{ d['k'] }}", d={}).hint or "")
    error = render_error("{{ user.name }}", user=None)
    assert isinstance(error, UndefinedError)
    assert "?.name" in (error.hint or "")
    assert "is none" in (error.hint or "")


def test_runtime_codes() -> None:
    assert render_error("{{ nope }}").code is ErrorCode.UNDEFINED_VARIABLE
    required = render_error("{{ email | require('email needed') }}", email=None)
    assert isinstance(required, kida.RequiredValueError)
    assert required.code is ErrorCode.REQUIRED_VALUE
    env = Environment(loader=kida.DictLoader({"r.html": "{% include 'r.html' %}"}))
    with pytest.raises(TemplateRuntimeError) as info:
        env.get_template("r.html").render()
    assert info.value.code is ErrorCode.INCLUDE_DEPTH
    env = Environment(loader=kida.DictLoader({"p.html": "{% include 'gone.html' %}"}))
    with pytest.raises(TemplateNotFoundError) as missing:
        env.get_template("p.html").render()
    assert missing.value.code is ErrorCode.TEMPLATE_NOT_FOUND


def test_from_import_of_a_name_the_template_lacks(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "m.html": "{% def card() %}{% end %}{% def badge() %}{% end %}",
            "p.html": "a\n{% from 'm.html' import crad %}",
        }
    )
    template = env.get_template("p.html")
    for run in (template.render, lambda: asyncio.run(template.render_async())):
        with pytest.raises(UndefinedError) as info:
            run()
        assert info.value.code is ErrorCode.MACRO_NOT_FOUND
        assert info.value.message == "'m.html' defines no 'crad'"
        assert info.value.hint == "did you mean 'card'?"
        assert (info.value.name, info.value.lineno) == ("p.html", 2)


def test_format_compact() -> None:
    error = render_error("a\n{{ usre }}", user=1)
    assert error.format_compact() == (
        "K-RUN-001: 'usre' is undefined\n"
        "  --> t.html:2:4\n"
        "   2 | {{ usre }}\n"
        "     |    ^\n"
        "  Hint: did you mean 'user'?\n"
        "  Docs: https://lbliii.github.io/kida/docs/errors/#k-run-001"
    )
    bare = TemplateSyntaxError("bad")
    assert bare.format_compact() == (
        "K-TPL-002: bad\n  --> <string>\n  Docs: https://lbliii.github.io/kida/docs/errors/#k-tpl-002"
    )


def test_fallback_err_fields(render: Render) -> None:
    fields = "{{ err.type }}|{{ err.message }}|{{ err.template }}|{{ err.line }}|{{ err.code }}"
    source = f"{{% try %}}\n{{{{ user.name }}}}{{% fallback err %}}{fields}{{% end %}}"
    expected = "UndefinedError|cannot read &#39;name&#39; of None||2|K-RUN-001"
    assert render(source, user=None) == expected  # from_string: no template name
    assert render(f"{{% try %}}{{{{ 1 // 0 }}}}{{% fallback err %}}{fields}{{% end %}}") == (
        "ZeroDivisionError|integer division or modulo by zero||1|K-RUN-011"
    )
    # {{ err }} alone prints the message; err is the dict kida documents
    assert render(
        "{% try %}{{ f() }}{% fallback e %}{{ e }};{{ e is mapping }}{% end %}", f=_boom
    ) == ("kaboom;True")


def _boom() -> None:
    raise ValueError("kaboom")


def test_fallback_err_names_the_included_template(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "page.html": "{% try %}{% include 'part.html' %}{% fallback err %}"
            "{{ err.template }}:{{ err.line }}{% end %}",
            "part.html": "ok\n{{ missing }}",
            "calc.html": "{% try %}{% include 'div.html' %}{% fallback err %}"
            "{{ err.type }}:{{ err.message }}:{{ err.template }}:{{ err.line }}:{{ err.code }}"
            "{% end %}",
            "div.html": "\n\n{{ 1 // 0 }}",
        }
    )
    assert render_all(env.get_template("page.html")) == "part.html:2"
    # The same fields in every renderer, though a streamed include converts the error first.
    assert render_all(env.get_template("calc.html")) == (
        "ZeroDivisionError:integer division or modulo by zero:div.html:3:K-RUN-011"
    )


def test_block_render_fallback_err(loader_env: MakeEnv) -> None:
    env = loader_env(
        {
            "p.html": "{% block b %}{% try %}{{ 1 // 0 }}{% fallback e %}{{ e.type }}{% end %}"
            "{% end %}"
        }
    )
    template = env.get_template("p.html")
    assert template.render_block("b") == "ZeroDivisionError"

    async def stream() -> str:
        return "".join([c async for c in template.render_block_stream_async("b")])

    assert asyncio.run(stream()) == "ZeroDivisionError"


def test_warning_classes() -> None:
    assert issubclass(KidaWarning, UserWarning)
    for cls in (PrecedenceWarning, CoercionWarning, MigrationWarning):
        assert issubclass(cls, KidaWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("x", PrecedenceWarning, stacklevel=1)
    assert caught[0].category is PrecedenceWarning


def test_precedence_warning_for_a_filter_on_the_fallback_of_coalesce() -> None:
    env = Environment()
    with pytest.warns(PrecedenceWarning, match=r"K-WARN-001.*'\| length'") as caught:
        template = env.from_string("a\n{{ x ?? [] | length }}", name="p.html")
    assert (caught[0].filename, caught[0].lineno) == ("p.html", 2)
    assert template.render(x=[1, 2]) == "a\n[1, 2]"  # the filter binds to the fallback only
    [found] = template.warnings
    assert (found.code, found.template_name, found.lineno) == (
        ErrorCode.FILTER_PRECEDENCE,
        "p.html",
        2,
    )
    assert found.message == "'| length' applies to the fallback of '??' only"
    assert "(a ?? b) | length" in (found.suggestion or "")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = env.from_string("{{ (x ?? []) | length }}{{ x ?? ([] | length) }}{{ x ?? y }}")
    assert clean.warnings == []


@pytest.mark.parametrize(
    ("source", "output", "match"),
    [
        ('{{ "abc" | float }}', "0.0", "float: str 'abc' is not a number, gave 0.0"),
        ('{{ "x" | int }}', "0", "int: str 'x' is not a number"),
        ('{{ "n/a" | decimal }}', "n/a", "decimal: str 'n/a' is not a number, kept 'n/a'"),
        ('{{ "n/a" | commas }}', "n/a", "format_number: str 'n/a'"),
    ],
)
def test_coercion_warning_points_at_the_template_line(source: str, output: str, match: str) -> None:
    template = Environment().from_string(f"\n{source}", name="c.html")
    with pytest.warns(CoercionWarning, match=match) as caught:
        assert template.render() == f"\n{output}"
    assert caught[0].lineno == 2
    assert "c.html" in caught[0].filename
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Environment().from_string('{{ "2.5" | float }}{{ "3" | int }}{{ 2 | decimal }}').render()


def test_exports() -> None:
    for name in ("ErrorCode", "KidaWarning", "PrecedenceWarning", "CoercionWarning"):
        assert getattr(kida, name) is getattr(kida.exceptions, name)
        assert name in kida.__all__
    assert "MigrationWarning" in kida.__all__


@pytest.mark.parametrize(
    ("spec", "shown"),
    [("[none]", "None (NoneType)"), ('["a", 3]', "3 (int)"), ("[[]]", "[] (list)")],
)
def test_include_list_with_a_non_name_is_a_clear_error(
    loader_env: MakeEnv, spec: str, shown: str
) -> None:
    env = loader_env({"p.html": f"x\n{{% include {spec} %}}"})
    template = env.get_template("p.html")
    renders: list[Callable[[], object]] = [
        template.render,
        lambda: "".join(template.render_stream()),
        lambda: asyncio.run(template.render_async()),
    ]
    for run in renders:
        with pytest.raises(TemplateRuntimeError) as info:
            run()
        assert f"cannot load a template from {shown} in the list of names" in info.value.message
        assert (info.value.name, info.value.lineno) == ("p.html", 2)
