"""djkida's settings: read here and only here, each with its default.

Values are read on every access (not cached at import), so ``override_settings`` in tests and
settings changed after start-up are honoured.
"""

from django.conf import settings


class DjkidaSettings:
    """Typed access to the Django settings djkida reads.

    Example::

        from djkida.conf import djkida_settings

        timeout = djkida_settings.STREAM_TIMEOUT
    """

    @property
    def DEBUG(self) -> bool:
        """Django's ``DEBUG``: the default of the backend's ``debug`` and ``auto_reload``."""
        return bool(settings.DEBUG)

    @property
    def STREAM_TIMEOUT(self) -> float | None:
        """``DJKIDA_STREAM_TIMEOUT``: seconds a whole streamed render may take (None: unbounded)."""
        value: float | None = getattr(settings, "DJKIDA_STREAM_TIMEOUT", None)
        return value

    @property
    def REPLAY_REDIS_URL(self) -> str | None:
        """``DJKIDA_REPLAY_REDIS_URL``: Redis for SSE replay (None: per-process memory)."""
        return getattr(settings, "DJKIDA_REPLAY_REDIS_URL", None) or None

    @property
    def REPLAY_SIZE(self) -> int:
        """``DJKIDA_REPLAY_SIZE``: events kept per group for ``Last-Event-ID`` replay."""
        return int(getattr(settings, "DJKIDA_REPLAY_SIZE", 100))

    @property
    def REPLAY_TTL(self) -> int:
        """``DJKIDA_REPLAY_TTL``: seconds a group's replay buffer outlives its last event."""
        return int(getattr(settings, "DJKIDA_REPLAY_TTL", 3600))

    @property
    def INBOX_SIZE(self) -> int:
        """``DJKIDA_INBOX_SIZE``: events that may wait for one slow client before its connection
        is closed (it reconnects and replays them, so keep it below ``DJKIDA_REPLAY_SIZE``)."""
        return int(getattr(settings, "DJKIDA_INBOX_SIZE", 50))

    @property
    def PUBLIC_GROUPS(self) -> frozenset[str]:
        """``DJKIDA_PUBLIC_GROUPS``: groups open to anonymous clients besides ``public.*``."""
        return frozenset(getattr(settings, "DJKIDA_PUBLIC_GROUPS", ()))

    @property
    def ROUTERS(self) -> tuple[str, ...]:
        """``DJKIDA_ROUTERS``: dotted paths of the ASGI application, Channels routers or route
        lists whose route names ``url()`` reverses besides Django's URLconf."""
        return tuple(getattr(settings, "DJKIDA_ROUTERS", ()))


djkida_settings = DjkidaSettings()
