"""Fixtures for djtalu's Django side: a session on the tiny model, and sites in other processes."""

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from djtalu import pools
from djtalu.models import ModelSession
from tests.servers import ROOT

SETTINGS = "tests.djtalu.app.settings"


@pytest.fixture
async def session(tiny_model: Path) -> AsyncIterator[ModelSession]:
    """A ModelSession "tiny" with short, greedy, seeded replies; its pool is stopped after."""
    yield await ModelSession.objects.acreate(
        name="tiny", model_path=str(tiny_model), max_tokens=16, temperature=0.0, seed=1
    )
    await pools._shutdown_all()


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop on its own thread, like a server's, for sync code (the admin) to reach."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    asyncio.run_coroutine_threadsafe(pools._shutdown_all(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


def run_manage(env: dict[str, str], *args: str) -> str:
    """Run ``python -m django <args>`` under the test settings; its output."""
    completed = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.fixture(scope="session")
def site_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a site in other processes: its own SQLite file, migrated, with the tiny
    model installed as session "tiny" by ``manage.py talu_models install tiny``.

    Built once: those processes only read it.
    """
    tmp_path = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJTALU_TEST_DB": str(tmp_path / "site.sqlite3"),
        "TALU_MODELS_DIR": str(tmp_path / "models"),
        "PYTHONUNBUFFERED": "1",
    }
    run_manage(env, "migrate", "--verbosity", "0")
    run_manage(env, "talu_models", "install", "tiny", "--session", "tiny")
    return env
