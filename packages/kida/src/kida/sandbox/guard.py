"""The checks a sandboxed template's compiled code runs: every attribute read, item fallback,
call, range, repetition and format width goes through a :class:`Guard` bound to one policy.

A plain ``Environment`` never sees this module: its templates are compiled without the checked
calls and read attributes through :mod:`kida.runtime.access` directly.
"""

import _string  # type: ignore[import-not-found]  # the field parser str.format uses
import re
import types
import weakref
from collections.abc import Callable, Mapping
from string import Formatter
from typing import Any, Final, NoReturn

from kida.exceptions import SecurityError
from kida.runtime import access, composition
from kida.runtime.components import Caller, Macro
from kida.sandbox.policy import (
    BLOCKED_NAMES,
    MUTATING_METHODS,
    SAFE_DUNDERS,
    SAFE_METHODS,
    UNSAFE_TYPES,
    SandboxPolicy,
)

BLOCKED_ATTRIBUTE: Final = "K-SEC-001"
BLOCKED_TYPE: Final = "K-SEC-002"
RANGE_LIMIT: Final = "K-SEC-003"
BLOCKED_CALLABLE: Final = "K-SEC-004"
OUTPUT_LIMIT: Final = "K-SEC-005"

# The template's own defs and slot callers: template code, compiled by the same environment.
_TEMPLATE_CALLABLES: Final = (Macro, Caller)
# Bound methods: the kinds whose ``format``/``format_map`` of a string is checked field by field.
_METHOD_KINDS: Final = frozenset({types.BuiltinMethodType, types.MethodType})
# What a callable's type is known to be, per guard: its instances are the template's own, or
# they pass the type checks and only the per-object marks remain to check.
_TEMPLATE_KIND: Final = 0
_CHECKED_KIND: Final = 1
_SEQUENCES: Final = (str, bytes, list, tuple)
_FORMAT_METHODS: Final = ("format", "format_map")
_DIGITS: Final = re.compile(r"\d+")
_PERCENT_SPEC: Final = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _blocked_attribute(name: str, why: str, hint: str) -> NoReturn:
    raise SecurityError(
        f"reading {name!r} is blocked by the sandbox: {why}", code=BLOCKED_ATTRIBUTE, hint=hint
    )


class Guard:
    """The sandbox checks of one policy; ``globals_`` (the environment's, read live) are the
    callables trusted without checks."""

    def __init__(self, policy: SandboxPolicy, globals_: Mapping[str, Any]) -> None:
        self.policy = policy
        self._globals = globals_
        self._unsafe_types = (
            UNSAFE_TYPES if policy.allow_import else UNSAFE_TYPES | {types.ModuleType}
        )
        self._blocked_types = tuple(policy.blocked_types)
        # Decisions about a type are remembered only while they cannot change: a blocked ABC
        # (``Mapping.register(cls)``) can gain subclasses after a type was found safe.
        self._types_settled = all(
            type(blocked).__subclasscheck__ is type.__subclasscheck__
            for blocked in self._blocked_types
        )
        # The per-type memories are keyed by ``id(type)``, not the type: a class created at
        # run time must stay collectable while the environment lives. Each remembered type
        # has a weak reference whose callback forgets its id as the class is freed, before
        # the id can be reused; a hot lookup stays one ``id()`` and one set/dict probe.
        self._safe_types: set[int] = set()
        self._safe_names: set[str] = set()
        self._call_kinds: dict[int, int] = {}
        self._type_refs: dict[int, weakref.ref[type]] = {}
        #: ``obj.name`` (key, then attribute, then item) and its soft version, checked.
        self.get_attr = self._checked_reader(access.get_attr)
        self.get_attr_soft = self._checked_reader(access.get_attr_soft)
        #: ``strict_undefined=False`` reads and strict ``obj?.name``, checked the same way.
        self.get_attr_resilient = self._checked_reader(access.get_attr_resilient)
        self.get_attr_optional = self._checked_reader(access.get_attr_optional)
        #: ``obj[key]``, its soft version and strict ``obj?[key]``, checked.
        self.get_item = self._checked_item_reader(access.get_item)
        self.get_item_soft = self._checked_item_reader(access.get_item_soft)
        self.get_item_optional = self._checked_item_reader(access.get_item_optional)
        #: ``func(*args, **kwargs)`` from template code, checked.
        self.call = self._checked_caller()

    def _remember(self, kind: type) -> int:
        """The memory key of ``kind``, watched by a weak reference that forgets the key in
        both memories when the class is freed (the callback holds the containers, not the
        guard, so it keeps nothing alive)."""
        key = id(kind)
        if key not in self._type_refs:
            safe_types, call_kinds, type_refs = self._safe_types, self._call_kinds, self._type_refs

            def forget(_: object) -> None:
                safe_types.discard(key)
                call_kinds.pop(key, None)
                type_refs.pop(key, None)

            type_refs[key] = weakref.ref(kind, forget)
        return key

    def _checked_reader(self, read: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        """``read`` behind the name, object and value checks; names and types already found
        safe skip their checks (the policy never changes), so a hot loop pays two set lookups."""
        safe_names, safe_types = self._safe_names, self._safe_types
        check_name, check_object, check_value = self.check_name, self.check_object, self.check_value
        dicts_readable = self._types_settled and not (
            self._blocked_types and issubclass(dict, self._blocked_types)
        )
        missing = object()

        def checked(obj: Any, name: str) -> Any:
            if name not in safe_names:
                check_name(name)
            kind = type(obj)
            if kind is dict and dicts_readable:
                value = obj.get(name, missing)  # a key's value: data, never a bound method
                if value is not missing:
                    return value
            elif id(kind) not in safe_types:
                check_object(obj)
            value = read(obj, name)
            if name in MUTATING_METHODS:
                check_value(obj, name, value)
            return value

        return checked

    # --- attributes -------------------------------------------------------------------------

    def check_name(self, name: str) -> None:
        """Refuse an attribute name the policy forbids, whatever object it is read from."""
        if name in self._safe_names:
            return
        policy = self.policy
        if name in BLOCKED_NAMES:
            _blocked_attribute(
                name, "it reaches interpreter internals", "remove it from the template"
            )
        if name in policy.blocked_attributes:
            _blocked_attribute(
                name,
                "it is in SandboxPolicy(blocked_attributes=...)",
                "remove it from the template, or from blocked_attributes if templates may read it",
            )
        if name.startswith("__") and name.endswith("__") and name not in SAFE_DUNDERS:
            _blocked_attribute(
                name, "dunder attributes lead out of the template", "remove it from the template"
            )
        allowed = policy.allowed_attributes
        if allowed is not None and name not in allowed and name not in SAFE_METHODS:
            _blocked_attribute(
                name,
                "it is not in SandboxPolicy(allowed_attributes=...)",
                f"add {name!r} to allowed_attributes if templates may read it",
            )
        self._safe_names.add(name)

    def check_object(self, obj: Any) -> None:
        """Refuse reading attributes of a class, a module or an interpreter internal."""
        kind = type(obj)
        if id(kind) in self._safe_types:
            return
        if (
            issubclass(kind, type)
            or kind in self._unsafe_types
            or (self._blocked_types and issubclass(kind, self._blocked_types))
        ):
            what = "a class" if issubclass(kind, type) else f"a {kind.__name__}"
            hint = (
                "pass the module's values instead, or SandboxPolicy(allow_import=True)"
                if kind is types.ModuleType
                else "pass plain data (dicts, lists, instances) to sandboxed templates"
            )
            raise SecurityError(
                f"reading attributes of {what} is blocked by the sandbox",
                code=BLOCKED_TYPE,
                hint=hint,
            )
        if self._types_settled:
            self._safe_types.add(self._remember(kind))

    def check_value(self, obj: Any, name: str, value: Any) -> Any:
        """Refuse a mutating method bound to ``obj`` unless the policy allows them."""
        if (
            name in MUTATING_METHODS
            and not self.policy.allow_mutating_methods
            and getattr(value, "__self__", None) is obj
        ):
            _blocked_attribute(
                name,
                "it would change data the template was given",
                "SandboxPolicy(allow_mutating_methods=True) allows it",
            )
        return value

    def read_attribute(self, obj: Any, name: str, default: Any) -> Any:
        """``getattr(obj, name, default)``, checked: what ``|attr`` and ``{0.name}`` read."""
        self.check_name(name)
        self.check_object(obj)
        return self.check_value(obj, name, getattr(obj, name, default))

    def _checked_item_reader(self, read: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        """``read`` (``obj[key]``, falling back to a string key's attribute) behind the object
        check; the attribute fallback is checked like an attribute read."""
        check_name, check_object, check_value = self.check_name, self.check_object, self.check_value

        def checked(obj: Any, key: Any) -> Any:
            check_object(obj)
            try:
                return obj[key]
            except (KeyError, IndexError, TypeError):
                if not isinstance(key, str):  # no attribute fallback: ``read`` reports it
                    return read(obj, key)
                check_name(key)
                return check_value(obj, key, read(obj, key))

        return checked

    # --- calls ------------------------------------------------------------------------------

    def is_trusted(self, func: Any) -> bool:
        """Defs, slot callers and the environment's globals run unchecked."""
        if isinstance(func, _TEMPLATE_CALLABLES):
            return True
        return any(value is func for value in self._globals.values())

    def _refusal(self, func: Any) -> tuple[str, str] | None:
        """Why calling ``func`` is refused (what, hint), or None; a type found callable is
        remembered, so its next instances are only checked for the marks."""
        kind = type(func)
        hint = "call it in the view and pass the result to the template"
        if issubclass(kind, type):
            return (
                f"calling the class {getattr(func, '__name__', '?')!r}",
                "pass instances, or register a factory with env.add_global()",
            )
        if self._blocked_types and issubclass(kind, self._blocked_types):
            return f"calling a {kind.__name__}", hint
        if _marked(func):
            name = getattr(func, "__name__", kind.__name__)
            return f"calling {name!r}, marked as altering data", hint
        allowed = self.policy.allow_calling
        if allowed is not None and kind.__name__ not in allowed:
            return (
                f"calling a {kind.__name__}",
                f"add {kind.__name__!r} to SandboxPolicy(allow_calling=...) to allow it",
            )
        if self._types_settled:
            self._call_kinds[self._remember(kind)] = _CHECKED_KIND
        return None

    def check_callable(self, func: Any) -> None:
        """Refuse calling classes, blocked types, ``alters_data``/``unsafe_callable`` callables,
        and types outside ``allow_calling`` when it is set."""
        refusal = self._refusal(func)
        if refusal is not None:
            refused, hint = refusal
            raise SecurityError(
                f"{refused} is blocked by the sandbox", code=BLOCKED_CALLABLE, hint=hint
            )

    def check_call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Refuse ``func(*args, **kwargs)`` as :meth:`check_callable` does, unless ``func`` is
        trusted; ``str.format``'s fields are resolved through the guard first, so
        ``"{0.__class__}".format(x)`` is refused. The globals are searched for ``func`` only
        when a check would refuse it: a callable that passes them runs either way."""
        if isinstance(func, _TEMPLATE_CALLABLES):
            self._call_kinds[self._remember(type(func))] = _TEMPLATE_KIND
            return
        if self._refusal(func) is not None:
            if self.is_trusted(func):
                return
            self.check_callable(func)
        if _is_string_format(func) and not self.is_trusted(func):
            if func.__name__ == "format":
                self.check_format(func.__self__, args, kwargs)
            elif args:  # format_map: any object with __getitem__ will do
                self.check_format(func.__self__, (), args[0])

    def _checked_caller(self) -> Callable[..., Any]:
        """The checked call: a callable of a type already found callable (or one of the
        template's own) skips :meth:`check_call` and its globals search; its marks and
        ``str.format`` are still checked, inline (:func:`_marked` and
        :func:`_is_string_format`, without the cost of two more calls per call)."""
        kinds, check_call = self._call_kinds, self.check_call
        method_type = types.MethodType

        def call(func: Any, /, *args: Any, **kwargs: Any) -> Any:
            kind = type(func)
            verdict = kinds.get(id(kind))
            if verdict is _TEMPLATE_KIND:
                return func(*args, **kwargs)
            if verdict is _CHECKED_KIND:
                target = func.__func__ if kind is method_type else func
                if not (
                    getattr(target, "unsafe_callable", False)
                    or getattr(target, "alters_data", False)
                ) and (
                    kind not in _METHOD_KINDS
                    or not isinstance(func.__self__, str)
                    or func.__name__ not in _FORMAT_METHODS
                ):
                    return func(*args, **kwargs)
            check_call(func, args, kwargs)
            return func(*args, **kwargs)

        return call

    def call_global(self, name: str, func: Any, passed: Any, /, *args: Any, **kwargs: Any) -> Any:
        """A call to the name of a ``pass_context``/``pass_environment`` global: ``passed`` (the
        render context or environment) goes only to that global, never to whatever a template
        or its data has put under the same name."""
        trusted = self._globals.get(name)
        if trusted is not None and trusted is func:
            return trusted(passed, *args, **kwargs)
        return self.call(func, *args, **kwargs)

    def translate(
        self,
        ctx: Mapping[str, Any],
        singular: str,
        plural: str | None,
        count: Any,
        variables: dict[str, Any],
    ) -> str:
        """``{% trans %}``: the ``gettext``/``ngettext`` it calls is read from the render
        context, where a template can put any callable it reached, so the call is checked."""
        name, args = (
            ("gettext", (singular,)) if plural is None else ("ngettext", (singular, plural, count))
        )
        func = ctx.get(name)
        if callable(func):
            self.check_call(func, args, {})
        return composition.translate(ctx, singular, plural, count, variables)  # type: ignore[arg-type]

    def check_format(
        self,
        text: str,
        args: Any,
        kwargs: Mapping[str, Any],
        auto: int = 0,
        in_spec: bool = False,
    ) -> int:
        """Resolve every ``{field.attr[key]}`` of a format string through the guard, so a
        format string the template controls cannot read what the template itself cannot, and
        refuse widths and precisions over ``max_range``; returns the next automatic field
        number."""
        for literal, field, spec, _ in Formatter().parse(text):
            if in_spec:
                self.check_widths(literal)
            if field is not None:
                first, rest = _split_field(field)
                if first == "":
                    first, auto = auto, auto + 1
                try:
                    obj = args[first] if isinstance(first, int) else kwargs[first]
                except (IndexError, KeyError, TypeError):
                    return auto  # str.format reports it
                for is_attribute, key in rest:
                    if is_attribute:
                        obj = self.read_attribute(obj, key, None)
                    else:
                        self.check_object(obj)
                        try:
                            obj = obj[key]
                        except (IndexError, KeyError, TypeError):
                            return auto
                if in_spec and isinstance(obj, int):
                    self.check_count(obj, "this format width")
            if spec and "{" in spec:
                auto = self.check_format(spec, args, kwargs, auto, in_spec=True)
            elif spec:
                self.check_widths(spec)
        return auto

    # --- sizes ------------------------------------------------------------------------------

    def check_count(self, count: int, what: str) -> None:
        limit = self.policy.max_range
        if count > limit:
            raise SecurityError(
                f"{what} would make {count} items, over the sandbox limit of {limit}",
                code=RANGE_LIMIT,
                hint=f"use fewer items, or raise SandboxPolicy(max_range={limit})",
            )

    def check_widths(self, spec: str) -> None:
        """Every number of a format spec (width, precision) is at most ``max_range``."""
        for digits in _DIGITS.findall(spec):
            self.check_count(int(digits), "this format width")

    def modulo(self, left: Any, right: Any) -> Any:
        """``a % b``: %-formatting text may not pad or extend past ``max_range`` either."""
        if isinstance(left, str):
            values = right if isinstance(right, tuple) else (right,)
            for width, precision in _PERCENT_SPEC.findall(left):
                for number in (width, precision):
                    if number == "*":  # taken from the values
                        for value in values:
                            if isinstance(value, int):
                                self.check_count(value, "this % width")
                    elif number:
                        self.check_count(int(number), "this % width")
        return left % right

    def checked_range(self, *args: int) -> range:
        """The sandbox's ``range()``: at most ``max_range`` items."""
        result = range(*args)
        self.check_count(len(result), "range()")
        return result

    def make_range(self, start: int, stop: int, step: int | None, inclusive: bool) -> range:
        """``a..b`` / ``a...b``, at most ``max_range`` items."""
        result = access.make_range(start, stop, step, inclusive)
        self.check_count(len(result), "this range")
        return result

    def multiply(self, left: Any, right: Any) -> Any:
        """``a * b``: repeating text or a list may make at most ``max_range`` items."""
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, _SEQUENCES) and isinstance(times, int):
                self.check_count(len(sequence) * times, "this repetition")
        return left * right


def _marked(func: Any) -> bool:
    """``func`` is marked ``unsafe_callable`` or ``alters_data``. A bound method's marks are
    its function's (the method forwards the lookup); read there, a missing mark is not the
    method's slow failed lookup."""
    target = func.__func__ if type(func) is types.MethodType else func
    return bool(getattr(target, "unsafe_callable", False) or getattr(target, "alters_data", False))


def _is_string_format(func: Any) -> bool:
    """``func`` is ``format`` or ``format_map`` bound to a string."""
    return (
        type(func) in _METHOD_KINDS
        and isinstance(func.__self__, str)
        and func.__name__ in _FORMAT_METHODS
    )


def _split_field(field: str) -> tuple[int | str, list[tuple[bool, Any]]]:
    """``"0.a[b]"`` → ``(0, [(True, "a"), (False, "b")])``, as ``str.format`` splits it."""
    first, rest = _string.formatter_field_name_split(field)
    return first, list(rest)


def guarded_namespace(guard: Guard, base: Mapping[str, Any]) -> dict[str, Any]:
    """The compiled-code namespace of a sandboxed environment: ``base`` with the access helpers
    swapped for checked ones, the checked call and repetition, and no builtins."""
    namespace = dict(base)
    helpers: dict[str, Callable[..., Any]] = {
        "_ga": guard.get_attr,
        "_gas": guard.get_attr_soft,
        "_gar": guard.get_attr_resilient,
        "_gao": guard.get_attr_optional,
        "_gi": guard.get_item,
        "_gis": guard.get_item_soft,
        "_gio": guard.get_item_optional,
        "_range": guard.make_range,
        "_sc": guard.call,
        "_scg": guard.call_global,
        "_trans": guard.translate,
        "_mul": guard.multiply,
        "_mod": guard.modulo,
    }
    namespace.update(helpers)
    namespace["__builtins__"] = {"__import__": __import__} if guard.policy.allow_import else {}
    return namespace
