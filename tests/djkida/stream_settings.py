"""Settings for the streaming tests' live servers (``STREAM_DEBUG=1`` switches DEBUG on)."""

import os

from tests.djkida.backend_settings import *  # noqa: F403

DEBUG = os.environ.get("STREAM_DEBUG") == "1"
ROOT_URLCONF = "tests.djkida.stream_urls"
ASGI_APPLICATION = "tests.djkida.stream_asgi.application"
