"""The built-in tests called directly."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from markupsafe import Markup

from kida.environment.tests import DEFAULT_TESTS
from kida.runtime.undefined import UNDEFINED

T = DEFAULT_TESTS


def test_every_documented_test_is_registered() -> None:
    documented = {
        "callable",
        "defined",
        "divisibleby",
        "eq",
        "equalto",
        "even",
        "false",
        "ge",
        "greaterthan",
        "gt",
        "hx_boosted",
        "hx_request",
        "hx_target",
        "in",
        "iterable",
        "le",
        "lessthan",
        "lower",
        "lt",
        "mapping",
        "match",
        "ne",
        "none",
        "number",
        "odd",
        "sameas",
        "sequence",
        "string",
        "true",
        "undefined",
        "upper",
    }
    assert set(T) == documented


def test_defined_means_present_and_not_none() -> None:
    assert T["defined"]("")
    assert T["defined"](0)
    assert not T["defined"](None)
    assert not T["defined"](UNDEFINED)
    assert T["undefined"](UNDEFINED)
    assert T["undefined"](None)
    assert not T["undefined"](0)


def test_none_true_false_are_identity_checks() -> None:
    assert T["none"](None)
    assert not T["none"](UNDEFINED)
    assert T["true"](True)
    assert not T["true"](1)
    assert T["false"](False)
    assert not T["false"](0)
    assert not T["false"](None)


def test_numbers() -> None:
    assert T["odd"](3)
    assert not T["odd"](4)
    assert T["even"](0)
    assert not T["even"](-1)
    assert T["divisibleby"](9, 3)
    assert not T["divisibleby"](10, 3)
    assert T["number"](1.5)
    assert T["number"](3)
    assert not T["number"]("3")


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("eq", 1, 1, True),
        ("equalto", "a", "b", False),
        ("ne", 1, 2, True),
        ("lt", 1, 2, True),
        ("lessthan", 2, 2, False),
        ("le", 2, 2, True),
        ("gt", 3, 2, True),
        ("greaterthan", 2, 3, False),
        ("ge", 2, 2, True),
        ("ge", 1, 2, False),
        ("in", "b", "abc", True),
        ("in", 4, [1, 2], False),
        ("sameas", None, None, True),
        ("sameas", [], [], False),
    ],
)
def test_comparisons(name: str, a: Any, b: Any, expected: bool) -> None:
    assert T[name](a, b) is expected


def test_types() -> None:
    assert T["string"]("x")
    assert T["string"](Markup("x"))
    assert not T["string"](1)
    assert T["mapping"]({})
    assert not T["mapping"]([])
    assert T["sequence"]([1])
    assert T["sequence"]("ab")
    assert not T["sequence"]({1})
    assert not T["sequence"](3)
    assert T["iterable"]({1})
    assert T["iterable"](x for x in ())
    assert not T["iterable"](3)
    assert T["callable"](len)
    assert not T["callable"]("len")


def test_case_and_match() -> None:
    assert T["lower"]("abc")
    assert not T["lower"]("aBc")
    assert T["upper"]("ABC 1")
    assert not T["upper"]("123")
    assert T["match"]("post-12", r"[a-z]+-\d+$")
    assert not T["match"]("my post-12", r"[a-z]+-\d+$")  # anchored at the start


@dataclass
class Request:
    """A Django-like request: only ``headers`` (no django-htmx middleware)."""

    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HtmxDetails:
    """What django-htmx's middleware puts on ``request.htmx``."""

    is_htmx: bool
    boosted: bool = False
    target: str | None = None

    def __bool__(self) -> bool:
        return self.is_htmx


@dataclass
class HtmxRequest:
    htmx: HtmxDetails
    headers: dict[str, str] = field(default_factory=dict)


def test_hx_tests_read_headers() -> None:
    plain = Request()
    htmx = Request({"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "results"})
    assert not T["hx_request"](plain)
    assert T["hx_request"](htmx)
    assert not T["hx_request"](Request({"HX-Request": "false"}))
    assert T["hx_boosted"](htmx)
    assert not T["hx_boosted"](plain)
    assert T["hx_target"](htmx, "results")
    assert not T["hx_target"](htmx, "other")
    assert T["hx_target"](htmx)
    assert not T["hx_target"](plain)


def test_hx_tests_prefer_django_htmx_details() -> None:
    # headers say otherwise: request.htmx is the source of truth when the middleware ran
    request = HtmxRequest(HtmxDetails(True, boosted=True, target="list"), {"HX-Target": "x"})
    assert T["hx_request"](request)
    assert T["hx_boosted"](request)
    assert T["hx_target"](request, "list")
    assert not T["hx_target"](request, "x")
    full_page = HtmxRequest(HtmxDetails(False))
    assert not T["hx_request"](full_page)
    assert not T["hx_boosted"](full_page)
    assert not T["hx_target"](full_page)


@pytest.mark.parametrize("missing", [None, UNDEFINED])
def test_hx_tests_are_false_without_a_request(missing: Any) -> None:
    assert not T["hx_request"](missing)
    assert not T["hx_boosted"](missing)
    assert not T["hx_target"](missing, "x")


# --- through the engine -----------------------------------------------------------------


def render(source: str, **context: Any) -> str:
    from kida import Environment

    return str(Environment().from_string(source).render(**context))


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{% if 3 is odd %}y{% else %}n{% end %}", {}, "y"),
        ("{% if x is defined %}D{% else %}U{% end %}", {}, "U"),
        ("{% if x is undefined %}U{% end %}", {}, "U"),
        ("{% if x is none %}N{% end %}", {"x": None}, "N"),
        ("{% if n is divisibleby 3 %}y{% end %}", {"n": 9}, "y"),
        ("{% if n is divisibleby(4) %}y{% else %}n{% end %}", {"n": 9}, "n"),
        ("{% if n is not even %}odd{% end %}", {"n": 9}, "odd"),
        ("{% if s is match '[a-z]+$' %}m{% end %}", {"s": "abc"}, "m"),
        ("{% if request is hx_request %}hx{% else %}full{% end %}", {"request": None}, "full"),
        (
            "{% if request is hx_request %}hx{% else %}full{% end %}",
            {"request": Request({"HX-Request": "true"})},
            "hx",
        ),
        (
            '{% if request is hx_target "list" %}T{% else %}F{% end %}',
            {"request": HtmxRequest(HtmxDetails(True, target="list"))},
            "T",
        ),
    ],
)
def test_tests_in_templates(source: str, context: dict[str, Any], expected: str) -> None:
    assert render(source, **context) == expected
