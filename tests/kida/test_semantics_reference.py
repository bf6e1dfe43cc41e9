"""Where kida-templates 0.12.1's source settles a behaviour its docs leave open (operator
precedence, match patterns, slots, capture filters, None in ``~``): ours matches, in every
renderer and in block rendering."""

import pytest

from kida import Environment, Markup
from tests.kida.test_syntax_reference import render_everywhere


@pytest.fixture
def env() -> Environment:
    return Environment()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # | binds looser than * / // % (the product is filtered) ...
        ("{{ 2 * 3 | string }}", "6"),
        ("{{ 7 // 2 | string }}|{{ 9 % 4 | string }}|{{ 6 / 3 | int }}", "3|1|2"),
        ("{{ 2 * 3 | string | length }}", "1"),
        # ... and than signs and ** ...
        ("{{ -3 | abs }}|{{ 2 ** 3 | string }}|{{ -2 ** 2 | abs }}", "3|8|4"),
        # ... but tighter than + - ~, which take the filtered operand.
        ("{{ 1 + 2 * 3 | string | length }}|{{ 10 - -3 | abs }}", "2|7"),
        ("{{ 'a' ~ 2 * 3 | string }}|{{ x * 2 | string ~ '!' }}", "a6|8!"),
    ],
)
def test_filters_bind_looser_than_products_and_tighter_than_sums(
    env: Environment, source: str, expected: str
) -> None:
    assert render_everywhere(env, source, x=4) == expected


ROLE = (
    '{% match user %}{% case {"role": "admin"} %}admin{% case {"role": r} %}role {{ r }}'
    "{% case _ %}other{% end %}"
)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        # A dict pattern without names is a value compared with ==, as in kida ...
        ({"role": "admin"}, "admin"),
        # ... so extra keys fail it; a pattern that captures still matches a subset (ours).
        ({"role": "admin", "name": "ann"}, "role admin"),
        ({"role": "ed", "name": "bo"}, "role ed"),
        ("admin", "other"),
    ],
)
def test_literal_dict_patterns_compare_with_equality(
    env: Environment, user: object, expected: str
) -> None:
    assert render_everywhere(env, ROLE, user=user) == expected


def test_a_dict_pattern_with_a_wildcard_matches_a_subset(env: Environment) -> None:
    source = '{% match d %}{% case {"k": 1, "x": _} %}sub{% case _ %}no{% end %}'
    assert render_everywhere(env, source, d={"k": 1, "x": 2, "y": 3}) == "sub"


def test_text_and_comments_before_the_first_case_are_dropped(env: Environment) -> None:
    source = "{% match n %}\n  stray text {# note #}\n{% case 1 %}one{% case _ %}other{% end %}"
    assert render_everywhere(env, source, n=1) == "one"
    assert render_everywhere(env, source, n=2) == "other"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% capture x | upper %}ab{{ n }}{% end %}[{{ x }}]", "[AB3]"),
        ("{% capture x | replace('a', n) | trim %} a {% end %}[{{ x }}]", "[3]"),
        ("{% capture x |> upper %}<b>{% end %}{{ x }}", "<B>"),
        ("{% capture x | e %}{{ '<' }}{% end %}{{ x }}", "&lt;"),
    ],
)
def test_capture_applies_its_filters_to_the_captured_text(
    env: Environment, source: str, expected: str
) -> None:
    assert render_everywhere(env, source, n=3) == expected


def test_a_capture_filter_s_names_are_dependencies(env: Environment) -> None:
    template = env.from_string("{% capture x | replace('a', sub) %}a{% end %}{{ x }}")
    assert "sub" in template.required_context()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # ~ makes text with str(), as kida does: None is "None" there, "" only in {{ }}.
        ('{{ none ~ "x" }}|{{ n ~ "x" }}|{{ "x" ~ n }}|{{ n }}', "Nonex|Nonex|xNone|"),
        ("{{ m ~ n }}|{{ 1 ~ 2.5 }}", "<b>None|12.5"),
    ],
)
def test_concatenation_renders_none_as_kida_does(
    env: Environment, source: str, expected: str
) -> None:
    assert render_everywhere(env, source, n=None, m=Markup("<b>")) == expected


CARD = "{% def card() %}[{{ has_slot() }} {{ has_slot('default') }} {{ has_slot('x') }}]{% end %}"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # Without a name has_slot() tells whether the def was called through {% call %}.
        ("{{ card() }}", "[False False False]"),
        ("{% call card() %}{% end %}", "[True False False]"),
        ("{% call card() %}body{% end %}", "[True True False]"),
        ("{% call card() %}{% slot x %}X{% end %}{% end %}", "[True False True]"),
    ],
)
def test_has_slot_without_a_name_is_true_for_any_call(
    env: Environment, call: str, expected: str
) -> None:
    assert render_everywhere(env, CARD + call) == expected


ROWS = (
    "{% def rows(items) %}{% for it in items %}{% slot let:item=it %}-{% end %}{% end %}{% end %}"
)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        # A binding the filler did not declare wins over the caller's own local, as in kida ...
        ("{% for item in ['a'] %}{% call rows([1, 2]) %}{{ item }}{% end %}{% end %}", "12"),
        ("{% let item = 'a' %}{% call rows([1, 2]) %}{{ item }}{% end %}", "12"),
        # ... a local the slot does not pass keeps its value, and declared lets still bind.
        ("{% for x in ['a'] %}{% call rows([1, 2]) %}{{ x }}{% end %}{% end %}", "aa"),
        ("{% for item in ['a'] %}{% call(let:item) rows([1]) %}{{ item }}{% end %}{% end %}", "1"),
    ],
)
def test_undeclared_bindings_win_over_the_caller_s_locals(
    env: Environment, caller: str, expected: str
) -> None:
    assert render_everywhere(env, ROWS + caller) == expected
