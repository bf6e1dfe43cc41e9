"""A ``talu_worker`` (its ``RedisWorker``, run in this process) whose Redis refuses connections
or hangs: every call it makes is bounded, it logs the outage and tries again until Redis is
back, and a reply it cannot publish stops its generation instead of running on."""

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from djtalu.distributed import RedisPool, RedisWorker
from djtalu.distributed import worker as worker_module
from djtalu.engine import GenerationParams, GenerationResult, Generator
from djtalu.engine.generator import Generation, Message
from tests.services import free_port, paused_redis, redis_server, unavailable

pytestmark = [pytest.mark.redis, pytest.mark.slow]

USER = [{"role": "user", "content": "hello"}]
SHORT = GenerationParams(max_tokens=16, temperature=0.0)
#: Far more than is generated before the test pauses Redis (the tiny model never stops early),
#: within its 8192-token context.
LONG = GenerationParams(max_tokens=6000, temperature=0.0)
#: Bounds a wait that only a failure reaches.
FAILURE_BOUND = 60.0


class WorkerLog(logging.Handler):
    """The worker's log lines; ``wait_for(text)`` returns once one contains ``text``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(level=logging.INFO)
        self.loop = loop
        self.messages: list[str] = []
        self.arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.loop.call_soon_threadsafe(self._add, record.getMessage())

    def _add(self, message: str) -> None:
        self.messages.append(message)
        self.arrived.set()

    async def wait_for(self, text: str, after: int = 0) -> str:
        """The first line from index ``after`` on that contains ``text``."""
        async with asyncio.timeout(FAILURE_BOUND):
            while True:
                for message in self.messages[after:]:
                    if text in message:
                        return message
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def worker_log() -> AsyncIterator[WorkerLog]:
    handler = WorkerLog(asyncio.get_running_loop())
    logger = logging.getLogger("djtalu.distributed.worker")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def in_process_worker(model: Path, url: str) -> RedisWorker:
    """A worker with short bounds: 0.5 s per Redis call, retries at least every 0.2 s."""
    return RedisWorker(
        "tiny",
        model,
        redis_url=url,
        heartbeat_seconds=0.2,
        claim_idle_ms=1000,
        redis_timeout=0.5,
        retry_max=0.2,
    )


async def serving[T](worker: RedisWorker, body: Callable[[], Awaitable[T]]) -> T:
    """``body()`` while ``worker`` runs; the worker is stopped after. A worker that ends by
    itself (it gave up on Redis) fails the test at once with its error."""
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    doing = asyncio.ensure_future(body())
    try:
        await asyncio.wait([doing, running], return_when=asyncio.FIRST_COMPLETED)
        if not doing.done():
            doing.cancel()
            running.result()  # its error, if it failed
            raise AssertionError("the worker stopped by itself")
        return doing.result()
    finally:
        stop.set()
        await running


async def ask(url: str, params: GenerationParams) -> GenerationResult:
    pool = RedisPool("tiny", redis_url=url, worker_wait=FAILURE_BOUND)
    await pool.start()
    try:
        return await pool.stream(USER, params).collect()
    finally:
        await pool.shutdown()


@pytest.fixture
def redis_port() -> int:
    """A free port, where the test starts a redis-server of its own when it wants one."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    return free_port()


async def test_a_worker_waits_for_a_redis_that_refuses_connections(
    tiny_model: Path, worker_log: WorkerLog, redis_port: int
) -> None:
    url = f"redis://127.0.0.1:{redis_port}/0"  # nothing listens there yet
    worker = in_process_worker(tiny_model, url)

    async def outage_then_redis() -> GenerationResult:
        await worker_log.wait_for("is unreachable")
        seen = len(worker_log.messages)
        await worker_log.wait_for("is unreachable", after=seen)  # it keeps trying
        with redis_server(redis_port):
            await worker_log.wait_for("answers again")
            return await ask(url, SHORT)

    result = await serving(worker, outage_then_redis)
    refused = next(line for line in worker_log.messages if "is unreachable" in line)
    assert f"Redis at 127.0.0.1:{redis_port} db 0 is unreachable" in refused
    assert "ConnectionError" in refused
    assert result.completion_tokens == 16


class ObservedGeneration:
    """A generation that reports, when it ends, how many pieces it made and whether it was
    stopped (its ``should_stop`` said so) rather than running to its end."""

    def __init__(self, run: Generation, stopped: Callable[[], bool], on_end: Callable[..., None]):
        self.run = run
        self.stopped = stopped
        self.on_end = on_end
        self.pieces = 0

    def __iter__(self) -> "ObservedGeneration":
        return self

    def __next__(self) -> str:
        try:
            piece = next(self.run)
        except BaseException:  # the end, or a failure
            self.on_end(self.pieces, self.stopped())
            raise
        self.pieces += 1
        return piece

    def close(self) -> None:
        self.run.close()

    def result(self) -> GenerationResult:
        return self.run.result()


def observe_generations(
    monkeypatch: pytest.MonkeyPatch, loop: asyncio.AbstractEventLoop
) -> "asyncio.Queue[tuple[int, bool]]":
    """(pieces, stopped) of each generation the in-process worker runs, as it ends."""
    ended: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()

    class ObservedGenerator(Generator):
        def generate(  # type: ignore[override]
            self, messages: list[Message], params: GenerationParams, should_stop: Any
        ) -> ObservedGeneration:
            asked = False

            def watched_stop() -> bool:
                nonlocal asked
                asked = asked or should_stop()
                return asked

            def on_end(pieces: int, stopped: bool) -> None:
                loop.call_soon_threadsafe(ended.put_nowait, (pieces, stopped))

            run = super().generate(messages, params, watched_stop)
            return ObservedGeneration(run, lambda: asked, on_end)

    monkeypatch.setattr(worker_module, "Generator", ObservedGenerator)
    return ended


async def test_a_reply_redis_stops_taking_stops_its_generation(
    tiny_model: Path,
    worker_log: WorkerLog,
    own_redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis hangs (SIGSTOP) once the reply has begun: the worker's publish gives up after its
    bound and the generation is stopped (before, it ran to max_tokens while the publishing
    waited forever); once Redis answers again, the worker serves again."""
    ended = observe_generations(monkeypatch, asyncio.get_running_loop())
    worker = in_process_worker(tiny_model, own_redis_url)

    async def hang_mid_reply() -> GenerationResult:
        await worker_log.wait_for("serving")
        pool = RedisPool("tiny", redis_url=own_redis_url, worker_wait=FAILURE_BOUND)
        await pool.start()
        stream = pool.stream(USER, LONG)
        try:
            await anext(aiter(stream))  # the reply has begun
            with paused_redis(own_redis_url):
                async with asyncio.timeout(FAILURE_BOUND):
                    pieces, stopped = await ended.get()
                assert stopped, f"the generation ran to its end ({pieces} pieces) as Redis hung"
                lost = await worker_log.wait_for("could not publish request")
            await worker_log.wait_for("answers again")
            await stream.cancel()
        finally:
            await pool.shutdown()
        assert "TimeoutError" in lost
        return await ask(own_redis_url, SHORT)

    after = await serving(worker, hang_mid_reply)
    assert after.completion_tokens == 16
