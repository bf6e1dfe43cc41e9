"""Django's URL, static-file and translation helpers as kida globals.

kida templates cannot ``{% load %}`` Django tag libraries, so the few helpers every page needs
are plain functions in the Environment's globals: ``{{ url("post", post.pk) }}``,
``{{ static("site.css") }}``, ``{{ _("Hello") }}``. kida's ``{% trans %}`` translates through
the ``gettext``/``ngettext`` globals, so it follows Django's active language too. Without a
request, ``csrf_token`` and ``csrf_input`` are empty, as in Django's engines.
"""

from typing import Any

from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from djkida.conf import djkida_settings
from djkida.route_names import reverse_route


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL pattern name, with positional or keyword arguments (not both).

    Names of Django's URLconf come first, then those of the Channels routes in
    ``DJKIDA_ROUTERS`` (SSE and WebSocket endpoints, see :mod:`djkida.route_names`).

    Example::

        <a href="{{ url('post-detail', post.pk) }}">
        <div sse-connect="{{ url('djkida-events', group='public.news') }}">
    """
    try:
        return reverse(viewname, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch as django_miss:
        if not djkida_settings().routers:
            raise
        try:
            return reverse_route(viewname, args, kwargs)
        except NoReverseMatch:
            raise NoReverseMatch(
                f"{django_miss} Nor does it match a route of DJKIDA_ROUTERS "
                f"({', '.join(djkida_settings().routers)})."
            ) from None


#: What ``csrf_token`` and ``csrf_input`` are when the backend has no request to take them from
#: (``render_to_string`` without ``request``, fragments, broadcasts): empty, as Django's engines
#: render them. As globals they stand in only for the context variables a request provides,
#: and they hide kida's ``csrf_token()`` helper, which would otherwise print as a function.
_NO_REQUEST_CSRF: dict[str, str] = {"csrf_token": "", "csrf_input": ""}


def django_globals() -> dict[str, Any]:
    """The globals every Kida backend starts with (OPTIONS["globals"] may override them)."""
    return {
        **_NO_REQUEST_CSRF,
        "url": url,
        "static": static,
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "_n": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }
