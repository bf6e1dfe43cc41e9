"""Distributed mode: ``manage.py talu_worker`` in other processes, real Redis, the public API."""

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import redis
from django.test import AsyncClient, Client, override_settings
from django.urls import reverse

import djtalu
from djtalu import pools
from djtalu.distributed import RedisWorker
from djtalu.engine import GenerationParams, Generator
from djtalu.models import ModelSession
from tests.djtalu.app.conftest import SETTINGS
from tests.servers import ROOT, live_server
from tests.services import paused_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]

REQUESTS = "djtalu:tiny:requests"
URLCONF = "tests.djtalu.app.urls"
StartWorker = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def distributed(site_env: dict[str, str], redis_url: str, settings: Any) -> dict[str, str]:
    """This process as a distributed site; the environment its workers run in."""
    settings.TALU_DISTRIBUTED = True
    settings.TALU_REDIS_URL = redis_url
    settings.TALU_HEARTBEAT_SECONDS = 0.2
    # Longer than a talu_worker takes to start on a loaded machine (tests of the wait lower it).
    settings.TALU_WORKER_WAIT = 120
    return {**site_env, "TALU_REDIS_URL": redis_url, "TALU_CLAIM_IDLE_MS": "1000"}


@pytest.fixture
async def remote(distributed: dict[str, str]) -> Any:
    """Session "tiny" here, pointing at the model the workers' site installed."""
    session = await ModelSession.objects.acreate(
        name="tiny",
        model_path=str(Path(distributed["TALU_MODELS_DIR"]) / "tiny"),
        max_tokens=16,
        temperature=0.0,
        seed=1,
    )
    yield session
    await pools._shutdown_all()


@pytest.fixture
def start_worker(distributed: dict[str, str], redis_url: str) -> Iterator[StartWorker]:
    """Start ``manage.py talu_worker tiny`` processes; each is ready (heartbeating) on return.

    It blocks: while a request is in flight, call it with ``asyncio.to_thread``.
    """
    started: list[subprocess.Popen[bytes]] = []
    client = redis.Redis.from_url(redis_url)

    def start(**env: str) -> subprocess.Popen[bytes]:
        before = set(client.keys("djtalu:tiny:worker:*"))
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "talu_worker", "tiny"],
            cwd=ROOT,
            env={**distributed, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        deadline = time.monotonic() + 60
        while set(client.keys("djtalu:tiny:worker:*")) <= before:
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "talu_worker did not start"
            time.sleep(0.05)
        return process

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:  # still finishing a long request
            process.kill()
            output, _ = process.communicate()
        print(f"talu_worker {process.pid} output:\n{output.decode()}")  # shown if the test fails
    client.close()


async def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until ``condition`` holds; ``timeout`` bounds a failure only."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_worker_streams_what_the_model_generates(
    remote: ModelSession, start_worker: StartWorker, redis_url: str
) -> None:
    start_worker()

    pieces = [piece async for piece in await djtalu.stream_async("tiny", "hello")]
    result = await djtalu.generate_async("tiny", "hello")

    expected = Generator(Path(remote.model_path)).generate(
        [{"role": "user", "content": "hello"}],
        GenerationParams(max_tokens=16, temperature=0.0, seed=1),
    )
    assert "".join(pieces) == result.text == "".join(expected)
    assert result.completion_tokens == 16
    assert result.finish_reason == "length"
    assert result.prompt_tokens > 0
    stats = pools.stats_for("tiny")
    assert stats is not None
    assert stats.workers_alive == 1
    assert stats.state == "running"
    # Finished replies are removed from Redis by the client that read them.
    assert redis.Redis.from_url(redis_url).keys("djtalu:reply:*") == []


async def test_cancel_stops_the_remote_generation(
    remote: ModelSession, start_worker: StartWorker, redis_url: str
) -> None:
    start_worker()
    stream = await djtalu.stream_async("tiny", "hello", max_tokens=8000)
    first = [await anext(stream.__aiter__()) for _ in range(3)]
    await stream.cancel()
    client = redis.Redis.from_url(redis_url)

    # The worker acknowledges the request once it has stopped (30 s bounds a failure only).
    await wait_for(lambda: client.xlen(REQUESTS) == 0, timeout=30)
    # What it sent after the cancel (the client deleted the reply stream) ends with its
    # result: stopped early, not run to 8000 tokens. (Sent before the delete: gone, then the
    # stop was early anyway.)
    events = client.xrange(f"djtalu:reply:{stream.request_id}")
    done = [json.loads(fields[b"data"]) for _, fields in events if fields[b"event"] == b"done"]
    follow_up = await djtalu.generate_async("tiny", "hello", max_tokens=3)

    assert len(first) == 3
    assert stream.cancelled
    assert [result["completion_tokens"] < 8000 for result in done] == [True] * len(done)
    assert follow_up.completion_tokens == 3
    client.close()


async def test_request_of_a_vanished_worker_is_taken_over(
    remote: ModelSession, start_worker: StartWorker, redis_url: str
) -> None:
    """A worker took the request and died before starting it: another worker serves it."""
    stream = await djtalu.stream_async("tiny", "hello")
    collecting = asyncio.create_task(stream.collect())
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    await wait_for(lambda: client.xlen(REQUESTS) == 1)
    client.xreadgroup("workers", "dead-worker", {REQUESTS: ">"}, count=1)

    await asyncio.to_thread(start_worker)
    result = await asyncio.wait_for(collecting, timeout=20)

    assert result.completion_tokens == 16
    await wait_for(lambda: client.xlen(REQUESTS) == 0)  # acknowledged and removed
    client.close()


async def test_a_worker_killed_mid_reply_fails_the_request_cleanly(
    remote: ModelSession, start_worker: StartWorker
) -> None:
    victim = start_worker()
    stream = await djtalu.stream_async("tiny", "hello", max_tokens=8000)
    pieces = stream.__aiter__()
    await anext(pieces)
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    # The new worker takes the dead one's request over after TALU_CLAIM_IDLE_MS.
    await asyncio.to_thread(start_worker)
    with pytest.raises(djtalu.WorkerCrashedError, match="a worker died"):
        await asyncio.wait_for(stream.collect(), timeout=20)
    follow_up = await djtalu.generate_async("tiny", "hello", max_tokens=3)
    assert follow_up.completion_tokens == 3


async def test_a_worker_killed_mid_reply_is_noticed_by_its_missing_heartbeats(
    remote: ModelSession, start_worker: StartWorker, redis_url: str
) -> None:
    """No other worker, and a takeover only after 30 s: the client fails from the heartbeats."""
    victim = start_worker(TALU_CLAIM_IDLE_MS="30000")
    stream = await djtalu.stream_async("tiny", "hello", max_tokens=8000)
    pieces = stream.__aiter__()
    await anext(pieces)
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    # The worker's heartbeat expires after three beats (0.6 s here); not the 30 s claim time.
    with pytest.raises(djtalu.WorkerCrashedError, match="stopped sending heartbeats"):
        await asyncio.wait_for(stream.collect(), timeout=10)
    # The request is marked cancelled, so a worker that takes it over later drops it.
    client = redis.Redis.from_url(redis_url)
    assert client.exists(f"djtalu:cancel:{stream.request_id}")
    client.close()


async def test_without_workers_a_request_fails_after_the_worker_wait(
    remote: ModelSession, settings: Any, redis_url: str
) -> None:
    settings.TALU_WORKER_WAIT = 0.5
    with pytest.raises(djtalu.NoWorkerError, match=r"no talu_worker took the request within 0.5 s"):
        await asyncio.wait_for(djtalu.generate_async("tiny", "hello"), timeout=10)
    # Withdrawn: a worker started later does not answer it for nobody.
    assert redis.Redis.from_url(redis_url).xlen(REQUESTS) == 0


async def test_without_workers_the_api_answers_503_no_worker(
    remote: ModelSession, settings: Any
) -> None:
    settings.TALU_WORKER_WAIT = 0.5
    settings.ROOT_URLCONF = URLCONF
    body = {"model": "tiny", "messages": [{"role": "user", "content": "hello"}]}
    for stream in (False, True):
        response = await asyncio.wait_for(
            AsyncClient().post(
                "/v1/chat/completions", {**body, "stream": stream}, content_type="application/json"
            ),
            timeout=10,
        )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "no_worker"


async def test_a_hung_redis_fails_requests_with_no_worker_not_a_hang(
    remote: ModelSession, settings: Any, own_redis_url: str
) -> None:
    settings.TALU_REDIS_URL = own_redis_url
    with (  # before the pool connects
        paused_redis(own_redis_url),
        pytest.raises(djtalu.NoWorkerError, match="cannot reach the workers' Redis"),
    ):
        await asyncio.wait_for(djtalu.generate_async("tiny", "hello"), timeout=10)
    await djtalu.stream_async("tiny", "hello")  # the pool starts: Redis answers again
    with (  # after
        paused_redis(own_redis_url),
        pytest.raises(djtalu.NoWorkerError, match="cannot reach the workers' Redis"),
    ):
        await asyncio.wait_for(djtalu.generate_async("tiny", "hello"), timeout=10)
    # Waiting for a worker when Redis hangs.
    stream = await djtalu.stream_async("tiny", "hello")
    waiting = asyncio.create_task(stream.collect())
    client = redis.Redis.from_url(own_redis_url)
    await wait_for(lambda: client.xlen(REQUESTS) == 1)
    client.close()
    with (
        paused_redis(own_redis_url),
        pytest.raises(djtalu.NoWorkerError, match="stopped answering"),
    ):
        await asyncio.wait_for(waiting, timeout=10)


async def test_full_queue_is_refused(remote: ModelSession, settings: Any, redis_url: str) -> None:
    settings.TALU_QUEUE_SIZE = 1
    waiting = await djtalu.stream_async("tiny", "hello")
    queued = asyncio.create_task(waiting.collect())
    client = redis.Redis.from_url(redis_url)
    await wait_for(lambda: client.xlen(REQUESTS) == 1)  # submitted (no worker takes it)
    client.close()

    with pytest.raises(djtalu.QueueFullError):
        await djtalu.generate_async("tiny", "hello")
    queued.cancel()
    await waiting.cancel()


async def test_restart_makes_workers_reload_the_model(
    remote: ModelSession, start_worker: StartWorker, redis_url: str
) -> None:
    """The admin's restart action, with no pool in this process: workers reload anyway."""
    await asyncio.to_thread(start_worker)
    client = redis.Redis.from_url(redis_url, decode_responses=True)

    def epochs() -> set[str | None]:
        return {json.loads(client.get(key))["epoch"] for key in client.keys("djtalu:tiny:worker:*")}

    assert epochs() == {None}
    assert await pools.restart("tiny")
    await wait_for(lambda: epochs() == {"1"})
    result = await djtalu.generate_async("tiny", "hello", max_tokens=3)

    assert result.completion_tokens == 3
    client.close()


async def test_admin_shows_remote_workers_without_a_local_pool(
    remote: ModelSession, start_worker: StartWorker, admin_client: Client
) -> None:
    await asyncio.to_thread(start_worker)
    changelist = reverse("admin:djtalu_modelsession_changelist", urlconf=URLCONF)

    with override_settings(ROOT_URLCONF=URLCONF):
        response = await asyncio.to_thread(admin_client.get, changelist)

    html = response.content.decode()
    assert pools._running_pool("tiny") is None
    assert '<td class="field-state">running</td>' in html
    assert '<td class="field-live_workers">1/1</td>' in html


def test_openai_sdk_through_daphne_and_a_remote_worker(
    distributed: dict[str, str], start_worker: StartWorker
) -> None:
    start_worker()
    with live_server(
        settings=SETTINGS, app="tests.djtalu.app.asgi:application", env=distributed
    ) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
        stream = client.chat.completions.create(
            model="tiny",
            messages=[{"role": "user", "content": "hello"}],
            stream=True,
            max_tokens=40,
            temperature=0,
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    expected = Generator(Path(distributed["TALU_MODELS_DIR"]) / "tiny").generate(
        [{"role": "user", "content": "hello"}], GenerationParams(max_tokens=40, temperature=0)
    )
    assert text == "".join(expected)


async def test_a_stream_cancelled_before_it_starts_sends_nothing(
    remote: ModelSession, redis_url: str
) -> None:
    stream = await djtalu.stream_async("tiny", "hello")
    await stream.cancel()
    result = await stream.collect()

    assert stream.cancelled
    assert result.finish_reason == "cancelled"
    assert redis.Redis.from_url(redis_url).xlen(REQUESTS) == 0


def test_worker_refuses_a_claim_time_shorter_than_its_heartbeats() -> None:
    with pytest.raises(ValueError, match="at least three heartbeats"):
        RedisWorker("tiny", "/m", redis_url="redis://", claim_idle_ms=1000, heartbeat_seconds=1)
