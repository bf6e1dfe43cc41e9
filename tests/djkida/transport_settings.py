"""Settings for the transport tests' servers: test settings plus, from the environment, Redis.

``TRANSPORT_REDIS_URL`` switches the channel layer to ``channels_redis`` and the replay buffer
and cache to Redis, so two server processes share broadcasts, replay and cache.
"""

import os
from pathlib import Path

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.djkida.transport_urls"
ASGI_APPLICATION = "tests.djkida.transport_asgi.application"
DJKIDA_PUBLIC_GROUPS = ["lobby"]
KIDA_BACKEND = "djkida.backend.Kida"
# Our Kida backend replaces any the project has, so it is the one Fragment renders with.
TEMPLATES = [
    {
        "BACKEND": KIDA_BACKEND,
        "NAME": "kida",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": False,
    },
    *(engine for engine in TEMPLATES if engine["BACKEND"] != KIDA_BACKEND),  # noqa: F405
]

TRANSPORT_REDIS_URL = os.environ.get("TRANSPORT_REDIS_URL", "")
if TRANSPORT_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 defaults: a 5 s socket timeout, the same as channels_redis' 5 s
            # BZPOPMIN (an idle consumer's read times out and kills it), and a pool of 100
            # connections that raises when exhausted (a burst of subscribers fails).
            "CONFIG": {
                "hosts": [
                    {
                        "address": TRANSPORT_REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": 10_000,
                    }
                ]
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TRANSPORT_REDIS_URL,
        }
    }
    DJKIDA_REPLAY_REDIS_URL = TRANSPORT_REDIS_URL
