"""Make talu 0.0.3 importable and its non-streaming calls safe.

Two packaging bugs in the 0.0.3 wheel (see /work/shared/TALU.md):

1. ``talu/_native.py`` uses ``c_double`` without importing it, so ``import talu`` raises
   ``NameError``. We load that module ourselves with ``ctypes.c_double`` already in its
   namespace, then import the package, which finds it in ``sys.modules``.
2. ``talu_router_generate_with_backend`` and ``talu_backend_list_models`` return structs by
   value but are declared to return pointers, so every non-streaming generation segfaults.
   We set their ``restype`` to the real structs on the shared CDLL handle.

``load_talu()`` must run before any other use of talu; it is idempotent.
"""

import ctypes
import importlib
import importlib.machinery
import importlib.util
import sys
import threading
from types import ModuleType

_TALU_VERSION = "0.0.3"

#: C function name -> name of the ``talu._native`` struct it really returns by value.
_RESTYPE_FIXES: dict[str, str] = {
    "talu_router_generate_with_backend": "CGenerateResult",
    "talu_backend_list_models": "CRemoteModelListResult",
}

_lock = threading.Lock()


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
