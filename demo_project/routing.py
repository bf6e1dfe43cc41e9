"""Channels routes of the demo site: djkida's fragment streams and djtalu's chat socket.

- ``/djkida/events/<group>/`` (HTTP, SSE): broadcast fragments of a group (the live feed).
- ``/djkida/ws/<group>/`` (WebSocket): the same events as htmx out-of-band HTML.
- ``/ws/talu/<session>/`` (WebSocket): chat with a model session, token by token.
"""

from django.urls import URLPattern

from djkida import routing as djkida_routing
from djtalu import routing as djtalu_routing

http_urlpatterns: list[URLPattern] = [*djkida_routing.http_urlpatterns]

websocket_urlpatterns: list[URLPattern] = [
    *djkida_routing.websocket_urlpatterns,
    *djtalu_routing.websocket_urlpatterns,
]
