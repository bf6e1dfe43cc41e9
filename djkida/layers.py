"""A ``channels_redis`` layer whose every Redis call can be bounded by a short socket timeout.

``channels_redis`` receives with a blocking ``BZPOPMIN`` of 5 s, so a socket timeout under 5 s
(what a request needs to fail fast when Redis hangs) would end every idle receive. This layer
blocks for 1 s instead; give its hosts ``socket_timeout`` (and ``socket_connect_timeout``) of
about 2 s. A hung Redis then fails a broadcast, a new subscription or an open stream's receive
within those 2 s (see :mod:`djkida.broadcast`, :mod:`djkida.consumers`), instead of 30 s or never.

Example (``settings.py``)::

    CHANNEL_LAYERS = {"default": {
        "BACKEND": "djkida.layers.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_connect_timeout": 2,
                              "socket_timeout": 2, "max_connections": 10_000}]},
    }}
"""

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer


class RedisChannelLayer(BaseRedisChannelLayer):
    """``channels_redis``' layer with a 1 s blocking read (its default is 5 s)."""

    brpop_timeout = 1
