"""URL patterns for the fragment consumers, for a project's ``asgi.py`` to include.

SSE goes through Channels (an ``AsyncHttpConsumer``), so the project routes HTTP with a
``URLRouter`` whose last pattern hands everything else to Django. The SSE pattern carries its
own ``AuthMiddlewareStack`` (``can_subscribe`` reads ``scope["user"]``), so Django's requests
are not wrapped by Channels' session middleware; WebSocket routes are usually wrapped as a
whole by the project, as below.

Example (``asgi.py``)::

    from djkida.routing import http_urlpatterns, websocket_urlpatterns

    application = ProtocolTypeRouter({
        "http": URLRouter([*http_urlpatterns, re_path(r"", django_asgi_app)]),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    })

The page then listens with ``hx-ext="sse" sse-connect="/djkida/events/public.news/"`` or
``hx-ext="ws" ws-connect="/djkida/ws/public.news/"``.
"""

from channels.auth import AuthMiddlewareStack
from django.urls import URLPattern, path

from djkida.consumers import FragmentSSEConsumer, FragmentWebSocketConsumer

http_urlpatterns: list[URLPattern] = [
    path(
        "djkida/events/<str:group>/",
        AuthMiddlewareStack(FragmentSSEConsumer.as_asgi()),
        name="djkida-events",
    ),
]

websocket_urlpatterns: list[URLPattern] = [
    path("djkida/ws/<str:group>/", FragmentWebSocketConsumer.as_asgi(), name="djkida-ws"),
]
