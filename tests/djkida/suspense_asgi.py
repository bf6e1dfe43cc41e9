"""Plain Django ASGI app for the suspense tests' servers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.suspense_settings")

application = get_asgi_application()
