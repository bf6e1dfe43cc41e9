"""WebSocket routes of djtalu; add them to the site's ``URLRouter``::

URLRouter([*djtalu.routing.websocket_urlpatterns, ...])
"""

from django.urls import URLPattern, path

from djtalu.consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/talu/<slug:session>/", ChatConsumer.as_asgi(), name="djtalu-chat"),
]
