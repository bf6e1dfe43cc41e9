"""ASGI entry point: SSE consumers through Channels, every other HTTP request through Django
(streaming responses included), WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

# Django must be set up before anything imports models (consumers, routing).
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from demo_project.routing import http_urlpatterns, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": AuthMiddlewareStack(
            # Channels routes to ASGI apps too, which django-stubs does not know.
            URLRouter([*http_urlpatterns, re_path(r"", django_application)])  # type: ignore[arg-type]
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
