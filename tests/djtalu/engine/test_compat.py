"""talu 0.0.3's packaging bugs: our workaround works, and we notice when talu changes."""

import ctypes
import importlib.machinery
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from djtalu.engine.compat import _RESTYPE_FIXES, _TALU_VERSION, load_talu


def _raw_native(*, with_c_double: bool) -> Any:
    """A fresh, unpatched copy of ``talu/_native.py`` under a private module name."""
    package = importlib.machinery.PathFinder.find_spec("talu")
    assert package is not None
    assert package.submodule_search_locations
    spec = importlib.util.spec_from_file_location(
        "_djtalu_raw_native", Path(package.submodule_search_locations[0]) / "_native.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    if with_c_double:
        module.c_double = ctypes.c_double  # type: ignore[attr-defined]
    spec.loader.exec_module(module)
    return module


class _SignatureRecorder:
    """Stands in for the CDLL: records the restypes ``setup_signatures`` assigns."""

    def __init__(self) -> None:
        self.functions: dict[str, SimpleNamespace] = {}

    def __getattr__(self, name: str) -> SimpleNamespace:
        return self.functions.setdefault(name, SimpleNamespace())


def test_load_talu_is_idempotent_and_pins_the_version() -> None:
    talu = load_talu()
    assert load_talu() is talu
    assert talu.__version__ == _TALU_VERSION, (
        f"talu {talu.__version__} installed: re-check djtalu/engine/compat.py against it"
    )


def test_raw_native_module_still_misses_c_double() -> None:
    """If this fails, talu fixed its import: drop the c_double injection from compat.py."""
    with pytest.raises(NameError, match="c_double"):
        _raw_native(with_c_double=False)


@pytest.mark.parametrize(("function", "struct"), _RESTYPE_FIXES.items())
def test_raw_bindings_still_declare_pointer_results(function: str, struct: str) -> None:
    """If this fails, talu changed these signatures: re-check the restype fixes in compat.py."""
    native = _raw_native(with_c_double=True)
    recorder = _SignatureRecorder()
    native.setup_signatures(recorder)
    assert recorder.functions[function].restype is ctypes.c_void_p
    assert ctypes.sizeof(getattr(native, struct)) > ctypes.sizeof(ctypes.c_void_p)


@pytest.mark.parametrize(("function", "struct"), _RESTYPE_FIXES.items())
def test_shared_library_gets_the_by_value_structs(function: str, struct: str) -> None:
    talu = load_talu()
    lib = talu._bindings.get_lib()
    assert getattr(lib, function).restype is getattr(talu._native, struct)


def test_non_streaming_generation_does_not_crash(tiny_model: Path) -> None:
    """Unpatched, this call segfaults; run it in a child so a crash fails only this test."""
    script = textwrap.dedent(
        f"""
        from djtalu.engine import load_talu
        talu = load_talu()
        config = talu.GenerationConfig(max_tokens=12, seed=1)
        reply = talu.Chat({str(tiny_model)!r}, config=config)("Hello", stream=False)
        print(reply.usage.completion_tokens, len(str(reply)) > 0)
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split()[-2:] == ["12", "True"]
