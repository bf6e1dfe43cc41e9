"""``manage.py talu_worker <session>``: serve a session's requests from Redis (distributed mode).

Run as many as you like, on any machine that can reach the Redis in ``TALU_REDIS_URL`` and has
the session's model at its ``model_path``. SIGTERM/SIGINT finish the current request, then exit.
"""

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from djtalu.conf import talu_settings
from djtalu.distributed import RedisWorker
from djtalu.models import ModelSession


class Command(BaseCommand):
    help = "Serve a model session's generation requests from Redis streams."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("session", help="Name of the ModelSession to serve.")
        parser.add_argument(
            "--redis-url", help="Redis to take requests from (default: TALU_REDIS_URL)."
        )
        parser.add_argument(
            "--model-path", help="Where the model is on this machine (default: the session's)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            session = ModelSession.objects.get(name=options["session"])
        except ModelSession.DoesNotExist:
            raise CommandError(f"no model session named {options['session']!r}") from None
        conf = talu_settings()
        worker = RedisWorker(
            session.name,
            options["model_path"] or session.model_path,
            redis_url=options["redis_url"] or conf.redis_url,
            prefix=conf.redis_prefix,
            claim_idle_ms=conf.claim_idle_ms,
            heartbeat_seconds=conf.heartbeat_seconds,
        )
        self.stdout.write(f"talu worker {worker.consumer} serving {session.name!r}")
        asyncio.run(self.serve(worker))

    async def serve(self, worker: RedisWorker) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await worker.run(stop)
