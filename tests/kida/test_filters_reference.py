"""Filter edge behaviours as kida-templates' filters reference documents them (and its source
settles): None into sequence filters, ``compact`` options, ``typeof``, ``date`` on epoch numbers,
``pluralize`` on numbers and its errors, numbers passing through ``decimal``, ``debug`` limits.

Everything renders through ``Environment().from_string`` and every renderer (``render`` fixture).
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from kida import Environment, TemplateRuntimeError
from kida.exceptions import CoercionWarning

Render = Callable[..., str]


@pytest.mark.parametrize(
    "source",
    [
        "{{ items|take(2) }}",
        "{{ items|skip(1) }}",
        "{{ items|compact }}",
        "{{ items|compact(truthy=false) }}",
        "{{ items|sort }}",
        "{{ items|map(attribute='name') }}",
    ],
)
def test_none_is_an_empty_list_to_sequence_filters(render: Render, source: str) -> None:
    assert render(source, items=None) == "[]"


@pytest.mark.parametrize("name", ["first", "last"])
def test_first_and_last_of_none_are_missing(render: Render, name: str) -> None:
    source = f"{{{{ items|{name}|default('none left') }}}}|{{{{ items|{name} }}}}"
    assert render(source, items=None) == "none left|"


def test_join_of_none_is_empty(render: Render) -> None:
    assert render("[{{ items|join(', ') }}]", items=None) == "[]"


def test_pagination_over_a_missing_list_renders_nothing(render: Render) -> None:
    source = "{% for p in posts|skip(10)|take(10) %}{{ p }}{% end %}done"
    assert render(source, posts=None) == "done"


@pytest.mark.parametrize("name", ["take(2)", "skip(2)", "last", "compact"])
def test_sequence_filters_name_themselves_on_a_non_sequence(name: str) -> None:
    template = Environment().from_string(f"{{{{ n|{name} }}}}")
    with pytest.raises(TemplateRuntimeError) as info:
        template.render(n=42)
    assert "needs a sequence, got int" in str(info.value)
    assert "default([])" in (info.value.hint or "")


def test_compact_drops_falsy_by_default_and_only_none_with_truthy_false(render: Render) -> None:
    values = [0, None, "", False, "value"]
    assert render("{{ xs|compact }}", xs=values) == "[&#39;value&#39;]"
    kept = render("{{ xs|compact(truthy=false)|length }}", xs=values)
    assert kept == "4"
    assert render("{{ [1, none, 2, '', 3]|compact|join(',') }}") == "1,2,3"
    with pytest.raises(TypeError):  # truthy is keyword-only, as in kida
        Environment().from_string("{{ [0, 1]|compact(false) }}").render()


def test_typeof_names_a_tuple_tuple(render: Render) -> None:
    source = "{{ t|typeof }} {{ l|typeof }} {{ b|typeof }} {{ n|typeof }} {{ none|typeof }}"
    assert render(source, t=(1, 2), l=[1], b=True, n=3) == "tuple list bool int none"


@pytest.mark.parametrize("epoch", [1707782400, 1707782400.75, 0])
def test_date_formats_epoch_seconds_in_local_time(render: Render, epoch: float) -> None:
    local = datetime.fromtimestamp(epoch)
    assert render("{{ t|date }}", t=epoch) == local.strftime("%Y-%m-%d")
    assert render("{{ t|date('%b %d, %Y %H:%M') }}", t=epoch) == local.strftime("%b %d, %Y %H:%M")


def test_date_on_an_epoch_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(TemplateRuntimeError) as info:
        Environment().from_string("{{ t|date }}").render(t=10**20)
    assert "epoch" in str(info.value)
    with pytest.raises(TemplateRuntimeError):  # a boolean is no timestamp
        Environment().from_string("{{ flag|date }}").render(flag=True)


@pytest.mark.parametrize(
    ("value", "suffix", "expected"),
    [
        (Decimal("1"), "s", ""),
        (Decimal("2"), "s", "s"),
        (Fraction(3, 1), "y,ies", "ies"),
        (2, "y, ies", "ies"),
        (1, " y , ies", "y"),
    ],
)
def test_pluralize_takes_any_number(render: Render, value: Any, suffix: str, expected: str) -> None:
    assert render("{{ n|pluralize(suffix) }}", n=value, suffix=suffix) == expected


@pytest.mark.parametrize("value", ["many", object(), float("inf")])
def test_pluralize_rejects_what_is_not_a_number(value: Any) -> None:
    template = Environment().from_string("{{ n|pluralize }}")
    with pytest.raises(TemplateRuntimeError) as info:
        template.render(n=value)
    assert f"pluralize expects a number, got {type(value).__name__}" in str(info.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            '{{ "hello"|decimal(2) }} {{ 3.14159|decimal(2) }} {{ 42|decimal(2) }}',
            "hello 3.14 42.00",
        ),
        ('{{ "n/a"|format_number(2) }} {{ 1234.5|format_number(2) }}', "n/a 1,234.50"),
        ("[{{ none|decimal }}]", "[]"),
    ],
)
def test_decimal_and_format_number_pass_non_numbers_through(
    render: Render, source: str, expected: str
) -> None:
    with pytest.warns(CoercionWarning, match="is not a number, kept"):
        assert render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        '{{ "hello"|decimal(2, strict=true) }}',
        '{{ "n/a"|format_number(strict=true) }}',
        '{{ "abc"|int(strict=true) }}',
        '{{ "abc"|float(strict=true) }}',
    ],
)
def test_strict_conversions_raise(source: str) -> None:
    with pytest.raises(TemplateRuntimeError):
        Environment().from_string(source).render()


def test_debug_limits_items_and_points_out_none(capsys: pytest.CaptureFixture[str]) -> None:
    template = Environment().from_string('{{ xs|debug("posts", max_items=2)|length }}')
    assert template.render(xs=[1, None, 3, 4]) == "4"
    err = capsys.readouterr().err
    assert "posts: list [1, None] ... 2 more of 4" in err
    assert "[1] is None" in err


def test_format_refuses_percent_placeholders_with_a_hint() -> None:
    with pytest.raises(TemplateRuntimeError) as info:
        Environment().from_string('{{ "%.2f"|format(x) }}').render(x=3.14159)
    assert "%-style placeholders" in str(info.value)
    assert "{:.2f}" in (info.value.hint or "")
    # not confused by a bare percent sign, nor without arguments
    env = Environment()
    assert env.from_string('{{ "50% off, {} left"|format(3) }}').render() == "50% off, 3 left"
    assert env.from_string('{{ "%s"|format }}').render() == "%s"


def test_replace_count_may_be_a_numeric_string_or_negative(render: Render) -> None:
    assert render('{{ "aaa"|replace("a", "b", "2") }} {{ "aaa"|replace("a", "b", -1) }}') == (
        "bba bbb"
    )
    with pytest.raises(TemplateRuntimeError, match="replace count expects a number"):
        Environment().from_string('{{ "aaa"|replace("a", "b", "two") }}').render()


def test_random_of_nothing_is_missing(render: Render) -> None:
    assert render("[{{ []|random }}][{{ none|random|default('-') }}]") == "[][-]"


def test_tojson_attr_entity_encodes_for_double_quoted_attributes(render: Render) -> None:
    html = render('<div data-x="{{ d|tojson(attr=true) }}">', d={"q": 'say "hi" <b>'})
    assert html == '<div data-x="{&#34;q&#34;: &#34;say \\&#34;hi\\&#34; &lt;b&gt;&#34;}">'
