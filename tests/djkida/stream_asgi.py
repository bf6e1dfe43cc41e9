"""Plain Django ASGI app for the streaming tests (no Channels routing in the way)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.stream_settings")

application = get_asgi_application()
