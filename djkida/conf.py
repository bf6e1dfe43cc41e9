"""djkida's settings, read in one place with their defaults.

Read at call time (not import time), so ``override_settings`` in tests and settings changed
after start-up are honoured. djtalu reads its ``TALU_*`` settings the same way
(:func:`djtalu.conf.talu_settings`).
"""

from dataclasses import dataclass

from django.conf import settings

__all__ = ["DjkidaSettings", "djkida_settings"]


@dataclass(frozen=True)
class DjkidaSettings:
    """Every setting djkida understands (``DJKIDA_*``, and Django's ``DEBUG``)."""

    #: Django's ``DEBUG``: the default of the backend's ``debug`` and ``auto_reload``.
    debug: bool
    #: Seconds a whole streamed render may take (None: unbounded).
    stream_timeout: float | None
    #: Redis for SSE replay (None: the memory of the broadcasting process).
    replay_redis_url: str | None
    #: Events kept per group for ``Last-Event-ID`` replay.
    replay_size: int
    #: Seconds a group's replay buffer outlives its last event.
    replay_ttl: int
    #: Events that may wait for one slow client before its connection is closed (it reconnects
    #: and replays them, so keep it below ``replay_size``).
    inbox_size: int
    #: Groups open to anonymous clients besides ``public.*``.
    public_groups: frozenset[str]
    #: Dotted paths of the ASGI application, Channels routers or route lists whose route names
    #: ``url()`` reverses besides Django's URLconf.
    routers: tuple[str, ...]


def djkida_settings() -> DjkidaSettings:
    """The current settings with defaults filled in.

    Example::

        timeout = djkida_settings().stream_timeout
    """
    return DjkidaSettings(
        debug=bool(settings.DEBUG),
        stream_timeout=getattr(settings, "DJKIDA_STREAM_TIMEOUT", None),
        replay_redis_url=getattr(settings, "DJKIDA_REPLAY_REDIS_URL", None) or None,
        replay_size=int(getattr(settings, "DJKIDA_REPLAY_SIZE", 100)),
        replay_ttl=int(getattr(settings, "DJKIDA_REPLAY_TTL", 3600)),
        inbox_size=int(getattr(settings, "DJKIDA_INBOX_SIZE", 50)),
        public_groups=frozenset(getattr(settings, "DJKIDA_PUBLIC_GROUPS", ())),
        routers=tuple(getattr(settings, "DJKIDA_ROUTERS", ())),
    )
