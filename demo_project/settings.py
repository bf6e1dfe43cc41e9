"""Settings for the demo site.

Embedded defaults (SQLite, in-memory channel layer, local-memory cache, local talu workers) need
nothing installed; production components are switched on with environment variables only:
``REDIS_URL`` (channel layer, cache, broadcast replay buffer), ``TALU_DISTRIBUTED=1`` (with
``REDIS_URL``: generation by ``manage.py talu_worker`` processes instead of local workers),
``DATABASE_URL``, ``DEBUG``, ``ALLOWED_HOSTS``, ``SECRET_KEY``, ``TALU_MODELS_DIR``,
``SERVE_STATIC`` (default on: the site serves its own static files, daphne has no handler).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-demo-only-never-use-in-production")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
REDIS_URL = os.environ.get("REDIS_URL", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "djkida",
    "djtalu",
    "demo_project.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
ASGI_APPLICATION = "demo_project.asgi.application"

TEMPLATES = [
    {
        # The site's pages are kida templates; first, so its names win.
        "BACKEND": "djkida.backend.Kida",
        "NAME": "kida",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The admin and other contrib apps keep Django's own engine.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

#: Seconds any Redis call of a request (cache, channel layer, replay, locks) may take to connect
#: or answer: a Redis that hangs costs a request this long, then it takes its degraded path.
REDIS_TIMEOUT = 2

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis with a 1 s blocking read, so the socket timeout can be short (its
            # own 5 s read would time out under it). Its pool of 100 connections would also
            # refuse a burst of subscribers.
            "BACKEND": "djkida.layers.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": REDIS_TIMEOUT,
                        "socket_timeout": REDIS_TIMEOUT,
                        "max_connections": 10_000,
                    }
                ]
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# url() in templates also reverses the Channels routes of the ASGI application (SSE, WebSocket).
DJKIDA_ROUTERS = ["demo_project.asgi.application"]

# With Redis, SSE clients reconnecting to another process still get the events they missed.
DJKIDA_REPLAY_REDIS_URL = REDIS_URL or None
TALU_DISTRIBUTED = bool(REDIS_URL) and env_flag("TALU_DISTRIBUTED", False)

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []

LANGUAGE_CODE = "en-us"
# The demo's navigation and headings also speak French (demo/locale, made with djkida's
# makemessages: cd demo_project/demo && ../../manage.py makemessages -l fr).
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
SERVE_STATIC = env_flag("SERVE_STATIC", True)

TALU_MODELS_DIR = Path(os.environ.get("TALU_MODELS_DIR", BASE_DIR / "var" / "models"))

# One handler, on the root logger: Django's, daphne's and the apps' records each print once.
# (Django's default "django" handler and daphne's own root handler printed every 4xx twice.)
# An expired form gets the site's 403 page (Django's reason goes to the log, not the page).
CSRF_FAILURE_VIEW = "demo_project.demo.views.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django": {"handlers": [], "level": "INFO"}},
}
