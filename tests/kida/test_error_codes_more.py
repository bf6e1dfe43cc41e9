"""The error codes of kida's errors.md a user can meet that test_error_codes.py leaves out:
K-TPL-004 (def/region not at the top level, and its UndefinedError hint), K-CMP-001/002
(validate_calls, through ``{% from %}`` too), K-LEX-004, K-RUN-013, K-RUN-016, K-RUN-017."""

import warnings

import pytest

from kida import (
    ComponentWarning,
    DictLoader,
    Environment,
    ErrorCode,
    MigrationWarning,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
    get_render_context_required,
)
from kida.exceptions import RenderContextError, TemplateWarning
from kida.lexer import MAX_TOKENS
from tests.kida.conftest import render_all

SCOPED_TAGS = [
    ("{% if cond %}", "{% end %}", "if"),
    ("{% unless cond %}", "{% end %}", "unless"),
    ("{% for x in items %}", "{% end %}", "for"),
    ("{% while false %}", "{% end %}", "while"),
    ('{% with x = "y" %}', "{% end %}", "with"),
    ('{% provide color = "red" %}', "{% end %}", "provide"),
    ("{% try %}", "{% fallback %}fb{% end %}", "try"),
    ("{% match v %}{% case _ %}", "{% end %}", "match"),
    ('{% cache "k" %}', "{% end %}", "cache"),
    ('{% push "head" %}', "{% end %}", "push"),
    ("{% capture x %}", "{% end %}", "capture"),
    ("{% spaceless %}", "{% end %}", "spaceless"),
    ("{% filter upper %}", "{% end %}", "filter"),
    ("{% call card() %}", "{% end %}", "call"),
]


@pytest.mark.parametrize(("opening", "closing", "tag"), SCOPED_TAGS)
@pytest.mark.parametrize(
    ("definition", "label"),
    [
        ('{% region sidebar(current="/") %}<nav/>{% end %}', "region sidebar"),
        ("{% def helper() %}hi{% end %}", "def helper"),
    ],
)
def test_a_definition_inside_a_scoped_tag_is_k_tpl_004(
    opening: str, closing: str, tag: str, definition: str, label: str
) -> None:
    source = "{% def card() %}{% slot %}{% end %}\n" + opening + "\n" + definition + closing
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string(source, name="page.html")
    error = info.value
    assert error.code is ErrorCode.DEFINITION_NOT_TOPLEVEL
    assert error.code.value == "K-TPL-004"
    assert f"{{% {label} %}}" in str(error)
    assert "top level" in str(error)
    assert f"{{% {tag} %}}" in error.message
    assert (error.name, error.lineno) == ("page.html", 3)
    assert error.hint


def test_nested_scopes_are_refused_at_the_inner_definition() -> None:
    source = (
        "{% if a %}\n  {% for x in items %}\n    {% region side() %}<nav/>{% end %}"
        "{% end %}{% end %}"
    )
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string(source)
    assert info.value.code is ErrorCode.DEFINITION_NOT_TOPLEVEL
    assert info.value.lineno == 3


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("{% def card(t) %}<h3>{{ t }}</h3>{% end %}{{ card('x') }}", "<h3>x</h3>"),
        ("{% def outer() %}{% def inner() %}hi{% end %}{{ inner() }}{% end %}{{ outer() }}", "hi"),
        (
            "{% block content %}{% region panel() %}P{% end %}{{ panel() }}{% endblock %}",
            "P",
        ),
        ("{% globals %}{% def g() %}G{% end %}{% end %}{{ g() }}", "G"),
        ("{% region r(n=1) %}[{{ n }}]{% end %}{{ r(n=2) }}", "[2]"),
    ],
)
def test_definitions_at_the_top_level_in_blocks_and_in_defs_compile(
    source: str, output: str
) -> None:
    assert render_all(Environment().from_string(source)) == output


@pytest.mark.parametrize(
    ("source", "declaration"),
    [
        ('{{ sidebar() }}{% region sidebar(current="/") %}<nav/>{% end %}', "{% region sidebar %}"),
        ("{{ card(1) }}{% def card(x) %}{{ x }}{% end %}", "{% def card %}"),
    ],
)
def test_undefined_name_of_a_declared_definition_says_where_it_is_bound(
    source: str, declaration: str
) -> None:
    template = Environment().from_string(source, name="page.html")
    with pytest.raises(UndefinedError) as info:
        template.render()
    text = str(info.value)
    assert "Did you declare" in text
    assert declaration in text
    assert "render context" not in text  # the generic hint gives way to the directed one


def test_undefined_name_of_nothing_declared_keeps_the_generic_hint() -> None:
    with pytest.raises(UndefinedError) as info:
        Environment().from_string("{{ unrelated }}").render()
    assert "Did you declare" not in str(info.value)
    assert "render context" in str(info.value)


CARD = "{% def card(title: str, count: int = 0, ratio: float | None = none) %}{{ title }}{% end %}"


def _compile_warnings(env: Environment, name: str) -> list[TemplateWarning]:
    with pytest.warns(ComponentWarning) as caught:
        template = env.get_template(name)
    found = template.warnings
    assert len(caught) == len(found)
    for record, warning in zip(caught, found, strict=True):
        assert f"[{warning.code.value}]" in str(record.message)
        assert record.lineno == warning.lineno
    return found


def test_k_cmp_001_signature_mismatches() -> None:
    env = Environment(
        validate_calls=True,
        loader=DictLoader(
            {"page.html": CARD + '\n{{ card(titl="Settings") }}\n{% call card() %}x{% end %}'}
        ),
    )
    found = _compile_warnings(env, "page.html")
    assert [(w.code, w.lineno) for w in found] == [
        (ErrorCode.COMPONENT_CALL_SIGNATURE, 2),
        (ErrorCode.COMPONENT_CALL_SIGNATURE, 2),
        (ErrorCode.COMPONENT_CALL_SIGNATURE, 3),
    ]
    assert "unknown parameter 'titl'" in found[0].message
    assert "missing required argument 'title'" in found[1].message
    assert found[0].template_name == "page.html"
    assert found[0].suggestion
    assert "(page.html:2)" in found[0].format_message()
    assert ErrorCode.COMPONENT_CALL_SIGNATURE.category == "component"


def test_k_cmp_002_literal_type_mismatches() -> None:
    source = (
        CARD
        + '\n{{ card("five", count="5") }}{{ card(5) }}{{ card("a", count=true) }}'
        + '{{ card("a", ratio="x") }}'
    )
    env = Environment(validate_calls=True, loader=DictLoader({"badge.html": source}))
    found = _compile_warnings(env, "badge.html")
    assert {w.code for w in found} == {ErrorCode.COMPONENT_TYPE_MISMATCH}
    messages = [w.message for w in found]
    assert messages == [
        "call to 'card': parameter 'count' expects int, got str ('5')",
        "call to 'card': parameter 'title' expects str, got int (5)",
        "call to 'card': parameter 'count' expects int, got bool (True)",
        "call to 'card': parameter 'ratio' expects float | None, got str ('x')",
    ]


def test_literals_that_fit_and_values_that_are_not_literals_pass() -> None:
    source = (
        CARD
        + '{{ card("a", count=2, ratio=1) }}{{ card("a", ratio=0.5) }}{{ card("a", ratio=none) }}'
        + "{{ card(name, count=n) }}"
        + "{% def any(x: list, y: User) %}{% end %}{{ any(1, 2) }}"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        template = Environment(validate_calls=True).from_string(source)
    assert template.warnings == []


def test_calls_of_defs_imported_by_literal_from_are_validated() -> None:
    env = Environment(
        validate_calls=True,
        loader=DictLoader(
            {
                "ui/card.html": CARD,
                "ui/page.html": '{% from "./card.html" import card as c %}\n'
                '{{ c(titl="x") }}{% call c("t", count="n") %}{% end %}',
                "ui/dynamic.html": '{% from name import card %}{{ card(titl="x") }}',
            }
        ),
    )
    found = _compile_warnings(env, "ui/page.html")
    assert [w.code for w in found] == [
        ErrorCode.COMPONENT_CALL_SIGNATURE,
        ErrorCode.COMPONENT_CALL_SIGNATURE,
        ErrorCode.COMPONENT_TYPE_MISMATCH,
    ]
    assert found[0].message == "call to 'c': unknown parameter 'titl'"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.get_template("ui/dynamic.html")  # a dynamic import cannot be checked: skipped


def test_validation_survives_missing_and_mutually_importing_templates() -> None:
    env = Environment(
        validate_calls=True,
        loader=DictLoader(
            {
                "a.html": '{% from "b.html" import b %}{% def a(x: int) %}{% end %}{{ b(y=1) }}',
                "b.html": '{% from "a.html" import a %}{% def b(y) %}{% end %}{{ a("s") }}',
                "c.html": '{% from "missing.html" import m %}{{ m(1) }}',
            }
        ),
    )
    found = _compile_warnings(env, "b.html")
    assert [w.code for w in found] == [ErrorCode.COMPONENT_TYPE_MISMATCH]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.get_template("c.html")


def test_calls_are_not_validated_without_the_option() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        template = Environment().from_string(CARD + "{{ card(5, nope=1) }}")
    assert template.warnings == []


def test_k_lex_004_token_limit() -> None:
    per_output = 3  # var_begin, name, var_end
    Environment().from_string("{{ x }}" * (MAX_TOKENS // per_output - 1))
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string("{{ x }}" * (MAX_TOKENS // per_output + 1), name="big.html")
    assert info.value.code is ErrorCode.TOKEN_LIMIT
    assert info.value.name == "big.html"


def test_k_run_013_iterating_a_def() -> None:
    env = Environment(loader=DictLoader({"m.html": "{% def route_tabs() %}x{% end %}"}))
    source = '{% from "m.html" import route_tabs %}{% for t in route_tabs %}{{ t }}{% end %}'
    with pytest.raises(TemplateRuntimeError) as info:
        env.from_string(source).render(route_tabs=["a"])
    assert info.value.code is ErrorCode.MACRO_ITERATION
    assert "render_route_tabs" in str(info.value)


def test_k_run_016_no_loader() -> None:
    with pytest.raises(TemplateNotFoundError) as info:
        Environment().get_template("page.html")
    assert info.value.code is ErrorCode.NO_LOADER
    assert "FileSystemLoader" in str(info.value)
    with pytest.raises(TemplateNotFoundError) as info:
        Environment().from_string('{% include "x.html" %}').render()
    assert info.value.code is ErrorCode.NO_LOADER


def test_k_run_017_render_context_required_outside_a_render() -> None:
    with pytest.raises(RuntimeError) as info:
        get_render_context_required()
    assert isinstance(info.value, RenderContextError)
    assert info.value.code is ErrorCode.NOT_IN_RENDER_CONTEXT


@pytest.mark.parametrize(
    ("source", "code", "hint"),
    [
        ("{% macro card() %}x{% endmacro %}", ErrorCode.UNEXPECTED_TOKEN, "{% def"),
        ("{% def card() %}x{% endmacro %}", ErrorCode.UNEXPECTED_TOKEN, "{% end %}"),
        ("{% namespace ns %}", ErrorCode.UNEXPECTED_TOKEN, "{% let %}"),
        ("{% call f() %}{% fill a %}x{% endfill %}{% end %}", ErrorCode.UNEXPECTED_TOKEN, "slot"),
        ("{% set x %}y{% endset %}", ErrorCode.UNSUPPORTED_SYNTAX, "{% capture"),
        ("{% fore x in y %}{% end %}", ErrorCode.UNEXPECTED_TOKEN, "did you mean 'for'?"),
    ],
)
def test_jinja2_traps_of_k_par_001_and_k_par_007(source: str, code: ErrorCode, hint: str) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string(source)
    assert info.value.code is code
    assert hint in (info.value.hint or "")


def test_namespace_call_hints_at_let_and_export() -> None:
    with pytest.raises(UndefinedError) as info:
        Environment().from_string("{% set ns = namespace(count=0) %}").render()
    assert "{% export %}" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("{% if c %}{% set x = 1 %}{% end %}\n{{ x }}", ["x"]),
        ("{% if c %}{% set x = 1 %}{% else %}{% set x = 2 %}{% end %}{{ x }}", ["x", "x"]),
        ("{% for i in l %}{% if c %}{% set y = i %}{% end %}{{ y }}{% end %}", ["y"]),
        (
            "{% if c %}{% if d %}{% set z = 1 %}{% end %}{% end %}{% block b %}{{ z }}{% end %}",
            ["z"],
        ),
        ("{% if c %}{% set n = 1 %}{% end %}{% set n = n + 1 %}", ["n"]),
    ],
)
def test_k_warn_002_a_branch_set_read_after_the_if(source: str, names: list[str]) -> None:
    with pytest.warns(MigrationWarning) as caught:
        template = Environment().from_string(source, name="m.html")
    found = [w for w in template.warnings if w.code is ErrorCode.JINJA2_SET_SCOPING]
    assert [w.message.split()[2] for w in found] == names
    assert all(w.lineno == 1 and w.template_name == "m.html" and w.suggestion for w in found)
    assert len(caught) == len(found)


@pytest.mark.parametrize(
    "source",
    [
        "{% if c %}{% set x = 1 %}{{ x }}{% end %}",  # read inside the branch
        "{% if c %}{% set x = 1 %}{% end %}{% set x = 2 %}{{ x }}",  # rebound before the read
        "{% if c %}{% for i in l %}{% set q = i %}{% end %}{% end %}{{ q }}",  # loop-local
        "{% if c %}{% set x = 1 %}{% end %}{% for x in l %}{{ x }}{% end %}",
        "{% if c %}{% set x = 1 %}{% end %}{% def f(x) %}{{ x }}{% end %}",
    ],
)
def test_k_warn_002_stays_quiet_where_jinja2_agrees(source: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Environment().from_string(source).warnings == []
    assert (
        Environment(jinja2_compat_warnings=False)
        .from_string("{% if c %}{% set x = 1 %}{% end %}{{ x }}")
        .warnings
        == []
    )
