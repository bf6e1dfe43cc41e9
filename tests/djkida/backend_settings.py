"""Test settings with a Kida backend in front of Django's own engine (admin keeps DTL)."""

from pathlib import Path

from tests.settings import *  # noqa: F403

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

KIDA_OPTIONS = {
    "context_processors": ["tests.djkida.backend_hooks.site"],
    "globals": {"motto": "stream all the things"},
    "filters": {"shout": "tests.djkida.backend_hooks.shout"},
    "tests": {"loud": "tests.djkida.backend_hooks.is_loud"},
    "extensions": ["tests.djkida.backend_hooks.add_answer"],
}

TEMPLATES = [
    {
        "BACKEND": "djkida.backend.Kida",
        "NAME": "kida",
        "DIRS": [TEMPLATE_DIR],
        "APP_DIRS": False,
        "OPTIONS": KIDA_OPTIONS,
    },
    *TEMPLATES,  # noqa: F405
]

ROOT_URLCONF = "tests.djkida.backend_urls"
