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


djkida_settings = DjkidaSettings()
