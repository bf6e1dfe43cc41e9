"""Names of the project's Channels routes, reversible like Django's URL names.

Channels routes are Django ``path()``/``re_path()`` patterns, but they live in the ASGI
application's ``URLRouter``\\s, which Django's URL resolver never sees: ``reverse()`` cannot
build ``/djkida/events/<group>/``. ``DJKIDA_ROUTERS`` names (dotted paths) the ASGI application
or the routers and route lists to read; :func:`reverse_route` builds a resolver from them, with
nested routers and middleware (``AuthMiddlewareStack``…) looked through, so a route mounted
under a prefix reverses with it.

Example (settings)::

    DJKIDA_ROUTERS = ["mysite.asgi.application"]

then ``{{ url("djkida-events", group="public.news") }}`` is ``/djkida/events/public.news/``.
"""

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_script_prefix
from django.urls.resolvers import RegexPattern
from django.utils.encoding import iri_to_uri
from django.utils.module_loading import import_string

from djkida.conf import djkida_settings

Route = URLPattern | URLResolver


def reverse_route(name: str, args: Iterable[Any] = (), kwargs: dict[str, Any] | None = None) -> str:
    """The path of Channels route ``name`` in the routers of ``DJKIDA_ROUTERS``.

    Raises ``NoReverseMatch`` like Django's ``reverse()``.

    Example::

        reverse_route("djkida-ws", kwargs={"group": "public.news"})  # "/djkida/ws/public.news/"
    """
    resolver = routers_resolver(djkida_settings().routers)
    path = resolver.reverse(name, *args, **(kwargs or {}))
    return iri_to_uri(get_script_prefix() + path)


@cache
def routers_resolver(dotted_paths: tuple[str, ...]) -> URLResolver:
    """One resolver over the routes of every application, router or route list named."""
    routes = [route for path in dotted_paths for route in routes_of(imported(path), set())]
    return URLResolver(RegexPattern(r"^/"), routes)


def imported(dotted_path: str) -> Any:
    """The object ``dotted_path`` names; a bad entry is a configuration error saying which."""
    try:
        return import_string(dotted_path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"DJKIDA_ROUTERS: cannot import {dotted_path!r}: {exc}") from exc


def routes_of(app: Any, seen: set[int]) -> Iterator[Route]:
    """The routes reachable from ``app``, as patterns Django's resolver reverses.

    Follows protocol routers, URL routers (nested ones become ``URLResolver``\\s with their
    prefix) and middleware (``inner`` or ``application``); anything else is an endpoint.
    """
    if id(app) in seen:
        return
    seen.add(id(app))
    if isinstance(app, list | tuple):
        for route in app:
            yield from _route(route, seen)
    elif isinstance(app, URLRouter):
        for route in app.routes:
            yield from _route(route, seen)
    elif isinstance(app, ProtocolTypeRouter):
        for protocol_app in app.application_mapping.values():
            yield from routes_of(protocol_app, seen)
    else:
        for attribute in ("inner", "application"):
            if (inner := getattr(app, attribute, None)) is not None:
                yield from routes_of(inner, seen)


def _route(route: Route, seen: set[int]) -> Iterator[Route]:
    """``route`` as is, or as a resolver over the routes of the router it leads to."""
    if isinstance(route, URLPattern):
        nested = list(routes_of(route.callback, seen))
        if nested:
            yield URLResolver(route.pattern, nested)
            return
    yield route
