"""ASGI app of the transport tests: djkida's SSE/WS consumers in front of Django."""

import os

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


application = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                *http_urlpatterns,
                path(
                    "quick/events/<str:group>/",
                    AuthMiddlewareStack(QuickHeartbeatSSEConsumer.as_asgi()),
                ),
                re_path(r"", django_application),
            ]
        ),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
