"""kida as a Django ``TEMPLATES`` backend.

Configure it like Django's own engines::

    TEMPLATES = [{
        "BACKEND": "djkida.backend.Kida",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,  # each app's templates/ directory
        "OPTIONS": {
            "context_processors": ["django.template.context_processors.request"],
            "globals": {"site_name": "Example"},
            "filters": {"money": "shop.formatting.money"},
            "extensions": ["shop.kida.install"],  # callables given the Environment
            "sandbox": True,  # optional: templates you did not write (or a SandboxPolicy)
        },
    }]

``render()``, ``render_to_string()``, ``TemplateResponse`` and ``TemplateView`` then work
unchanged, with partial names too (``"page.html#stats"``, see :mod:`djkida.partials`); kida
errors become Django's ``TemplateSyntaxError``/``TemplateDoesNotExist`` and carry
``template_debug`` so the debug page shows the template source.
"""

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends.base import BaseEngine
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.template.base import Origin
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

import kida
from djkida.conf import djkida_settings
from djkida.htmx import htmx_scope
from djkida.partials import PARTIAL_GLOBALS, PartialLoader, split_partial
from djkida.template_globals import django_globals
from kida.environment.loaders import load_source

# Lines of source shown around the faulty line on Django's debug page.
_DEBUG_CONTEXT_LINES = 10

ContextProcessor = Callable[[HttpRequest], Mapping[str, Any]]


class Kida(BaseEngine):
    """The ``djkida.backend.Kida`` template backend: one kida ``Environment`` per entry.

    ``APP_DIRS`` adds each app's ``templates/`` directory, except those of Django's own apps.

    OPTIONS: ``autoescape`` (default True), ``auto_reload`` (default ``DEBUG``), ``debug``
    (default ``DEBUG``: error details in streamed fallbacks), ``context_processors``,
    ``globals``, ``filters`` and ``tests`` (callables or dotted paths), ``extensions`` (callables
    or dotted paths, each called with the Environment), ``loader`` (a kida loader, or the dotted
    path of a factory called with the template directories), ``sandbox`` (``True``, a
    ``kida.SandboxPolicy`` or a dict of its arguments: build a ``kida.SandboxedEnvironment``);
    anything else goes to ``kida.Environment``.
    """

    app_dirname = "templates"

    def __init__(self, params: dict[str, Any]) -> None:
        params = params.copy()
        options = dict(params.pop("OPTIONS", {}))
        super().__init__(params)
        self.context_processors: list[str | ContextProcessor] = list(
            options.pop("context_processors", [])
        )
        debug = djkida_settings().debug
        self.debug: bool = options.pop("debug", debug)
        extensions = options.pop("extensions", [])
        options["loader"] = self._loader(options.pop("loader", None))
        options["globals"] = {
            **django_globals(),
            **options.pop("globals", {}),
            **PARTIAL_GLOBALS,
        }
        options["filters"] = _resolve_callables(options.pop("filters", {}))
        options["tests"] = _resolve_callables(options.pop("tests", {}))
        options.setdefault("autoescape", True)
        options.setdefault("auto_reload", debug)
        environment_class: type[kida.Environment] = kida.Environment
        sandbox = options.pop("sandbox", False)
        if sandbox is not False and sandbox is not None:
            environment_class = kida.SandboxedEnvironment
            options["sandbox_policy"] = self._sandbox_policy(sandbox)
        try:
            self.env = environment_class(**options)
        except TypeError as exc:
            raise ImproperlyConfigured(f"Kida backend {self.name!r}: bad OPTIONS: {exc}") from exc
        for extension in extensions:
            _resolve_callable(extension)(self.env)

    def _sandbox_policy(self, sandbox: object) -> kida.SandboxPolicy:
        """The policy OPTIONS ``sandbox`` asks for: True (the default one), a SandboxPolicy,
        or a dict of SandboxPolicy arguments."""
        if sandbox is True:
            return kida.SandboxPolicy()
        if isinstance(sandbox, kida.SandboxPolicy):
            return sandbox
        if isinstance(sandbox, Mapping):
            try:
                return kida.SandboxPolicy(**sandbox)
            except (TypeError, ValueError) as exc:
                raise ImproperlyConfigured(
                    f"Kida backend {self.name!r}: bad OPTIONS['sandbox']: {exc}"
                ) from exc
        raise ImproperlyConfigured(
            f"Kida backend {self.name!r}: OPTIONS['sandbox'] must be True, a kida.SandboxPolicy "
            f"or a dict of its arguments, got {sandbox!r}"
        )

    @cached_property
    def template_dirs(self) -> tuple[str, ...]:
        """DIRS, then the ``templates/`` directory of each installed app but Django's own.

        Django's apps (the admin, auth…) ship Django-language templates: kida would fail to
        compile them instead of letting Django's engine, listed after this one, serve them.
        """
        dirs = [str(directory) for directory in self.dirs]
        if self.app_dirs:
            dirs.extend(
                str(path)
                for config in apps.get_app_configs()
                if not config.name.startswith("django.")
                and (path := Path(config.path) / self.app_dirname).is_dir()
            )
        return tuple(dirs)

    def _loader(self, loader: Any) -> PartialLoader:
        """The configured loader (by default one over DIRS and the apps' template dirs), which
        also loads ``"page.html#block"`` partial names."""
        if loader is None:
            loader = kida.FileSystemLoader(list(self.template_dirs))
        elif isinstance(loader, str):
            loader = import_string(loader)(list(self.template_dirs))
        return PartialLoader(loader)

    @cached_property
    def template_context_processors(self) -> list[ContextProcessor]:
        return [_resolve_callable(processor) for processor in self.context_processors]

    def from_string(self, template_code: str) -> "Template":
        with self.django_errors():
            return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name: str) -> "Template":
        with self.django_errors():
            return Template(self.env.get_template(template_name), self)

    def select_template(self, template_names: str | Sequence[str]) -> "Template":
        """The first of ``template_names`` that exists (like Django's ``select_template``)."""
        if isinstance(template_names, str):
            return self.get_template(template_names)
        for name in template_names:
            try:
                return self.get_template(name)
            except TemplateDoesNotExist:
                continue
        raise TemplateDoesNotExist(", ".join(template_names), backend=self)

    def template_context(
        self, context: Mapping[str, Any] | None, request: HttpRequest | None
    ) -> dict[str, Any]:
        """The variables a template sees: request, CSRF and context processors, then ``context``.

        As with Django's own engine, the view's ``context`` wins over context processors.
        """
        if request is None:
            return dict(context) if context else {}
        variables: dict[str, Any] = {
            "request": request,
            "csrf_input": csrf_input_lazy(request),
            "csrf_token": csrf_token_lazy(request),
        }
        for processor in self.template_context_processors:
            variables.update(processor(request))
        if context:
            variables.update(context)
        return variables

    @contextmanager
    def django_errors(self) -> Iterator[None]:
        """Turn kida errors into what Django's loaders and debug page understand."""
        try:
            yield
        except kida.TemplateNotFoundError as exc:
            raise self.does_not_exist(exc) from exc
        except kida.TemplateSyntaxError as exc:
            error = TemplateSyntaxError(str(exc))
            error.template_debug = self.debug_info(exc)  # type: ignore[attr-defined]
            raise error from exc
        except kida.TemplateError as exc:
            exc.template_debug = self.debug_info(exc)  # type: ignore[attr-defined]
            raise

    def does_not_exist(self, error: kida.TemplateNotFoundError) -> TemplateDoesNotExist:
        """Django's error for a missing template; its post-mortem (``tried``) says why.

        A partial name whose template lacks the piece names the pieces it has.
        """
        name = error.name or str(error)
        reason = f"{error.message} ({error.hint})" if error.hint else error.message
        message = f"{name}: {reason}" if split_partial(name)[1] is not None else name
        tried = [(Origin(name=name, template_name=name), reason)]
        return TemplateDoesNotExist(message, tried=tried, backend=self)

    def debug_info(self, error: kida.TemplateError) -> dict[str, Any]:
        """Where ``error`` happened, shaped as Django's debug page renders ``template_info``."""
        source, filename = self._located(error.name)
        lines = list(enumerate((error.source or source or "").splitlines(), start=1))
        lineno = error.lineno or 0
        faulty = lines[lineno - 1][1] if 0 < lineno <= len(lines) else ""
        split = (error.col or 1) - 1
        top = max(0, lineno - _DEBUG_CONTEXT_LINES - 1)
        bottom = min(len(lines), lineno + _DEBUG_CONTEXT_LINES)
        return {
            "name": filename or error.name or "<string>",
            "message": error.message,
            "source_lines": lines[top:bottom],
            "line": lineno,
            "before": faulty[:split],
            "during": faulty[split:],
            "after": "",
            "total": len(lines),
            "top": top,
            "bottom": bottom,
        }

    def _located(self, name: str | None) -> tuple[str | None, str | None]:
        """Source and file name of template ``name``, when its loader still finds it."""
        if name is None or self.env.loader is None:
            return None, None
        name, _piece = split_partial(name)
        try:
            source, filename, _uptodate = load_source(self.env.loader, self.env, name)
        except (kida.TemplateError, OSError):
            return None, None
        return source, filename


class Template:
    """A compiled kida template as Django's template API expects it.

    Example::

        html = engines["kida"].get_template("page.html").render({"title": "Hi"}, request)
    """

    def __init__(self, template: kida.Template, backend: Kida) -> None:
        self.template = template
        self.backend = backend
        self.origin = Origin(
            name=template.filename or template.name or "<string>",
            template_name=template.name,
        )

    @property
    def name(self) -> str | None:
        """The template's name, as the test client's ``assertTemplateUsed`` reads it."""
        name: str | None = self.template.name
        return name

    def render(
        self, context: Mapping[str, Any] | None = None, request: HttpRequest | None = None
    ) -> str:
        variables = self.backend.template_context(context, request)
        announce_render(self, variables)
        with self.backend.django_errors(), htmx_scope(request):
            html: str = self.template.render(**variables)
        return html


def announce_render(template: Template, variables: Mapping[str, Any]) -> None:
    """Tell Django's test client what was rendered (``response.templates``/``.context``).

    Only the test machinery listens, and importing it costs a third of a second: when
    ``django.test`` was never imported, nobody can be listening.
    """
    signals = sys.modules.get("django.test.signals")
    if signals is not None and signals.template_rendered.receivers:
        signals.template_rendered.send(sender=template, template=template, context=variables)


def _resolve_callable(value: str | Callable[..., Any]) -> Callable[..., Any]:
    """A callable given directly or by dotted path (as settings files usually name them)."""
    if isinstance(value, str):
        imported: Callable[..., Any] = import_string(value)
        return imported
    return value


def _resolve_callables(
    mapping: Mapping[str, str | Callable[..., Any]],
) -> dict[str, Callable[..., Any]]:
    """``{name: callable or dotted path}`` with every dotted path imported."""
    return {name: _resolve_callable(value) for name, value in mapping.items()}


def kida_backend(using: str | None = None) -> Kida:
    """The Kida backend named ``using``, or the first Kida entry of ``TEMPLATES``."""
    if using is not None:
        backend = engines[using]
        if not isinstance(backend, Kida):
            raise ImproperlyConfigured(f"TEMPLATES entry {using!r} is not a djkida.backend.Kida")
        return backend
    for backend in engines.all():
        if isinstance(backend, Kida):
            return backend
    raise ImproperlyConfigured("no TEMPLATES entry has BACKEND 'djkida.backend.Kida'")


def kida_environment(using: str | None = None) -> kida.Environment:
    """The kida Environment of the first (or the named) Kida backend in ``TEMPLATES``.

    Example::

        html = kida_environment().get_template("page.html").render_block("row", row=row)
    """
    return kida_backend(using).env
