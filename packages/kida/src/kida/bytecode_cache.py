"""An on-disk cache of compiled template code, so a fresh process skips code generation.

Each entry is the marshalled code object of one template module; the filters and tests it calls
are named in the code (``BINDINGS``) and looked up again in the loading environment. The key covers
everything the generated code depends on: template name and source, renderer modes,
autoescape, the kida version and compiler source, the Python bytecode version, and which
filters, tests and globals exist with which ``pass_context``/``pass_environment`` markers.
"""

import hashlib
import importlib.metadata
import importlib.util
import marshal
import os
import tempfile
import time
from pathlib import Path
from types import CodeType


def _engine_fingerprint() -> bytes:
    """The kida version, the compiler's own sources and Python's bytecode version."""
    try:
        version = importlib.metadata.version("djstream-kida")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    compiler = Path(__file__).with_name("compiler")
    sources = [path.read_bytes() for path in sorted(compiler.rglob("*.py"))]
    return b"\0".join([version.encode(), *sources, importlib.util.MAGIC_NUMBER])


_ENGINE = hashlib.sha256(_engine_fingerprint()).hexdigest()


def cache_key(name: str, source: str, modes: tuple[str, ...], settings: str) -> str:
    """The key of one compiled module; ``settings`` covers the environment's compile options."""
    text = "\0".join([_ENGINE, name, ",".join(modes), settings, source])
    return hashlib.sha256(text.encode()).hexdigest()


def hash_source(source: str) -> str:
    """The SHA-256 hex digest of a template source: a stable key for caches of compiled or
    analysed templates (kida's helper of that name)."""
    return hashlib.sha256(source.encode()).hexdigest()


def with_filename(code: CodeType, filename: str) -> CodeType:
    """``code`` and its nested functions under ``filename`` (tracebacks and error positions
    find the template by it, and it differs between processes)."""
    consts = tuple(
        with_filename(const, filename) if isinstance(const, CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _name_key(name: str, source_hash: str) -> str:
    return hashlib.sha256(f"{_ENGINE}\0{name}\0{source_hash}".encode()).hexdigest()


class FileSystemBytecodeCache:
    """Compiled templates in ``directory``, one file per key, shared by every process.

    Example::

        env = Environment(
            loader=FileSystemLoader("templates"),
            bytecode_cache=FileSystemBytecodeCache("/var/cache/kida"),
        )
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.kidac"

    def load(self, key: str) -> CodeType | None:
        """The cached code of ``key``; None when absent or unreadable."""
        try:
            code = marshal.loads(self._path(key).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def store(self, key: str, code: CodeType) -> None:
        """Write an entry atomically (a concurrent reader sees all of it or nothing)."""
        data = marshal.dumps(code)
        fd, temp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temp, self._path(key))
        except OSError:
            Path(temp).unlink(missing_ok=True)

    def get(self, name: str, source_hash: str) -> CodeType | None:
        """kida-templates' read by template name and source hash: the code stored by
        :meth:`set`, or None."""
        return self.load(_name_key(name, source_hash))

    def set(self, name: str, source_hash: str, code: CodeType) -> None:
        """kida-templates' write: ``code`` (what ``Compiler(env).compile()`` returns) under
        template name and source hash; ``Template(env, code, name, filename)`` renders what
        :meth:`get` gives back."""
        self.store(_name_key(name, source_hash), code)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        removed = 0
        for path in self.directory.glob("*.kidac"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def cleanup(self, max_age_days: float = 30) -> int:
        """Remove entries not written for ``max_age_days`` (left behind when a template or
        kida changed); returns how many were removed."""
        threshold = time.time() - max_age_days * 86400
        removed = 0
        for path in self.directory.glob("*.kidac"):
            try:
                if path.stat().st_mtime < threshold:
                    path.unlink(missing_ok=True)
                    removed += 1
            except OSError:  # removed meanwhile by another process
                continue
        return removed

    def stats(self) -> dict[str, int]:
        """``{"file_count": …, "total_bytes": …}`` of the entries on disk."""
        sizes = []
        for path in self.directory.glob("*.kidac"):
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                continue
        return {"file_count": len(sizes), "total_bytes": sum(sizes)}


#: kida-templates' name for the on-disk cache (``from kida.bytecode_cache import BytecodeCache``,
#: as its loading-templates page writes it); the same class.
BytecodeCache = FileSystemBytecodeCache
