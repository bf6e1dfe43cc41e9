"""Settings of the demo site under test: the demo's own, on a throwaway SQLite file and models
directory named by the environment (``DEMO_TEST_DB``, ``TALU_MODELS_DIR``)."""

import os
from pathlib import Path

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_TEST_DB", ":memory:"),
    }
}
TALU_MODELS_DIR = Path(os.environ.get("TALU_MODELS_DIR", TALU_MODELS_DIR))  # noqa: F405
