"""What a sandboxed template may touch: :class:`SandboxPolicy` and the tables it extends.

The tables name what is never safe whatever the policy says: the dunder attributes and the
attributes of frames, generators and coroutines that lead from any object to the interpreter's
globals and builtins, and the types whose attributes are the interpreter's own internals.
"""

import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

#: Dunders a template may read: they only measure, iterate, test membership or print.
SAFE_DUNDERS: Final = frozenset(
    {"__len__", "__iter__", "__contains__", "__getitem__", "__str__", "__repr__"}
)

#: Plain names that reach frames, code, globals or the class hierarchy.
BLOCKED_NAMES: Final = frozenset(
    {
        "mro",
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_suspended",
        "cr_frame", "cr_code", "cr_await", "cr_origin",
        "ag_frame", "ag_code", "ag_await",
        "f_back", "f_builtins", "f_code", "f_globals", "f_locals", "f_trace",
        "tb_frame", "tb_next",
        "co_code", "co_consts", "co_names",
        "func_code", "func_globals", "im_class", "im_func", "im_self",
    }
)  # fmt: skip

#: Methods that change the object they are bound to; blocked unless the policy allows them.
MUTATING_METHODS: Final = frozenset(
    {
        "append", "extend", "insert", "pop", "popitem", "remove", "sort", "reverse", "clear",
        "update", "setdefault", "add", "discard",
        "difference_update", "intersection_update", "symmetric_difference_update",
    }
)  # fmt: skip

#: Read-only methods always allowed, even when ``allowed_attributes`` lists none of them.
SAFE_METHODS: Final = frozenset(
    {
        "items", "keys", "values", "get", "copy", "count", "index",
        "union", "intersection", "difference", "issubset", "issuperset",
        "symmetric_difference", "startswith", "endswith", "strip", "lstrip", "rstrip",
        "split", "rsplit", "join", "replace", "lower", "upper", "title", "capitalize",
        "format", "encode", "decode", "find", "rfind", "removeprefix", "removesuffix",
    }
)  # fmt: skip

#: Types whose attributes are interpreter internals: reading any attribute of one is refused.
UNSAFE_TYPES: Final[frozenset[type]] = frozenset(
    {
        types.FunctionType,
        types.BuiltinFunctionType,
        types.MethodType,
        types.CodeType,
        types.FrameType,
        types.TracebackType,
        types.GeneratorType,
        types.CoroutineType,
        types.AsyncGeneratorType,
        types.CellType,
        types.MappingProxyType,
        types.GetSetDescriptorType,
        types.MemberDescriptorType,
        types.WrapperDescriptorType,
        types.MethodWrapperType,
        types.MethodDescriptorType,
        types.ClassMethodDescriptorType,
    }
)


def _frozen(values: Iterable[Any] | None) -> frozenset[Any] | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True)
class SandboxPolicy:
    """What templates of a :class:`~kida.sandbox.SandboxedEnvironment` may do.

    - ``allowed_attributes``: when set, the only attribute names readable (besides the
      read-only methods of :data:`SAFE_METHODS`); ``None`` allows every name not blocked.
    - ``blocked_attributes``: names refused on top of the built-in ones.
    - ``blocked_types``: types (and their subclasses) whose attributes cannot be read and whose
      instances cannot be called, on top of classes, functions' internals, code, frames,
      generators, tracebacks and (unless ``allow_import``) modules.
    - ``allow_import``: modules may be read (``math.pi`` with ``math`` in the context).
    - ``allow_mutating_methods``: ``items.append(x)`` and the like may be called.
    - ``allow_calling``: when set, the type names (``type(f).__name__``) whose instances may be
      called; ``frozenset()`` refuses every call but to defs and environment globals.
    - ``max_output_size``: characters a render may output (``None``: no limit).
    - ``max_range``: items a ``range()``, ``a..b`` or ``x * n`` repetition may produce; also
      the largest ``%``/``format`` width or precision and size given to a sizing filter
      (``center``, ``indent``, ``batch``, ``slice``, ``tojson``, ``decimal``…).

    Example::

        SandboxPolicy(allowed_attributes={"name", "title"}, max_output_size=100_000)
    """

    allowed_attributes: frozenset[str] | None = None
    blocked_attributes: frozenset[str] = field(default_factory=frozenset)
    blocked_types: frozenset[type] = field(default_factory=frozenset)
    allow_import: bool = False
    allow_mutating_methods: bool = False
    allow_calling: frozenset[str] | None = None
    max_output_size: int | None = None
    max_range: int = 10_000

    def __post_init__(self) -> None:
        # Sets, lists and tuples are accepted and frozen, so the policy stays hashable.
        for name in ("allowed_attributes", "allow_calling"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for name in ("blocked_attributes", "blocked_types"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        for name in ("max_output_size", "max_range"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"SandboxPolicy.{name} must be a non-negative int, got {value!r}")


DEFAULT_POLICY: Final = SandboxPolicy()
