"""The sandbox remembers what it found safe (attribute names, types read, types called) so hot
loops skip repeated checks. These tests warm those memories with allowed accesses, then try a
refused access sharing the name, the type or the environment: it must still be refused."""

import asyncio
from abc import ABC
from typing import Any

import pytest

from kida import SandboxedEnvironment, SandboxPolicy, SecurityError
from kida.template import Template
from tests.kida.conftest import render_all


class Data:
    """An object whose ``pop`` and ``append`` are plain data attributes."""

    def __init__(self) -> None:
        self.pop = "popped data"
        self.append = "appended data"
        self.value = "v"

    def greet(self) -> str:
        return "hi"


class Shelf:
    """Instances read ``append`` from the class (a mutating method) unless given their own."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def append(self, item: str) -> None:
        self.items.append(item)


class Account:
    """A Django-like model: ``close`` alters data, ``describe`` does not."""

    closed = False

    def describe(self) -> str:
        return "account"

    def close(self) -> None:
        Account.closed = True

    close.alters_data = True  # type: ignore[attr-defined]


def shout(text: str) -> str:
    return text.upper()


def wipe() -> str:
    return "wiped"


wipe.unsafe_callable = True  # type: ignore[attr-defined]


def refused_everywhere(template: Template, code: str, **ctx: Any) -> None:
    """``template`` raises SecurityError ``code`` in render(), render_stream() and
    render_async(), each after the others have warmed the same guard."""
    renders = [
        lambda: template.render(**ctx),
        lambda: "".join(template.render_stream(**ctx)),
        lambda: asyncio.run(template.render_async(**ctx)),
    ]
    for render in renders:
        with pytest.raises(SecurityError) as caught:
            render()
        assert caught.value.code == code, str(caught.value)


def test_a_mutating_method_stays_blocked_after_data_of_the_same_name_was_read() -> None:
    env = SandboxedEnvironment()
    items = [1, 2]
    warm = env.from_string("{{ data.pop }} {{ data.append }} {{ d.update }}")
    assert render_all(warm, data=Data(), d={"update": "today"}) == (
        "popped data appended data today"
    )
    refused_everywhere(env.from_string("{{ items.pop() }}"), "K-SEC-001", items=items)
    refused_everywhere(env.from_string("{{ d.update({'a': 2}) }}"), "K-SEC-001", d={"a": 1})
    assert items == [1, 2]
    # Both in one template, the allowed read first.
    refused_everywhere(
        env.from_string("{{ data.pop }}{{ items.pop() }}"), "K-SEC-001", data=Data(), items=items
    )
    assert items == [1, 2]


def test_one_instance_s_data_attribute_does_not_clear_the_class_method_of_another() -> None:
    env = SandboxedEnvironment()
    own = Shelf()
    own.append = "own data"  # type: ignore[assignment,method-assign]
    shelf = Shelf()
    template = env.from_string("{{ s.append }}")
    assert render_all(template, s=own) == "own data"
    refused_everywhere(env.from_string("{{ s.append('x') }}"), "K-SEC-001", s=shelf)
    refused_everywhere(template, "K-SEC-001", s=shelf)
    assert shelf.items == []


def test_a_name_refused_stays_refused_after_other_names_of_its_object_were_read() -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allowed_attributes={"value"}))
    assert render_all(env.from_string("{{ data.value }}"), data=Data()) == "v"
    refused_everywhere(env.from_string("{{ data.pop }}"), "K-SEC-001", data=Data())
    refused_everywhere(env.from_string("{{ data.__class__ }}"), "K-SEC-001", data=Data())


def test_a_marked_method_is_refused_after_an_unmarked_one_of_the_same_type_was_called() -> None:
    env = SandboxedEnvironment()
    account = Account()
    assert render_all(env.from_string("{{ a.describe() }}"), a=account) == "account"
    refused_everywhere(env.from_string("{{ a.close() }}"), "K-SEC-004", a=account)
    refused_everywhere(env.from_string("{{ a.describe() }}{{ a.close() }}"), "K-SEC-004", a=account)
    assert not Account.closed
    # Plain functions: one called, then one marked unsafe_callable.
    assert render_all(env.from_string("{{ f('x') }}"), f=shout) == "X"
    refused_everywhere(env.from_string("{{ f() }}"), "K-SEC-004", f=wipe)


def test_string_format_is_checked_after_other_string_methods_were_called() -> None:
    env = SandboxedEnvironment()
    warm = env.from_string("{{ x.upper() }} {{ '{0}!'.format(x) }} {{ x.split('e') }}")
    assert render_all(warm, x="text") == "TEXT text! [&#39;t&#39;, &#39;xt&#39;]"
    refused_everywhere(env.from_string("{{ '{0.__class__}'.format(x) }}"), "K-SEC-001", x="t")
    refused_everywhere(
        env.from_string("{% set f = '{v.__class__}'.format_map %}{{ f({'v': x}) }}"),
        "K-SEC-001",
        x="t",
    )


def test_a_trusted_global_does_not_make_its_type_callable() -> None:
    """``range`` is a bound method of the guard, trusted as a global: calling it must not let
    other bound methods be called under ``allow_calling=frozenset()``."""
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allow_calling=frozenset()))
    template = env.from_string("{{ range(2)|list }}{% def m() %}d{% end %}{{ m() }}")
    assert render_all(template) == "[0, 1]d"
    refused_everywhere(env.from_string("{{ data.greet() }}"), "K-SEC-004", data=Data())
    refused_everywhere(
        env.from_string("{{ range(1)|list }}{{ data.greet() }}"), "K-SEC-004", data=Data()
    )


def test_globals_are_trusted_while_they_are_globals() -> None:
    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allow_calling=frozenset()))
    account = Account()
    env.add_global("describe", account.describe)
    template = env.from_string("{{ describe() }}")
    assert render_all(template) == "account"
    del env.globals["describe"]
    refused_everywhere(template, "K-SEC-004", describe=account.describe)


def test_what_one_environment_allowed_is_refused_by_a_stricter_one() -> None:
    class Secret:
        value = "s"

        def __call__(self) -> str:
            return "called"

    source = "{{ s.value }} {{ s() }} {{ data.greet() }}"
    loose = SandboxedEnvironment()
    ctx = {"s": Secret(), "data": Data()}
    assert render_all(loose.from_string(source), **ctx) == "s called hi"
    blocked = SandboxedEnvironment(sandbox_policy=SandboxPolicy(blocked_types={Secret}))
    refused_everywhere(blocked.from_string("{{ s.value }}"), "K-SEC-002", **ctx)
    refused_everywhere(blocked.from_string("{{ s() }}"), "K-SEC-004", **ctx)
    no_calls = SandboxedEnvironment(sandbox_policy=SandboxPolicy(allow_calling=frozenset()))
    refused_everywhere(no_calls.from_string("{{ data.greet() }}"), "K-SEC-004", **ctx)
    names = SandboxedEnvironment(sandbox_policy=SandboxPolicy(blocked_attributes={"value"}))
    refused_everywhere(names.from_string("{{ s.value }}"), "K-SEC-001", **ctx)
    assert render_all(loose.from_string(source), **ctx) == "s called hi"


def test_a_type_registered_with_a_blocked_abc_later_is_refused_from_then_on() -> None:
    class Restricted(ABC):  # noqa: B024 (a marker: classes join it by register())
        pass

    class Widget:
        value = "w"

        def __call__(self) -> str:
            return "called"

    env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(blocked_types={Restricted}))
    template = env.from_string("{{ w.value }} {{ w() }} {{ d.a }}")
    assert render_all(template, w=Widget(), d={"a": 1}) == "w called 1"
    Restricted.register(Widget)
    refused_everywhere(env.from_string("{{ w.value }}"), "K-SEC-002", w=Widget())
    refused_everywhere(env.from_string("{{ w() }}"), "K-SEC-004", w=Widget())
    Restricted.register(dict)
    refused_everywhere(env.from_string("{{ d.a }}"), "K-SEC-002", d={"a": 1})
