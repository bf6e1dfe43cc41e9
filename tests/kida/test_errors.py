"""Error messages: template name, line, column, excerpt and hint; never a raw Python error."""

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kida import Environment, TemplateRuntimeError, TemplateSyntaxError, UndefinedError


def syntax_error(source: str, name: str = "t.html") -> TemplateSyntaxError:
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string(source, name=name)
    return info.value


def test_unclosed_block_names_its_opening_line() -> None:
    error = syntax_error("a\nb\n{% if x %}\nc")
    assert (error.name, error.lineno, error.col) == ("t.html", 3, 4)
    assert error.hint == "the {% if %} opened on line 3 is never closed; add {% end %}"
    assert "^" in str(error)
    assert "t.html, line 3" in str(error)


@pytest.mark.parametrize(
    ("source", "message", "line", "col"),
    [
        ("{{ x + }}", "unexpected '}}'", 1, 8),
        ("ok\n{% end %}", "unexpected {% end %}", 2, 4),
        ("{% for x of y %}{% end %}", "expected 'in'", 1, 10),
        ("{{ 'abc }}", "unexpected character", 1, 4),
        ("{% frob %}", "unknown statement", 1, 4),
        ("{% macro m() %}{% end %}", "not kida", 1, 4),
        ("{% set x %}y{% endset %}", "needs a value", 1, 10),
        ("{{ f(a=1, a=2) }}", "repeated", 1, 11),
        ("{% if x %}{% endfor %}", "closes {% if %}", 1, 14),
        ("{{ x", "unclosed tag", 1, 1),
        ("{# x", "unclosed comment", 1, 1),
    ],
)
def test_syntax_errors_are_located(source: str, message: str, line: int, col: int) -> None:
    error = syntax_error(source)
    assert message in error.message
    assert (error.lineno, error.col) == (line, col)
    assert error.source == source


def test_runtime_error_gets_template_line() -> None:
    template = Environment().from_string("a\nb\n{{ 1 // z }}", name="calc.html")
    with pytest.raises(ZeroDivisionError) as info:
        template.render(z=0)
    assert isinstance(info.value, TemplateRuntimeError)
    assert (info.value.name, info.value.lineno) == ("calc.html", 3)
    assert "calc.html, line 3" in str(info.value)


def test_undefined_error_column_points_at_the_lookup() -> None:
    template = Environment().from_string("{{ user.nam }}", name="u.html")
    with pytest.raises(UndefinedError) as info:
        template.render(user={"name": 1})
    assert (info.value.name, info.value.lineno) == ("u.html", 1)
    assert "did you mean 'name'" in str(info.value)


def test_error_inside_included_template_names_it() -> None:
    from kida import DictLoader

    env = Environment(
        loader=DictLoader(
            {"inner.html": "x\n{{ nope }}", "outer.html": "{% include 'inner.html' %}"}
        )
    )
    with pytest.raises(UndefinedError) as info:
        env.get_template("outer.html").render()
    assert (info.value.name, info.value.lineno) == ("inner.html", 2)


def test_deep_nesting_is_a_syntax_error() -> None:
    error = syntax_error("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
    assert "nested" in error.message or "too" in error.message


_ALPHABET = st.sampled_from(
    ["{{", "}}", "{%", "%}", "{#", "#}", " ", "x", "if", "for", "in", "end", "block", "def",
     "(", ")", "[", "]", "{", "}", "'", '"', "|", "|>", "??", "?.", "..", ",", "=", "1", "-",
     "set", "call", "slot", "match", "case", "async", "await", "raw", "endraw", "\n", ":", "*",
     "~", "is", "not"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_random_input_only_raises_syntax_errors(source: str) -> None:
    with contextlib.suppress(TemplateSyntaxError):
        Environment().from_string(source).streaming()
