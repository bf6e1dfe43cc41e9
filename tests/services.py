"""Access to real services (Redis, Chromium, GNU gettext) that skip on a laptop and fail under CI.

With ``CI`` set, a missing service is a failure: a skipped test must never hide a missing feature.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
import redis

IN_CI = bool(os.environ.get("CI"))
#: The machine's shared Redis, used when ``TEST_REDIS_URL`` is unset and ``redis-server`` is
#: not installed (so no private server can be started).
SHARED_REDIS_URL = "redis://127.0.0.1:6379"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """A ``redis-server`` of our own on ``port`` (by default a free loopback port), for the
    ``with`` body: its URL (database 0). No other test run on this machine can flush it under
    a running test."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed")
    if port is None:
        port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def paused_redis(url: str) -> Iterator[None]:
    """The redis-server at ``url`` stopped (SIGSTOP) for the ``with`` body: its connections stay
    open and nothing answers, like a hung host. Resumed (SIGCONT) afterwards, whatever happens."""
    client = redis.Redis.from_url(url)
    pid = int(client.info("server")["process_id"])
    client.close()
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@cache
def redis_base_url() -> str:
    """Where this test process's Redis tests go, without a database number.

    ``TEST_REDIS_URL`` if set; else a private ``redis-server`` started on first use and stopped
    when the process exits (one per pytest-xdist worker); else the shared one on port 6379.
    """
    if url := os.environ.get("TEST_REDIS_URL"):
        return url
    if shutil.which("redis-server") is None:
        return SHARED_REDIS_URL
    server = redis_server()
    url = server.__enter__()
    atexit.register(server.__exit__, None, None, None)
    return url.removesuffix("/0")


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def redis_db_for_worker() -> int:
    """One Redis database per pytest-xdist worker, so parallel workers sharing one server
    (``TEST_REDIS_URL``, or the shared one) never see each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker.removeprefix("gw") or 0) % 15


def redis_url_or_skip() -> str:
    """A URL of a reachable, freshly flushed Redis database."""
    try:
        base = redis_base_url()
    except (OSError, redis.RedisError) as exc:
        unavailable(f"no private redis-server could be started: {exc}")
    url = f"{base}/{redis_db_for_worker()}"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        client.flushdb()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {url}: {exc}")
    finally:
        client.close()
    return url


def chromium_or_skip() -> Path:
    """The path of Debian's chromium binary."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = shutil.which("chromium")
    if found:
        return Path(found)
    unavailable("Debian's chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


#: The GNU gettext programs Django's makemessages and compilemessages run.
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgfmt")


def gettext_tools_or_skip() -> None:
    """GNU gettext's programs are installed (``apt-get install gettext``)."""
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(f"GNU gettext is not installed (apt-get install gettext): no {missing}")
