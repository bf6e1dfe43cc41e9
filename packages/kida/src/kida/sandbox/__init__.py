"""Rendering templates you did not write: ``SandboxedEnvironment`` and its ``SandboxPolicy``.

Example::

    >>> from kida.sandbox import SandboxedEnvironment, SecurityError
    >>> env = SandboxedEnvironment()
    >>> env.from_string("{{ name|upper }}").render(name="kida")
    'KIDA'
    >>> try:
    ...     env.from_string("{{ ''.__class__ }}").render()
    ... except SecurityError as error:
    ...     print(error.code)
    K-SEC-001
"""

from kida.exceptions import SecurityError
from kida.sandbox.environment import SandboxedEnvironment, SandboxedTemplate
from kida.sandbox.policy import DEFAULT_POLICY, SandboxPolicy

__all__ = [
    "DEFAULT_POLICY",
    "SandboxPolicy",
    "SandboxedEnvironment",
    "SandboxedTemplate",
    "SecurityError",
]
