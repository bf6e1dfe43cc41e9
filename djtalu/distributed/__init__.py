"""Distributed mode: ``manage.py talu_worker`` processes on any machine serve requests via Redis.

``protocol`` holds the Redis keys and events both sides share, ``client`` the pool a site
queues requests on, ``worker`` the process that answers them.
"""

from djtalu.distributed.client import (
    RedisGenerationStream,
    RedisPool,
    read_stats,
    request_restart,
)
from djtalu.distributed.worker import RedisWorker

__all__ = ["RedisGenerationStream", "RedisPool", "RedisWorker", "read_stats", "request_restart"]
