"""``SandboxedEnvironment``: an Environment whose templates are compiled with checked access.

The choice is made at compile time: the compiler emits ``_sc(f, ...)`` for calls and
``_mul``/``_mod`` for ``*`` and ``%`` (the default environment emits plain calls and
operators), and the compiled namespace binds the access helpers to a
:class:`~kida.sandbox.guard.Guard`.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from kida.environment import Environment
from kida.runtime.namespace import COMPILED_NAMESPACE
from kida.sandbox.filters import guarded_filters
from kida.sandbox.guard import Guard, guarded_namespace
from kida.sandbox.output import LimitedBuffer, check_size, limit_async_stream, limit_stream
from kida.sandbox.policy import DEFAULT_POLICY, SandboxPolicy
from kida.template import Template


class SandboxedTemplate(Template):
    """A template of a :class:`SandboxedEnvironment`: every renderer counts its output against
    ``max_output_size``."""

    environment: "SandboxedEnvironment"

    @property
    def _limit(self) -> int | None:
        return self.environment.sandbox_policy.max_output_size

    def _output_buffer(self) -> list[str]:
        limit = self._limit
        return [] if limit is None else LimitedBuffer(limit, self.name)

    def render(self, /, *args: Any, **kwargs: Any) -> str:
        return check_size(super().render(*args, **kwargs), self._limit, self.name)

    def render_block(self, name: str, /, *args: Any, **kwargs: Any) -> str:
        return check_size(super().render_block(name, *args, **kwargs), self._limit, self.name)

    def render_stream(self, /, *args: Any, **kwargs: Any) -> Iterator[str]:
        stream = super().render_stream(*args, **kwargs)
        limit = self._limit
        return stream if limit is None else limit_stream(stream, limit, self.name)

    def render_stream_async(
        self, /, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        stream = super().render_stream_async(*args, timeout=timeout, **kwargs)
        limit = self._limit
        return stream if limit is None else limit_async_stream(stream, limit, self.name)

    def render_block_stream_async(
        self, name: str, /, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        stream = super().render_block_stream_async(name, *args, timeout=timeout, **kwargs)
        limit = self._limit
        return stream if limit is None else limit_async_stream(stream, limit, self.name)


class SandboxedEnvironment(Environment):
    """An Environment for templates you did not write: attribute reads, calls, ranges,
    repetitions and output are checked against a :class:`SandboxPolicy`.

    Example::

        env = SandboxedEnvironment(sandbox_policy=SandboxPolicy(max_output_size=100_000))
        env.from_string("{{ user.name }}").render(user=user)       # fine
        env.from_string("{{ user.__class__ }}").render(user=user)  # SecurityError K-SEC-001
    """

    template_class = SandboxedTemplate
    sandboxed = True

    def __init__(
        self, *args: Any, sandbox_policy: SandboxPolicy | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if sandbox_policy is not None and not isinstance(sandbox_policy, SandboxPolicy):
            raise TypeError(
                f"sandbox_policy must be a SandboxPolicy, got {type(sandbox_policy).__name__}"
            )
        self._sandbox_policy: SandboxPolicy = sandbox_policy or DEFAULT_POLICY
        self.guard = Guard(self._sandbox_policy, self.globals)
        if self.globals.get("range") is range:
            self.globals["range"] = self.guard.checked_range
        self.filters.update(guarded_filters(self.filters, self.guard))
        self.compiled_namespace = guarded_namespace(self.guard, COMPILED_NAMESPACE)

    @property
    def sandbox_policy(self) -> SandboxPolicy:
        """The policy this environment was built with, fixed for its life: its guard, filters,
        ``range`` and compiled namespace (and every template compiled so far) are bound to it."""
        return self._sandbox_policy

    @sandbox_policy.setter
    def sandbox_policy(self, value: SandboxPolicy) -> None:
        """Refused: a swapped policy would reach the output limit but not the checks already
        bound into the guard and compiled templates, so the environment would enforce a mix."""
        raise AttributeError(
            "sandbox_policy of a SandboxedEnvironment is fixed at construction "
            "(its checks are bound into the guard and compiled templates); "
            "build a new SandboxedEnvironment(sandbox_policy=...) to use another policy"
        )

    def accepts_template(self, template: Template) -> bool:
        """Only templates compiled under the same rules: this environment's, or those of a
        sandboxed environment with an equal policy (a looser one would escape this policy)."""
        other = template.environment
        return other is self or (
            isinstance(other, SandboxedEnvironment) and other.sandbox_policy == self.sandbox_policy
        )


__all__ = ["SandboxedEnvironment", "SandboxedTemplate"]
