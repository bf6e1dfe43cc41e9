"""Where template sources come from.

A loader's ``get_source(environment, name)`` returns ``(source, filename, uptodate)``: the text,
the file it came from (or None) and a callable telling whether a cached compile is still valid
(or None for "always"). Missing templates raise :class:`TemplateNotFoundError`.
"""

import importlib.util
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kida.exceptions import TemplateNotFoundError

if TYPE_CHECKING:
    from kida.environment import Environment

Source = tuple[str, str | None, Callable[[], bool] | None]


def _not_found(name: str, hint: str | None = None) -> TemplateNotFoundError:
    return TemplateNotFoundError(f"template {name!r} not found", name=name, hint=hint)


class BaseLoader:
    """Base of the loaders; subclasses implement :meth:`get_source`."""

    def get_source(self, environment: "Environment", name: str) -> Source:
        raise _not_found(name)

    def list_templates(self) -> list[str]:
        """Every name this loader can load (when it can tell)."""
        return []


class DictLoader(BaseLoader):
    """Templates from a mapping of name → source.

    Example::

        Environment(loader=DictLoader({"base.html": "<main>{% block body %}{% end %}</main>"}))
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = mapping

    def get_source(self, environment: "Environment", name: str) -> Source:
        if name not in self.mapping:
            raise _not_found(
                name, hint=f"known templates: {', '.join(sorted(self.mapping)) or 'none'}"
            )
        source = self.mapping[name]
        return source, None, lambda: self.mapping.get(name) == source

    def list_templates(self) -> list[str]:
        return sorted(self.mapping)


class FileSystemLoader(BaseLoader):
    """Templates from one or more directories; edits are noticed through the file's mtime.

    Example::

        Environment(loader=FileSystemLoader(["templates", "shared/templates"]))
    """

    def __init__(
        self,
        searchpath: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        encoding: str = "utf-8",
    ) -> None:
        if isinstance(searchpath, str | os.PathLike):
            searchpath = [searchpath]
        self.searchpath = [Path(p) for p in searchpath]
        self.encoding = encoding

    def get_source(self, environment: "Environment", name: str) -> Source:
        parts = [p for p in name.replace("\\", "/").split("/") if p and p != "."]
        if ".." in parts:
            raise _not_found(name, hint="template names cannot leave the search path")
        for base in self.searchpath:
            path = base.joinpath(*parts)
            if path.is_file():
                source = path.read_text(self.encoding)
                mtime = path.stat().st_mtime

                def uptodate(path: Path = path, mtime: float = mtime) -> bool:
                    try:
                        return path.stat().st_mtime == mtime
                    except OSError:
                        return False

                return source, str(path), uptodate
        raise _not_found(name, hint=f"searched {', '.join(str(p) for p in self.searchpath)}")

    def list_templates(self) -> list[str]:
        found = set()
        for base in self.searchpath:
            for path in base.rglob("*"):
                if path.is_file():
                    found.add(path.relative_to(base).as_posix())
        return sorted(found)


class PackageLoader(FileSystemLoader):
    """Templates from a directory inside an importable package."""

    def __init__(
        self, package_name: str, package_path: str = "templates", encoding: str = "utf-8"
    ) -> None:
        spec = importlib.util.find_spec(package_name)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{package_name!r} is not a package")
        roots = [Path(p) / package_path for p in spec.submodule_search_locations]
        super().__init__([r for r in roots if r.is_dir()] or roots, encoding)


class FunctionLoader(BaseLoader):
    """Templates from a function returning a source, a ``(source, filename, uptodate)`` or None."""

    def __init__(self, load_func: Callable[[str], Any]) -> None:
        self.load_func = load_func

    def get_source(self, environment: "Environment", name: str) -> Source:
        result = self.load_func(name)
        if result is None:
            raise _not_found(name)
        if isinstance(result, str):
            return result, None, None
        source, filename, uptodate = result
        return source, filename, uptodate


class PrefixLoader(BaseLoader):
    """Dispatch on the first path segment: ``PrefixLoader({"app": loader})`` loads ``app/x``."""

    def __init__(self, mapping: Mapping[str, BaseLoader], delimiter: str = "/") -> None:
        self.mapping = mapping
        self.delimiter = delimiter

    def get_source(self, environment: "Environment", name: str) -> Source:
        prefix, _, rest = name.partition(self.delimiter)
        loader = self.mapping.get(prefix)
        if loader is None:
            raise _not_found(name, hint=f"prefixes: {', '.join(sorted(self.mapping))}")
        try:
            return loader.get_source(environment, rest)
        except TemplateNotFoundError:
            raise _not_found(name) from None

    def list_templates(self) -> list[str]:
        return sorted(
            f"{prefix}{self.delimiter}{name}"
            for prefix, loader in self.mapping.items()
            for name in loader.list_templates()
        )


class ChoiceLoader(BaseLoader):
    """The first loader that has the template wins."""

    def __init__(self, loaders: Iterable[BaseLoader]) -> None:
        self.loaders = list(loaders)

    def get_source(self, environment: "Environment", name: str) -> Source:
        for loader in self.loaders:
            try:
                return loader.get_source(environment, name)
            except TemplateNotFoundError:
                continue
        raise _not_found(name)

    def list_templates(self) -> list[str]:
        return sorted({name for loader in self.loaders for name in loader.list_templates()})


__all__ = [
    "BaseLoader",
    "ChoiceLoader",
    "DictLoader",
    "FileSystemLoader",
    "FunctionLoader",
    "PackageLoader",
    "PrefixLoader",
]
