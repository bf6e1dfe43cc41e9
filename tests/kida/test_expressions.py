"""Expressions: literals, operators, ranges, optional access, coalescing, filters, tests."""

from collections.abc import Callable

import pytest

from kida import Environment, Markup, TemplateSyntaxError, UndefinedError
from kida.exceptions import PrecedenceWarning

Render = Callable[..., str]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 1 + 2 * 3 }}", "7"),
        ("{{ (1 + 2) * 3 }}", "9"),
        ("{{ 7 // 2 }} {{ 7 % 4 }} {{ 2 ** 10 }} {{ 7 / 2 }}", "3 3 1024 3.5"),
        ("{{ -5 }}{{-5}}", "-55"),
        ("{{ 'a' ~ 1 ~ none }}", "a1None"),  # ~ uses str(), as in kida
        ("{{ 'a' + 'b' }} {{ 'n' + 1 }}", "ab n1"),
        ("{{ true }} {{ True }} {{ false }} {{ none }}|{{ None }}", "True True False |"),
        ("{{ [1, 2, 3] }}", "[1, 2, 3]"),
        ("{{ {'a': 1}['a'] }}", "1"),
        ("{{ (1, 2)[1] }}", "2"),
        ("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "True False"),
        ("{{ 1 in [1] }} {{ 2 not in [1] }} {{ not 1 }}", "True True False"),
        ("{{ 1 and 2 }} {{ 0 or 'x' }}", "2 x"),
        ("{{ 'y' if true else 'n' }}{{ 'y' if false }}", "y"),
        ("{{ (1..4) | list }}", "[1, 2, 3, 4]"),
        ("{{ (1...4) | list }}", "[1, 2, 3]"),
        ("{{ (1..9 by 3) | list }}", "[1, 4, 7]"),
        ("{{ [x * 2 for x in 1..3] }}", "[2, 4, 6]"),
        ("{{ [x for x in 1..6 if x % 2] }}", "[1, 3, 5]"),
        ("{{ 'abcdef'[1:3] }}{{ 'abcdef'[::2] }}", "bcace"),
        ("{{ 'a' 'b' }}", "ab"),
    ],
)
def test_expression_values(render: Render, source: str, expected: str) -> None:
    assert render(source) == expected


def test_dict_key_before_attribute(render: Render) -> None:
    class Obj:
        name = "attr"

        def __getitem__(self, key: str) -> str:
            return f"item-{key}"

    assert render("{{ d.items }}", d={"items": "key"}) == "key"
    assert render("{{ o.name }} {{ o.other }}", o=Obj()) == "attr item-other"


def test_optional_access_and_coalescing(render: Render) -> None:
    assert render("{{ user?.name }}|{{ user?['x'] }}", user=None) == "|"
    assert render("{{ user?.name }}", user={"name": "Ann"}) == "Ann"
    assert render("{{ missing ?? 'fallback' }}") == "fallback"
    assert render("{{ user.name ?? 'anon' }}", user={}) == "anon"
    assert render("{{ a.b.c ?? 'deep' }}", a={"b": None}) == "deep"
    assert render("{{ v ?? 'x' }}", v=0) == "0"


def test_undefined_raises_with_hint(env: Environment) -> None:
    with pytest.raises(UndefinedError) as info:
        env.from_string("line1\n{{ usr.name }}", name="page.html").render(user={})
    error = info.value
    assert error.name == "page.html"
    assert error.lineno == 2
    assert "usr" in str(error)
    assert "did you mean 'user'" in str(error)


def test_missing_attribute_raises(env: Environment) -> None:
    with pytest.raises(UndefinedError, match="nme"):
        env.from_string("{{ u.nme }}").render(u={"name": 1})


def test_none_renders_empty_and_escaping(render: Render) -> None:
    assert render("{{ x }}|{{ y }}|{{ z }}", x=None, y="<b>", z=Markup("<i>")) == "|&lt;b&gt;|<i>"
    assert render("{{ x | safe }}", x="<b>") == "<b>"
    assert render("{{ x | e }}", x="<b>") == "&lt;b&gt;"


def test_filters_and_pipelines(render: Render) -> None:
    assert render("{{ name | upper }}", name="ann") == "ANN"
    assert render("{{ items | join(', ') | upper }}", items=["a", "b"]) == "A, B"
    assert render("{{ items |> join('-') |> upper }}", items=["a", "b"]) == "A-B"
    assert render("{{ x ?| upper }}|{{ y ?|> upper }}", x=None, y="b") == "|B"
    assert render("{{ missing | default('d') }}{{ u.x | d('e') }}", u={}) == "de"


def test_mixing_filter_styles_is_a_syntax_error(env: Environment) -> None:
    with pytest.raises(TemplateSyntaxError, match="cannot be mixed"):
        env.from_string("{{ x | upper |> lower }}")


def test_tests(render: Render) -> None:
    assert (
        render("{{ x is defined }} {{ y is undefined }} {{ x is not none }}", x=1)
        == "True True True"
    )
    assert (
        render("{{ 4 is divisibleby(2) }} {{ 3 is odd }} {{ 'a' is string }}") == "True True True"
    )
    assert render("{{ u.name is defined }}", u={}) == "False"


def test_unknown_filter_is_a_syntax_error(env: Environment) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        env.from_string("{{ x | uper }}")
    assert "did you mean 'upper'" in str(info.value)


def test_calls_with_star_arguments(render: Render) -> None:
    def f(*args: int, **kwargs: int) -> str:
        return f"{args}{sorted(kwargs.items())}"

    assert render("{{ f(1, *rest, k=2, **more) }}", f=f, rest=[3], more={"z": 4}) == (
        "(1, 3)[(&#39;k&#39;, 2), (&#39;z&#39;, 4)]"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # As in kida, filters bind looser than signs, ** and * / // % but tighter than + - ~.
        ("{{ -3|abs }} {{ -x|abs }} {{ +x|abs }} {{ - -x|abs }}", "3 4 4 4"),
        ("{{ -x |> abs }} {{ -x ?| abs }} {{ -d.y|abs }} {{ -x|abs|string ~ '!' }}", "4 4 4 4!"),
        # A filter after + or - applies to its right operand; after * to the product.
        ("{{ 1 + -2|abs }} {{ 10 - -3|abs }} {{ 2 * -3|abs }} {{ 1 + 2|abs }}", "3 7 6 3"),
        ("{{ 'a' ~ -1|abs }} {{ -1|abs ~ 'a' }}", "a1 1a"),
        # ** binds tighter than a sign, as in Python; a filter covers the whole power.
        ("{{ -2**2 }} {{ 2**-1 }} {{ (-3|abs) ** 2 }} {{ 2 ** -1|abs }}", "-4 0.5 9 0.5"),
        ("{{ 2 * 3|string }} {{ 7 // 2|string }} {{ 1 + 2 * 3|string|length }}", "6 3 2"),
        # not is below filters, tests and comparisons: not (x|length), not (x is t), ...
        ("{{ not items|length }} {{ not e|length }} {{ not -1|abs > 0 }}", "False True False"),
        ("{{ not missing is defined }} {{ not x is number }}", "True False"),
        # Signed, filtered values are operands of comparisons, tests, ?? and conditionals.
        ("{{ -1|abs == 1 }} {{ -2 < -1|abs }} {{ -x|abs is even }}", "True True True"),
        ("{{ -x ?? 0 }} {{ -x|abs if x else 0 }}", "4 4"),
        ("{{ [-1|abs, -2] }} {{ f(-1|abs) }} {{ -(items|length) }}", "[1, -2] 1 -1"),
    ],
)
def test_precedence_of_signs_filters_and_operators(
    render: Render, source: str, expected: str
) -> None:
    assert render(source, x=-4, d={"y": 4}, items=[1], e=[], f=str) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Operators of one level group left to right; ** groups right to left.
        ("{{ 10 - 3 - 2 }} {{ 100 / 10 / 5 }} {{ 7 % 4 * 2 }} {{ 2 ** 3 ** 2 }}", "5 2.0 6 512"),
        # ~ takes the sums; a comparison chain is one comparison; is tests what precedes it.
        ("{{ 1 ~ 2 + 3 ~ 4 }} {{ 3 > 2 > 1 }} {{ 2 == 1 is false }}", "154 True True"),
        ("{{ not 1 == 2 and 3 in [3] or 0 }} {{ 'a' if 2 > 1 ?? 0 else 'b' }}", "True a"),
    ],
)
def test_grouping_of_operators(render: Render, source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "message", "col"),
    [
        ("{{ 1..2..3 }}", "unexpected op '..'", 8),  # a range does not chain
        ("{{ a == 1..2..3 }}", "unexpected op '..'", 13),
        ("{{ a not b }}", "unexpected name 'not'", 6),  # only 'not in' continues an operand
        ("{{ a == not b }}", "unexpected keyword 'not'", 9),  # not is looser than ==
    ],
)
def test_operators_out_of_place_are_syntax_errors(
    env: Environment, source: str, message: str, col: int
) -> None:
    with pytest.raises(TemplateSyntaxError, match=message) as info:
        env.from_string(source)
    assert (info.value.lineno, info.value.col) == (1, col)


def test_a_filter_on_a_signed_fallback_filters_the_fallback_only_and_warns(render: Render) -> None:
    """``missing ?? -1|abs`` is ``missing ?? (-1|abs)``, which reads like filtering the result:
    kida says so with a PrecedenceWarning."""
    with pytest.warns(PrecedenceWarning, match=r"K-WARN-001\] '\| abs' applies to the fallback"):
        assert render("{{ missing ?? -1|abs }}") == "1"


async def test_a_sign_before_await_covers_the_filters(env: Environment) -> None:
    async def value() -> int:
        return 5

    template = env.from_string("{{ -await v()|abs }} {{ await v()|abs }} {{ -await v() }}")
    assert await template.render_async(v=value) == "5 5 -5"
