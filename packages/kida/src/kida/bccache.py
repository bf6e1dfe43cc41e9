"""Old name of :mod:`kida.bytecode_cache` (kida-templates' name), kept for existing imports."""

from kida.bytecode_cache import FileSystemBytecodeCache, cache_key, with_filename

__all__ = ["FileSystemBytecodeCache", "cache_key", "with_filename"]
