"""The demo site under test: set up by ``demo_setup --model tiny`` in a temporary directory and
served by a real daphne, as ``scripts/demo`` serves it."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

from tests.servers import ROOT, LiveServer, free_port, live_server
from tests.services import redis_url_or_skip

SETTINGS = "tests.e2e.demo_settings"
#: The tiny model never ends a reply by itself: this many tokens take a few seconds, long enough
#: to watch a reply grow and to stop it.
MAX_TOKENS = 4000
#: What the first requests load, so tests time pages rather than a cold server.
WARM_UP = [
    "/",
    "/dashboard/stream/?delay=0",
    "/dashboard/suspense/?delay=0",
    "/chat/",
    "/live/",
    "/static/demo/site.css",
    "/static/django_htmx/htmx-2.min.js",
]


def site_environment(directory: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment of the site's processes: its database and models live in ``directory``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DEMO_TEST_DB": str(directory / "demo.sqlite3"),
        "TALU_MODELS_DIR": str(directory / "models"),
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


def manage(env: Mapping[str, str], *args: str) -> str:
    """Run ``manage.py <args>`` for the site; its output (fails the test on an error)."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@contextmanager
def demo_server(directory: Path, extra: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """The demo, set up in ``directory`` with the tiny model as session ``default``, served."""
    env = site_environment(directory, extra)
    manage(env, "demo_setup", "--model", "tiny")
    update = f"ModelSession.objects.filter(name='default').update(max_tokens={MAX_TOKENS})"
    manage(env, "shell", "-c", f"from djtalu.models import ModelSession; {update}")
    with live_server(settings=SETTINGS, env=env) as server:
        for path in WARM_UP:  # imports, template compiling, static file finders
            httpx.get(server.url + path, timeout=30)
        yield server


@contextmanager
def private_redis() -> Iterator[str]:
    """The URL of a Redis server of our own, for the ``with`` body.

    Other test runs on this machine flush the shared per-worker databases, which would wipe the
    channel layer's group memberships under a running server. Without a ``redis-server`` binary
    the shared database is used (and under CI a missing Redis is a failure).
    """
    binary = shutil.which("redis-server")
    if binary is None:
        yield redis_url_or_skip()
        return
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
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
