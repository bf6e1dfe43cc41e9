"""The demo site under test: set up by ``demo_setup --model tiny`` in a temporary directory and
served by a real daphne, as ``scripts/demo`` serves it."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.servers import ROOT, LiveServer, live_server
from tests.services import redis_server, redis_url_or_skip

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
    """The URL of a Redis server for this site alone, for the ``with`` body.

    The site's channel layer keeps group memberships in Redis for as long as it runs; a database
    other tests flush would lose them. Without a ``redis-server`` binary the worker's database
    is used (and under CI a missing Redis is a failure).
    """
    if shutil.which("redis-server") is None:
        yield redis_url_or_skip()
        return
    with redis_server() as url:
        yield url
