"""Test settings: a Kida backend over tests/djkida/templates, then Django's engine (admin)."""

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
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "django",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

ROOT_URLCONF = "tests.djkida.backend_urls"
