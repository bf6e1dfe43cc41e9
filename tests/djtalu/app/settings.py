"""Settings for djtalu tests that run in other processes (live daphne, ``talu_worker``).

The database file and models directory come from the environment so each test gets its own:
``DJTALU_TEST_DB`` (SQLite path), ``TALU_MODELS_DIR``, ``TALU_API_KEY``; ``TALU_REDIS_URL``
switches to distributed mode.
"""

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.djtalu.app.urls"
ASGI_APPLICATION = "tests.djtalu.app.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJTALU_TEST_DB", ":memory:"),
    }
}
TALU_REDIS_URL = os.environ.get("TALU_REDIS_URL", "")
TALU_DISTRIBUTED = bool(TALU_REDIS_URL)
TALU_CLAIM_IDLE_MS = int(os.environ.get("TALU_CLAIM_IDLE_MS", "30000"))
TALU_HEARTBEAT_SECONDS = 0.2
# A reader that falls behind gets the buffered pieces as one; with a window of 2 the tiny model
# (thousands of tokens/s) cannot finish a reply before the reader's first read, so streaming
# tests see it arrive piece by piece however busy the machine is.
TALU_STREAM_BUFFER = 2
TALU_API_KEY = os.environ.get("TALU_API_KEY", "")
