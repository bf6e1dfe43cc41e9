"""``strict_undefined``: the strict default, and the resilient-None mode of ``False``.

Strict (kida's default): a missing attribute or key, or one read from None, raises
``UndefinedError``. Resilient: it reads as an empty undefined value that prints nothing, is
falsy, iterates as nothing, is not ``defined`` and gives way to ``??`` and ``default``. Missing
top-level names raise in both modes, as in kida-templates. Each case runs through every renderer
and through block rendering.
"""

import asyncio
from typing import Any

import pytest

from kida import DictLoader, Environment, Template, UndefinedError
from tests.kida.conftest import render_all


class User:
    def __init__(self, name: str, bio: str | None = None) -> None:
        self.name = name
        self.bio = bio


def _everywhere(template: Template, **ctx: Any) -> str:
    """The page through render/render_stream/render_async, and block ``b`` alone (sync and
    async stream); all must agree."""
    page = render_all(template, **ctx)
    block = template.render_block("b", **ctx)

    async def stream_block() -> str:
        return "".join([chunk async for chunk in template.render_block_stream_async("b", **ctx)])

    assert asyncio.run(stream_block()) == block
    assert page == f"[{block}]"
    return block


def _resilient(source: str, **ctx: Any) -> str:
    env = Environment(strict_undefined=False)
    return _everywhere(env.from_string(f"[{{% block b %}}{source}{{% end %}}]"), **ctx)


def _strict(source: str, **ctx: Any) -> str:
    return _everywhere(Environment().from_string(f"[{{% block b %}}{source}{{% end %}}]"), **ctx)


ANN = User("ann")

RESILIENT = [
    ("{{ user.nickname }}", {"user": User("ann")}, ""),
    ("{{ user.nickname.first }}", {"user": User("ann")}, ""),
    ("{{ d.missing }}|{{ d['missing'] }}|{{ seq[9] }}", {"d": {}, "seq": [1]}, "||"),
    ("{{ nothing.name }}", {"nothing": None}, ""),
    ("{{ user.bio }}", {"user": User("ann")}, ""),
    ("{{ user.nickname ?? 'anon' }}", {"user": User("ann")}, "anon"),
    ("{{ user.bio ?? 'no bio' }}", {"user": User("ann")}, "no bio"),
    ("{{ nothing?.name ?? 'none' }}", {"nothing": None}, "none"),
    ("{{ user.nickname | default('x') }}", {"user": User("ann")}, "x"),
    ("{{ user.nickname | upper }}{{ user.nickname | length }}", {"user": User("a")}, "0"),
    ("{% for t in user.tags %}{{ t }}{% else %}no tags{% end %}", {"user": User("a")}, "no tags"),
    ("{% if user.nickname %}y{% else %}n{% end %}", {"user": User("ann")}, "n"),
    (
        "{{ user.nickname is defined }}/{{ user.name is defined }}",
        {"user": User("a")},
        "False/True",
    ),
    ("{{ user.name }}", {"user": User("ann")}, "ann"),
    ("{{ [user.x, user.name] | select('defined') | join(',') }}", {"user": User("a")}, "a"),
    (
        "{{ user.prefs.get('theme', 'light') }}{{ user.prefs.get('x') }}",
        {"user": User("a")},
        "light",
    ),
    (
        "{% for k, v in user.prefs.items() %}{{ k }}{% else %}none{% end %}",
        {"user": User("a")},
        "none",
    ),
    (
        "{{ user.prefs.keys() | length }}{{ user.prefs.values() | length }}",
        {"user": User("a")},
        "00",
    ),
]


@pytest.mark.parametrize(("source", "ctx", "expected"), RESILIENT)
def test_resilient_mode_reads_missing_values_as_empty(
    source: str, ctx: dict[str, Any], expected: str
) -> None:
    assert _resilient(source, **ctx) == expected


@pytest.mark.parametrize(
    ("source", "ctx"),
    [
        ("{{ user.nickname }}", {"user": User("ann")}),
        ("{{ d['missing'] }}", {"d": {}}),
        ("{{ nothing.name }}", {"nothing": None}),
    ],
)
def test_strict_default_raises_on_missing_attribute(source: str, ctx: dict[str, Any]) -> None:
    with pytest.raises(UndefinedError):
        _strict(source, **ctx)


@pytest.mark.parametrize("strict", [True, False])
def test_missing_top_level_names_raise_in_both_modes(strict: bool) -> None:
    template = Environment(strict_undefined=strict).from_string("{{ typo }}")
    with pytest.raises(UndefinedError, match="typo"):
        template.render()


@pytest.mark.parametrize("strict", [True, False])
def test_soft_reads_agree_in_both_modes(strict: bool) -> None:
    env = Environment(strict_undefined=strict)
    source = "{{ u.x ?? 1 }}{{ u.x | default(2) }}{{ u.x is defined }}{{ u?.x?.y ?? 3 }}"
    assert render_all(env.from_string(source), u={}) == "12False3"


def test_the_mode_reaches_included_and_extended_templates() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<{% block b %}{% end %}>{% include 'part.html' %}",
                "part.html": "({{ user.nickname }})",
                "page.html": "{% extends 'base.html' %}{% block b %}{{ user.age }}{% end %}",
            }
        ),
        strict_undefined=False,
    )
    assert render_all(env.get_template("page.html"), user=User("ann")) == "<>()"


def test_resilient_mode_is_chosen_when_compiling() -> None:
    """Flipping the attribute after compiling changes nothing: the mode is in the code."""
    env = Environment(strict_undefined=False)
    template = env.from_string("{{ user.nickname }}")
    env.strict_undefined = True
    assert template.render(user=User("ann")) == ""
    with pytest.raises(UndefinedError):
        env.from_string("{{ user.nickname }}").render(user=User("ann"))
