"""ASGI app of the transport tests: djkida's SSE/WS consumers in front of Django."""

import os
from typing import Any
from urllib.parse import parse_qs

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.transport_settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from djkida.consumers import FragmentSSEConsumer  # noqa: E402
from djkida.routing import http_urlpatterns, websocket_urlpatterns  # noqa: E402


class QuickHeartbeatSSEConsumer(FragmentSSEConsumer):
    """Pings every 0.2 s so a test sees heartbeats without waiting 15 s."""

    heartbeat = 0.2


# The fan-out bench's floor: SSE frames written straight to each open response of a group, with
# no Channels consumer, channel layer or djkida in between.
FLOOR_STREAMS: dict[str, set[Any]] = {}


async def floor_events(scope: Any, receive: Any, send: Any) -> None:
    """``/floor/events/<group>/``: an SSE response that ``floor_send`` writes to."""
    streams = FLOOR_STREAMS.setdefault(scope["url_route"]["kwargs"]["group"], set())
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream")],
        }
    )
    await send({"type": "http.response.body", "body": b": connected\n\n", "more_body": True})
    streams.add(send)
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    finally:
        streams.discard(send)


async def floor_send(scope: Any, receive: Any, send: Any) -> None:
    """``/floor/send/?group=&html=``: one ``data:`` frame to every floor stream of the group."""
    query = parse_qs(scope["query_string"].decode())
    frame = {
        "type": "http.response.body",
        "body": f"data: {query['html'][0]}\n\n".encode(),
        "more_body": True,
    }
    for stream in list(FLOOR_STREAMS.get(query["group"][0], ())):
        await stream(frame)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"sent"})


application = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                *http_urlpatterns,
                path(
                    "quick/events/<str:group>/",
                    AuthMiddlewareStack(QuickHeartbeatSSEConsumer.as_asgi()),
                ),
                path("floor/events/<str:group>/", floor_events),
                path("floor/send/", floor_send),
                re_path(r"", django_application),
            ]
        ),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
