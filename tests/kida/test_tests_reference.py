"""Tests (``x is …``) as kida-templates documents them: ``number`` excludes booleans, and the
htmx tests take a request, a plain boolean or a target id, with header values in any case."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

Render = Callable[..., str]


@dataclass
class Request:
    """A framework request: only ``headers``, no django-htmx details."""

    headers: dict[str, str] = field(default_factory=dict)


def test_number_is_not_bool(render: Render) -> None:
    source = "{% for v in values %}{{ 'N' if v is number else '-' }}{% end %}"
    assert render(source, values=[True, False, 1, 2.5, "3"]) == "--NN-"


@pytest.mark.parametrize("header", ["True", "TRUE", " true "])
def test_hx_header_values_in_any_case(render: Render, header: str) -> None:
    source = "{% if r is hx_request %}frag{% end %}{% if r is hx_boosted %}+boost{% end %}"
    assert render(source, r=Request({"HX-Request": header, "HX-Boosted": header})) == "frag+boost"
    for other in ("false", "False", "", "1"):
        assert render(source, r=Request({"HX-Request": other})) == ""


def test_hx_tests_take_a_boolean(render: Render) -> None:
    source = "{% if f is hx_request %}frag{% else %}page{% end %}"
    boosted = "{% if f is hx_boosted %}boost{% else %}plain{% end %}"
    assert (render(source, f=True), render(source, f=False)) == ("frag", "page")
    assert (render(boosted, f=True), render(boosted, f=False)) == ("boost", "plain")


def test_hx_target_compares_a_target_id_given_directly(render: Render) -> None:
    source = '{% if t is hx_target("sidebar") %}aside{% else %}main{% end %}'
    assert render(source, t="sidebar") == "aside"
    assert render(source, t="main") == "main"
    assert render(source, t=None) == "main"
    assert render(source, t=Request({"HX-Target": "sidebar"})) == "aside"


def test_match_is_false_for_none(render: Render) -> None:
    source = '{{ "y" if v is match("N") else "n" }}{{ "y" if w is match("N") else "n" }}'
    assert render(source, v=None, w="No") == "ny"
