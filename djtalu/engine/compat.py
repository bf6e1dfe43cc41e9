"""Make talu 0.0.3 importable and its non-streaming calls safe.

Two packaging bugs in the 0.0.3 wheel (see /work/shared/TALU.md):

1. ``talu/_native.py`` uses ``c_double`` without importing it, so ``import talu`` raises
   ``NameError``. We load that module ourselves with ``ctypes.c_double`` already in its
   namespace, then import the package, which finds it in ``sys.modules``.
2. ``talu_router_generate_with_backend`` and ``talu_backend_list_models`` return structs by
   value but are declared to return pointers, so every non-streaming generation segfaults.
   We set their ``restype`` to the real structs on the shared CDLL handle.

And one gap: the native token iterator counts prompt and completion tokens and times prefill
and decode, but ``Router.stream`` frees it without reading them. We wrap the binding it frees
the iterator with, so the counts of the last run freed on a thread are kept
(:func:`take_native_counts`); counting the text again gives other numbers (a re-tokenised
reply of 4000 tokens can count 4008).

``load_talu()`` must run before any other use of talu; it is idempotent.
"""

import ctypes
import importlib
import importlib.machinery
import importlib.util
import sys
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_TALU_VERSION = "0.0.3"

#: C function name -> name of the ``talu._native`` struct it really returns by value.
_RESTYPE_FIXES: dict[str, str] = {
    "talu_router_generate_with_backend": "CGenerateResult",
    "talu_backend_list_models": "CRemoteModelListResult",
}

_lock = threading.Lock()
_freed = threading.local()


@dataclass(frozen=True)
class NativeCounts:
    """What talu's native iterator measured for one streamed run (zeros after a cancel)."""

    prompt_tokens: int
    completion_tokens: int
    prefill_ns: int
    generation_ns: int
    #: 0 end of sequence, 1 length, 2 stop sequence, 5 cancelled (talu's FinishReason codes).
    finish_reason: int


def load_talu() -> ModuleType:
    """Import talu with both packaging bugs worked around and return the module.

    Example::

        talu = load_talu()
        client = talu.Client("/models/smollm2")
    """
    with _lock:
        if "talu" in sys.modules and "talu._bindings" in sys.modules:
            return sys.modules["talu"]
        _preload_native()
        talu = importlib.import_module("talu")
        # A submodule imported before its package is not bound as an attribute: do it here.
        vars(talu).setdefault("_native", sys.modules["talu._native"])
        _check_version(talu)
        _fix_restypes()
        _keep_iterator_counts()
        return talu


def _preload_native() -> None:
    """Execute ``talu/_native.py`` with ``c_double`` defined, before the package imports it."""
    if "talu._native" in sys.modules:
        return
    package_spec = importlib.machinery.PathFinder.find_spec("talu")
    if package_spec is None or not package_spec.submodule_search_locations:
        raise ImportError("talu is not installed")
    spec = importlib.machinery.PathFinder.find_spec(
        "talu._native", list(package_spec.submodule_search_locations)
    )
    if spec is None or spec.loader is None:
        raise ImportError("talu._native not found in the talu package")
    native = importlib.util.module_from_spec(spec)
    native.c_double = ctypes.c_double  # type: ignore[attr-defined]
    sys.modules["talu._native"] = native
    try:
        spec.loader.exec_module(native)
    except BaseException:
        del sys.modules["talu._native"]
        raise


def _check_version(talu: ModuleType) -> None:
    """Refuse other talu versions: these fixes are only known to be right for 0.0.3."""
    version = getattr(talu, "__version__", "?")
    if version != _TALU_VERSION:
        raise ImportError(
            f"djtalu.engine.compat targets talu {_TALU_VERSION}, found {version}: "
            "re-check the packaging bugs in compat.py before upgrading"
        )


def _fix_restypes() -> None:
    """Declare the by-value struct results on the CDLL handle every talu module shares."""
    lib = importlib.import_module("talu._bindings").get_lib()
    native = sys.modules["talu._native"]
    for function_name, struct_name in _RESTYPE_FIXES.items():
        getattr(lib, function_name).restype = getattr(native, struct_name)


def _keep_iterator_counts() -> None:
    """Read the native iterator's counts just before ``Router.stream`` frees it."""
    bindings = importlib.import_module("talu.router._bindings")
    free = bindings.iterator_free

    def free_keeping_counts(lib: Any, iterator: Any) -> None:
        _freed.counts = NativeCounts(
            prompt_tokens=int(lib.talu_router_iterator_prompt_tokens(iterator)),
            completion_tokens=int(lib.talu_router_iterator_completion_tokens(iterator)),
            prefill_ns=int(lib.talu_router_iterator_prefill_ns(iterator)),
            generation_ns=int(lib.talu_router_iterator_generation_ns(iterator)),
            finish_reason=int(lib.talu_router_iterator_finish_reason(iterator)),
        )
        free(lib, iterator)

    setattr(bindings, "iterator_free", free_keeping_counts)  # noqa: B010 (talu is untyped here)


def take_native_counts() -> NativeCounts | None:
    """The counts of the run last freed on this thread, once (None if none since).

    Example::

        run = generator.generate(messages, params)
        text = "".join(run)  # iterated and closed on this thread
        counts = take_native_counts()
    """
    counts: NativeCounts | None = getattr(_freed, "counts", None)
    _freed.counts = None
    return counts
