"""Examples and documented edges of kida-templates' troubleshooting/*.md, extending/*.md and
reference/*.md pages that the other reference tests leave out, each through every renderer."""

from typing import Any

import pytest

from kida import Environment, SecurityError, UndefinedError
from kida.sandbox import SandboxedEnvironment
from tests.kida.conftest import render_all


class User:
    name = "Alice"


# --- troubleshooting/undefined-variable.md: ?. and ?[ are Mapping-soft, object-strict --------


@pytest.mark.parametrize(
    ("source", "ctx", "output"),
    [
        ("[{{ config?.theme }}]", {"config": None}, "[]"),
        ("[{{ config?.theme }}]", {"config": {}}, "[]"),
        ('{{ config?.theme ?? "dark" }}', {"config": {}}, "dark"),
        ('{{ settings?["theme"] ?? "light" }}', {"settings": {}}, "light"),
        ('{{ user?.nickname ?? "" }}|', {"user": None}, "|"),
        ('{{ user?.profile?.bio ?? "No bio yet" }}', {"user": {"profile": {}}}, "No bio yet"),
        ('{{ config ?| get("theme") ?? "light" }}', {"config": None}, "light"),
        ('{{ config | get("theme", "light") | upper }}', {"config": {}}, "LIGHT"),
        ("{{ d?.theme }}", {"d": {"theme": "x"}}, "x"),
        ("{{ d?.keys is defined }}", {"d": {}}, "True"),
        ('{{ page.parent.title ?? "" }}|', {"page": {}}, "|"),
    ],
)
def test_optional_chaining_on_mappings(source: str, ctx: dict[str, Any], output: str) -> None:
    assert render_all(Environment().from_string(source), **ctx) == output


@pytest.mark.parametrize(
    ("source", "ctx"),
    [
        ("{{ user?.nickname }}", {"user": User()}),  # an object's missing attribute: a typo
        ("{{ items?[3] }}", {"items": [1]}),  # a sequence out of range still raises
    ],
)
def test_optional_chaining_stays_strict_on_objects_and_sequences(
    source: str, ctx: dict[str, Any]
) -> None:
    with pytest.raises(UndefinedError):
        Environment().from_string(source).render(**ctx)


def test_optional_chaining_in_lenient_mode_is_unchanged() -> None:
    env = Environment(strict_undefined=False)
    assert render_all(env.from_string("[{{ u?.nickname }}][{{ d?.k }}]"), u=User(), d={}) == "[][]"


@pytest.mark.parametrize(
    ("source", "ctx", "options"),
    [
        ("{{ a?.__class__ }}", {"a": User()}, {}),
        ("{{ d?.__class__ }}", {"d": {}}, {}),
        ("{{ d?.pop }}", {"d": {}}, {}),
        ("{{ a.__class__ }}", {"a": User()}, {"strict_undefined": False}),
        ("{{ d?.__class__ }}", {"d": {}}, {"strict_undefined": False}),
        ("{{ a.__dict__ }}", {"a": User()}, {"strict_undefined": False}),
    ],
)
def test_the_sandbox_checks_optional_and_lenient_reads(
    source: str, ctx: dict[str, Any], options: dict[str, Any]
) -> None:
    template = SandboxedEnvironment(**options).from_string(source)
    with pytest.raises(SecurityError):
        template.render(**ctx)
    with pytest.raises(SecurityError):
        "".join(template.render_stream(**ctx))


def test_the_sandbox_still_reads_mappings_through_optional_access() -> None:
    template = SandboxedEnvironment().from_string('[{{ d?.a }}][{{ d?["b"] }}][{{ d?.c }}]')
    assert render_all(template, d={"a": 1, "b": 2}) == "[1][2][]"
