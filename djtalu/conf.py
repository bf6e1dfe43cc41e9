"""djtalu's settings, read in one place with their defaults.

Read at call time (not import time), so ``override_settings`` in tests and per-process
environments both work. djkida reads its settings the same way
(:func:`djkida.conf.djkida_settings`).
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

__all__ = ["TaluSettings", "talu_settings"]


@dataclass(frozen=True)
class TaluSettings:
    """Every ``TALU_*`` setting djtalu understands."""

    #: Where ``manage.py talu_models install`` puts converted models.
    models_dir: Path
    #: Requests waiting per session before new ones are refused (backpressure).
    queue_size: int
    #: Pieces a local worker may generate ahead of a slow reader before it pauses (backpressure).
    stream_buffer: int
    #: Seconds a local worker may leave a health check unanswered before it is killed and
    #: replaced (a hung or stopped process).
    health_timeout: float
    #: Serve sessions from ``manage.py talu_worker`` processes through Redis instead of local
    #: worker processes.
    distributed: bool
    #: The Redis that distributed mode uses (defaults to ``REDIS_URL``).
    redis_url: str
    #: Prefix of every Redis key djtalu uses, so several sites can share one Redis.
    redis_prefix: str
    #: A distributed request unacknowledged this long is taken over from its (dead) worker.
    claim_idle_ms: int
    #: How often a distributed worker announces that it is alive.
    heartbeat_seconds: float
    #: Seconds a distributed request waits for a worker to take it before failing (503).
    worker_wait: float
    #: Seconds a whole generation may take when the caller gives no ``timeout``.
    request_timeout: float | None
    #: Bearer token the OpenAI-compatible endpoints require; empty means no authentication.
    api_key: str


def talu_settings() -> TaluSettings:
    """The current ``TALU_*`` settings with defaults filled in.

    Example::

        prefix = talu_settings().redis_prefix
    """
    redis_url = getattr(settings, "TALU_REDIS_URL", "") or getattr(settings, "REDIS_URL", "")
    return TaluSettings(
        models_dir=Path(getattr(settings, "TALU_MODELS_DIR", Path("var") / "models")),
        queue_size=int(getattr(settings, "TALU_QUEUE_SIZE", 16)),
        stream_buffer=int(getattr(settings, "TALU_STREAM_BUFFER", 64)),
        health_timeout=float(getattr(settings, "TALU_HEALTH_TIMEOUT", 30.0)),
        distributed=bool(getattr(settings, "TALU_DISTRIBUTED", False)),
        redis_url=redis_url or "redis://127.0.0.1:6379/0",
        redis_prefix=str(getattr(settings, "TALU_REDIS_PREFIX", "djtalu")),
        claim_idle_ms=int(getattr(settings, "TALU_CLAIM_IDLE_MS", 30_000)),
        heartbeat_seconds=float(getattr(settings, "TALU_HEARTBEAT_SECONDS", 2.0)),
        worker_wait=float(getattr(settings, "TALU_WORKER_WAIT", 30.0)),
        request_timeout=getattr(settings, "TALU_REQUEST_TIMEOUT", None),
        api_key=str(getattr(settings, "TALU_API_KEY", "")),
    )
