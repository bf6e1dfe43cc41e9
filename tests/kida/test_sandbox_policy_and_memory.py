"""A sandboxed environment's policy is fixed for its life, and its per-type memories let
classes created at run time be freed."""

import gc
import weakref

import pytest

from kida import SandboxedEnvironment, SandboxPolicy, SecurityError

# --- sandbox_policy is fixed at construction ---------------------------------------------


def test_reassigning_the_policy_is_refused_and_the_old_one_stays_whole() -> None:
    strict = SandboxPolicy(allowed_attributes=frozenset({"name"}), max_output_size=10)
    env = SandboxedEnvironment(sandbox_policy=strict)
    template = env.from_string("{{ user.email }}")
    with pytest.raises(AttributeError, match="build a new SandboxedEnvironment"):
        env.sandbox_policy = SandboxPolicy()
    assert env.sandbox_policy is strict
    with pytest.raises(SecurityError, match="allowed_attributes"):
        template.render(user={"email": "x"})
    with pytest.raises(SecurityError):
        env.from_string("{{ 'x' * 20 }}").render()


def test_another_policy_is_a_new_environment() -> None:
    loose = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=None))
    assert loose.from_string("{{ user.email }}").render(user={"email": "a@b"}) == "a@b"


# --- the guard's memories hold classes weakly ------------------------------------------


def test_a_class_seen_by_the_guard_is_freed_with_its_instances() -> None:
    env = SandboxedEnvironment()
    template = env.from_string("{{ item.name }}{{ item.shout() }}")

    def make() -> weakref.ref[type]:
        cls = type("Dynamic", (), {"name": "n", "shout": lambda self: "!"})
        assert template.render(item=cls()) == "n!"
        assert template.render(item=cls()) == "n!"  # the remembered verdicts are used
        return weakref.ref(cls)

    dead = make()
    gc.collect()
    assert dead() is None


def test_the_memories_forget_a_freed_class() -> None:
    env = SandboxedEnvironment()
    template = env.from_string("{{ item.shout() }}")
    cls = type("Dynamic", (), {"shout": lambda self: "!"})
    template.render(item=cls())
    key = id(cls)
    assert key in env.guard._safe_types
    del cls
    gc.collect()
    assert key not in env.guard._safe_types
    assert key not in env.guard._call_kinds
