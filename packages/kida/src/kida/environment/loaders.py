"""Where template sources come from.

kida documents a loader as ``get_source(name)`` returning ``(source, filename)`` plus
``list_templates()``; the environment also needs to know when a cached compile is stale, so it
calls ``get_source(environment, name)`` and gets ``(source, filename, uptodate)``: the text, the
file it came from (or None) and a callable telling whether the compile is still valid (or None
for "always"). The built-in loaders answer both calls; :func:`load_source` reads any loader,
including custom ones written to either protocol. Missing templates raise
:class:`TemplateNotFoundError`.
"""

import difflib
import importlib.util
import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, overload

from kida.exceptions import TemplateNotFoundError

if TYPE_CHECKING:
    from kida.environment import Environment

Source = tuple[str, str | None, Callable[[], bool] | None]


def _not_found(name: str, hint: str | None = None, why: str = "") -> TemplateNotFoundError:
    return TemplateNotFoundError(f"template {name!r} not found{why}", name=name, hint=hint)


def _file_uptodate(filename: str | None) -> Callable[[], bool] | None:
    """A staleness check for a source read from ``filename`` when that is a real file."""
    if filename is None or not os.path.isfile(filename):
        return None
    path = Path(filename)
    mtime = path.stat().st_mtime

    def uptodate() -> bool:
        try:
            return path.stat().st_mtime == mtime
        except OSError:
            return False

    return uptodate


def _wants_environment(loader: Any) -> bool:
    """Whether a custom loader's ``get_source`` is Jinja-shaped ``(environment, name)``
    rather than kida's ``(name)``; decided once per class from its signature."""
    kind = type(loader)
    known = _ARITY.get(kind)
    if known is None:
        try:
            parameters = inspect.signature(loader.get_source).parameters.values()
        except (TypeError, ValueError):
            known = False
        else:
            positional = [
                p
                for p in parameters
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                or p.kind is p.VAR_POSITIONAL
            ]
            known = len(positional) >= 2
        _ARITY[kind] = known
    return known


_ARITY: dict[type, bool] = {}


def load_source(loader: Any, environment: "Environment | None", name: str) -> Source:
    """``(source, filename, uptodate)`` of ``name`` from any loader: a built-in one, a custom
    one following kida's ``get_source(name)`` (a ``str`` or ``(source, filename)`` result; a
    real file gets an mtime check) or a Jinja-style ``get_source(environment, name)`` (given
    None for the environment when there is none, as in kida's one-argument call)."""
    if isinstance(loader, BaseLoader) and type(loader).get_source is BaseLoader.get_source:
        return loader.load(environment, name)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        raise TypeError(f"{type(loader).__name__} is not a loader: it has no get_source(name)")
    try:
        result = get_source(environment, name) if _wants_environment(loader) else get_source(name)
    except TemplateNotFoundError as error:  # a custom loader's own: name the template
        error.locate(name=name)
        raise
    return _normalized(result, name, type(loader).__name__)


def _normalized(result: Any, name: str, origin: str) -> Source:
    """A loader's or load function's answer as ``(source, filename, uptodate)``."""
    if result is None:
        raise _not_found(name)
    if isinstance(result, str):
        return result, None, None
    if isinstance(result, tuple) and len(result) == 2:
        source, filename = result
        return source, filename, _file_uptodate(filename)
    if isinstance(result, tuple) and len(result) == 3:
        source, filename, uptodate = result
        return source, filename, uptodate
    raise TypeError(
        f"{origin} returned {type(result).__name__} for {name!r}; expected a source string, "
        "(source, filename), (source, filename, uptodate) or None"
    )


def _closest(name: str, known: list[str]) -> str:
    """A hint for a missing ``name``: the nearest known name, else the first known ones."""
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if near:
        return f"did you mean {near[0]!r}?"
    shown = ", ".join(sorted(known)[:10]) or "none"
    more = f" ... ({len(known)} in all)" if len(known) > 10 else ""
    return f"known templates: {shown}{more}"


def _listable(path: Path, base: Path) -> bool:
    """Files worth listing: not hidden, not under ``__pycache__``-like or hidden folders."""
    parts = path.relative_to(base).parts
    return not any(part.startswith(".") for part in parts) and not any(
        part.startswith("__") for part in parts[:-1]
    )


class Loader(Protocol):
    """What an ``Environment(loader=...)`` needs, as kida documents it: ``get_source(name)``
    giving ``(source, filename)`` (filename None when not from a file; a missing template
    raises :class:`TemplateNotFoundError`) and ``list_templates()``. For typing custom loaders;
    any object with these methods works (and so does Jinja's ``get_source(environment, name)``,
    see :func:`load_source`).

    Example::

        class DatabaseLoader(Loader):
            def get_source(self, name: str) -> tuple[str, str | None]:
                row = Template.objects.filter(name=name).first()
                if row is None:
                    raise TemplateNotFoundError(f"template {name!r} not found", name=name)
                return row.source, None

            def list_templates(self) -> list[str]:
                return list(Template.objects.values_list("name", flat=True))
    """

    def get_source(self, name: str, /) -> tuple[str, str | None]:
        """``(source, filename)`` of template ``name``."""
        ...

    def list_templates(self) -> list[str]:
        """Every template name the loader can load (empty when it cannot tell)."""
        ...


class BaseLoader:
    """Base of the loaders; subclasses implement :meth:`load`.

    ``get_source(name)`` is kida's call, ``(source, filename)``; ``get_source(environment,
    name)`` the environment's, ``(source, filename, uptodate)``.
    """

    def load(self, environment: "Environment | None", name: str) -> Source:
        """``(source, filename, uptodate)`` of ``name``, or :class:`TemplateNotFoundError`."""
        raise _not_found(name)

    @overload
    def get_source(self, name: str, /) -> tuple[str, str | None]: ...

    @overload
    def get_source(self, environment: "Environment", name: str, /) -> Source: ...

    def get_source(self, *args: Any) -> tuple[str, str | None] | Source:
        if len(args) == 1:
            source, filename, _ = self.load(None, args[0])
            return source, filename
        if len(args) == 2:
            return self.load(args[0], args[1])
        raise TypeError("get_source takes (name) or (environment, name)")

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

    def load(self, environment: "Environment | None", name: str) -> Source:
        if name not in self.mapping:
            raise _not_found(name, hint=_closest(name, list(self.mapping)))
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
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
        encoding: str = "utf-8",
        *,
        searchpath: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    ) -> None:
        # ``paths`` is kida's name for the argument, ``searchpath`` Jinja2's.
        given = paths if paths is not None else searchpath
        if given is None:
            raise TypeError("FileSystemLoader needs paths: a directory or a list of them")
        if isinstance(given, str | os.PathLike):
            given = [given]
        self.searchpath = [Path(p) for p in given]
        self.encoding = encoding

    @property
    def _paths(self) -> list[Path]:
        """kida-templates' name for :attr:`searchpath` (troubleshooting/template-not-found.md
        prints it to debug loading)."""
        return self.searchpath

    def load(self, environment: "Environment | None", name: str) -> Source:
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
                if path.is_file() and _listable(path, base):
                    found.add(path.relative_to(base).as_posix())
        return sorted(found)


class PackageLoader(FileSystemLoader):
    """Templates from a directory inside an importable package, wherever it is installed.

    A package that is not installed raises ``ModuleNotFoundError`` at once; a name that is a
    module, not a package, ``ValueError``. A missing template names the package folder.
    """

    def __init__(
        self, package_name: str, package_path: str = "templates", encoding: str = "utf-8"
    ) -> None:
        spec = importlib.util.find_spec(package_name)
        if spec is None:
            raise ModuleNotFoundError(
                f"PackageLoader: no package named {package_name!r} is installed",
                name=package_name,
            )
        if not spec.submodule_search_locations:
            raise ValueError(f"PackageLoader: {package_name!r} is a module, not a package")
        self.package_name = package_name
        self.package_path = package_path
        parts = [part for part in package_path.split("/") if part]
        roots = [Path(p).joinpath(*parts) for p in spec.submodule_search_locations]
        super().__init__([r for r in roots if r.is_dir()] or roots, encoding)

    def load(self, environment: "Environment | None", name: str) -> Source:
        try:
            return super().load(environment, name)
        except TemplateNotFoundError as error:
            raise _not_found(
                name, error.hint, f" in package '{self.package_name}/{self.package_path}'"
            ) from None


class FunctionLoader(BaseLoader):
    """Templates from a function of the name returning the source, ``(source, filename)``
    (a real file is then reloaded when it changes), ``(source, filename, uptodate)`` as in
    Jinja2, or None for "no such template"."""

    def __init__(self, load_func: Callable[[str], Any]) -> None:
        self.load_func = load_func

    def load(self, environment: "Environment | None", name: str) -> Source:
        return _normalized(self.load_func(name), name, "FunctionLoader's function")


class PrefixLoader(BaseLoader):
    """Dispatch on the first path segment: ``PrefixLoader({"app": loader})`` loads ``app/x``."""

    def __init__(self, mapping: Mapping[str, Loader], delimiter: str = "/") -> None:
        self.mapping = mapping
        self.delimiter = delimiter

    def load(self, environment: "Environment | None", name: str) -> Source:
        prefix, delimiter, rest = name.partition(self.delimiter)
        loader = self.mapping.get(prefix)
        if loader is None:
            known = ", ".join(sorted(self.mapping)) or "none"
            hint = f"available prefixes: {known}"
            if not delimiter:
                hint += f"; names look like 'prefix{self.delimiter}page.html'"
            raise _not_found(name, hint, f": no loader for prefix {prefix!r}")
        try:
            return load_source(loader, environment, rest)
        except TemplateNotFoundError as error:
            # Named in full (the caller asked for it), keeping what the inner loader knew.
            raise _not_found(name, error.hint, f" (prefix {prefix!r} has no {rest!r})") from None

    def list_templates(self) -> list[str]:
        return sorted(
            f"{prefix}{self.delimiter}{name}"
            for prefix, loader in self.mapping.items()
            for name in _names_of(loader)
        )


def _names_of(loader: Any) -> list[str]:
    """A child loader's templates; a custom loader without ``list_templates`` has none known."""
    names = getattr(loader, "list_templates", None)
    return list(names()) if names is not None else []


class ChoiceLoader(BaseLoader):
    """The first loader that has the template wins."""

    def __init__(self, loaders: Iterable[Loader]) -> None:
        self.loaders = list(loaders)

    def load(self, environment: "Environment | None", name: str) -> Source:
        for loader in self.loaders:
            try:
                return load_source(loader, environment, name)
            except TemplateNotFoundError:
                continue
        raise _not_found(name, why=f" in any of {len(self.loaders)} loaders")

    def list_templates(self) -> list[str]:
        return sorted({name for loader in self.loaders for name in _names_of(loader)})


__all__ = [
    "BaseLoader",
    "ChoiceLoader",
    "DictLoader",
    "FileSystemLoader",
    "FunctionLoader",
    "Loader",
    "PackageLoader",
    "PrefixLoader",
    "load_source",
]
