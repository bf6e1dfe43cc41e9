"""WorkerPool and AsyncGenerationStream with real worker processes on the tiny model."""

import asyncio
import contextlib
import gc
import os
import signal
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

import pytest

from djtalu.engine import (
    AsyncGenerationStream,
    GenerationError,
    GenerationParams,
    GenerationResult,
    QueueFullError,
    WorkerCrashedError,
    WorkerPool,
)
from djtalu.engine.pipe import MessageReader

USER = [{"role": "user", "content": "Tell me something"}]
#: Greedy output of the tiny model re-tokenizes exactly, so token counts can be asserted.
GREEDY = GenerationParams(temperature=0.0)
SHORT = GREEDY.replace(max_tokens=40)
ENDLESS = GenerationParams(max_tokens=100_000)
WINDOW = 16
T = TypeVar("T")


@pytest.fixture
async def pool(tiny_model: Path) -> AsyncIterator[WorkerPool]:
    pool = WorkerPool(tiny_model, workers=1, buffer_size=WINDOW, name="test")
    await pool.start()
    yield pool
    await pool.shutdown()


async def _take(stream: AsyncGenerationStream, count: int) -> list[str]:
    pieces = []
    async for piece in stream:
        pieces.append(piece)
        if len(pieces) == count:
            break
    return pieces


async def _wait_idle(pool: WorkerPool) -> None:
    """Until no request is in flight. A generation that was not stopped stays in flight: paused
    by its full credit window (nobody reads) or running on for ENDLESS's 100,000 tokens, so the
    30 s bound fails it on any machine without timing a working one."""
    deadline = time.monotonic() + 30
    while pool.stats().in_flight:
        assert time.monotonic() < deadline, pool.stats()
        await asyncio.sleep(0.005)


async def test_streams_pieces_and_collects_the_result(pool: WorkerPool) -> None:
    stream = pool.stream(USER, SHORT)
    pieces = [piece async for piece in stream]
    result = await stream.collect()
    assert len(pieces) > 1
    assert result is stream.result
    assert result.text == "".join(pieces)
    assert (result.completion_tokens, result.finish_reason) == (40, "length")
    assert result.prompt_tokens > 0
    assert {"queue", "first_piece", "generation", "total", "tokens_per_second"} <= set(
        result.timings
    )
    assert result.timings["total"] >= result.timings["generation"] > 0
    assert not stream.cancelled


async def test_lazy_start_and_stats(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=1)
    assert pool.stats().state == "stopped"
    try:
        result = await pool.stream(USER, SHORT).collect()
        assert result.completion_tokens == 40
        stats = pool.stats()
        assert (stats.state, stats.workers_alive, stats.workers_total) == ("running", 1, 1)
        assert (stats.in_flight, stats.queued, stats.last_error) == (0, 0, "")
        assert stats.tokens_per_second > 0
    finally:
        await pool.shutdown()
    assert pool.stats().state == "stopped"
    assert pool.stats().workers_alive == 0


async def test_stop_sequence_finishes_with_stop(pool: WorkerPool) -> None:
    full = (await pool.stream(USER, SHORT).collect()).text
    stop = full[15:18]
    result = await pool.stream(USER, SHORT.replace(stop=(stop,))).collect()
    assert result.text == full[: full.index(stop)]
    assert result.finish_reason == "stop"


async def test_cancel_mid_stream_frees_the_worker(pool: WorkerPool) -> None:
    stream = pool.stream(USER, ENDLESS)
    taken = await _take(stream, 50)
    assert len(taken) == 50
    await stream.cancel()  # returns once the worker has reported the generation stopped
    assert pool.stats().in_flight == 0
    assert stream.cancelled
    assert stream.result is not None
    assert stream.result.finish_reason == "cancelled"
    # Stopped where the reader left it: at most a credit window past what was read.
    assert stream.result.completion_tokens <= len("".join(taken)) + WINDOW
    assert [piece async for piece in stream] == []
    assert (await pool.stream(USER, SHORT).collect()).completion_tokens == 40


async def test_leaving_async_with_early_cancels(pool: WorkerPool) -> None:
    async with pool.stream(USER, ENDLESS) as stream:
        await _take(stream, 10)
    assert stream.cancelled
    await _wait_idle(pool)


async def test_abandoned_stream_is_cancelled_on_garbage_collection(pool: WorkerPool) -> None:
    stream = pool.stream(USER, ENDLESS)
    await _take(stream, 10)  # break out of ``async for`` without aclose()
    del stream
    gc.collect()
    await _wait_idle(pool)


async def test_cancelled_consumer_task_stops_the_generation(pool: WorkerPool) -> None:
    """A client disconnect cancels the task waiting for the next piece."""
    stream = pool.stream(USER, ENDLESS)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_idle(pool)
    assert stream.cancelled


async def test_cancelled_task_holding_async_with_stops_the_generation(pool: WorkerPool) -> None:
    """Cancelled elsewhere (here: sending to a slow client), ``async with`` still cancels."""
    first = asyncio.Event()

    async def respond() -> None:
        async with pool.stream(USER, ENDLESS) as stream:
            async for _ in stream:
                first.set()
                await asyncio.sleep(0.01)

    task = asyncio.create_task(respond())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_idle(pool)


async def test_timeout_stops_the_generation(pool: WorkerPool) -> None:
    started = time.monotonic()
    result = await pool.stream(USER, ENDLESS, timeout=0.3).collect()
    assert result.finish_reason == "timeout"
    assert time.monotonic() - started >= 0.3  # not before its time (no upper bound: load)
    assert result.completion_tokens < ENDLESS.max_tokens
    await _wait_idle(pool)


async def test_timeout_while_queued(pool: WorkerPool) -> None:
    running = pool.stream(USER, ENDLESS)
    waiting = pool.stream(USER, SHORT, timeout=0.05)
    result = await waiting.collect()
    assert (result.finish_reason, result.text, result.completion_tokens) == ("timeout", "", 0)
    await running.cancel()


async def test_four_concurrent_streams_on_two_workers(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=2)
    try:
        # Both ready first: with one still loading (a busy machine), all four would go to one.
        await pool.start(all_workers=True)
        params = GenerationParams(max_tokens=300, temperature=0.9, seed=5)
        max_in_flight = 0

        async def watch() -> None:
            nonlocal max_in_flight
            while True:
                max_in_flight = max(max_in_flight, pool.stats().in_flight)
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        results = await asyncio.gather(*(pool.stream(USER, params).collect() for _ in range(4)))
        watcher.cancel()
        # Sampled text may re-tokenize slightly differently from the generated tokens.
        assert all(abs(result.completion_tokens - 300) <= 6 for result in results)
        assert len({result.text for result in results}) == 1  # same seed, any worker
        assert max_in_flight == 2
    finally:
        await pool.shutdown()


async def test_generation_error_is_raised_and_the_worker_keeps_serving(pool: WorkerPool) -> None:
    stream = pool.stream([*USER, {"role": "assistant", "content": "Hi"}], SHORT)
    with pytest.raises(GenerationError, match="last message must be from the user"):
        await stream.collect()
    assert stream.result is not None
    assert stream.result.finish_reason == "error"
    assert (await pool.stream(USER, SHORT).collect()).completion_tokens == 40


async def test_killed_worker_fails_its_request_and_is_replaced(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=2)
    try:
        await pool.start(all_workers=True)
        assert pool.stats().state == "running"
        streams = [pool.stream(USER, GREEDY.replace(max_tokens=4000)) for _ in range(2)]
        for stream in streams:
            await _take(stream, 20)
        victim, survivor = pool.worker_pids()
        os.kill(victim, signal.SIGKILL)
        outcomes = await asyncio.gather(
            *(stream.collect() for stream in streams), return_exceptions=True
        )
        [crash] = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert isinstance(crash, WorkerCrashedError)
        # "exited" when its pipe's end is read first, "closed its pipe" when a credit is sent first.
        assert f"worker {victim} " in str(crash)
        assert "(exit code -9)" in str(crash)
        [finished] = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
        assert finished.completion_tokens == 4000  # the other request continued
        assert "exit code -9" in pool.stats().last_error
        results = await asyncio.gather(*(pool.stream(USER, SHORT).collect() for _ in range(2)))
        assert [result.completion_tokens for result in results] == [40, 40]
        assert survivor in pool.worker_pids()
        assert victim not in pool.worker_pids()
        assert pool.stats().workers_alive == 2
    finally:
        await pool.shutdown()


async def test_queue_full_raises(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=1, queue_size=1)
    try:
        await pool.start()
        running = pool.stream(USER, ENDLESS)
        queued = pool.stream(USER, SHORT)
        assert (pool.stats().in_flight, pool.stats().queued) == (1, 1)
        with pytest.raises(QueueFullError, match="waiting for a worker"):
            pool.stream(USER, SHORT)
        await running.cancel()
        assert (await queued.collect()).completion_tokens == 40
    finally:
        await pool.shutdown()


async def test_queue_size_zero_serves_idle_workers_only(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=1, queue_size=0)
    try:
        await pool.start()
        running = pool.stream(USER, ENDLESS)
        with pytest.raises(QueueFullError):
            pool.stream(USER, SHORT)
        await running.cancel()
        assert (await pool.stream(USER, SHORT).collect()).completion_tokens == 40
    finally:
        await pool.shutdown()


class PipeReadAudit:
    """Checks every read of a worker's pipe in this process while active.

    The pool must never block the event loop on a worker's pipe. Instead of timing the loop
    (which a busy machine slows anyway), this checks what makes a read non-blocking: it runs
    inside a callback the loop made because the pipe was readable (``loop.add_reader``), and
    it either takes only what is there (``MessageReader.read``) or, for ``Connection.recv``,
    a whole message is already there (peeked from the socket), so it returns at once; ``poll``
    may only look, never wait. A read that would wait is recorded and refused with
    ``BlockingIOError`` (the pool treats it as a lost worker), and ``violated`` is set, so a
    broken pool fails the test instead of hanging it. ``on_wakeup(fd)``, if set, runs at
    each such callback before the pool's own.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        self.violations: list[str] = []
        self.violated = asyncio.Event()
        self._inside: set[int] = set()
        self.on_wakeup: Callable[[int], None] | None = None
        add_reader = loop.add_reader

        def audited_add_reader(fd: int, callback: Callable[..., object], *args: object) -> None:
            def on_readable(*args: object) -> None:
                if self.on_wakeup is not None:
                    self.on_wakeup(fd)
                self._inside.add(fd)
                try:
                    callback(*args)
                finally:
                    self._inside.discard(fd)

            add_reader(fd, on_readable, *args)

        recv, poll, read = Connection.recv, Connection.poll, MessageReader.read

        def audited_recv(conn: Connection) -> object:
            self.reads += 1
            fd = conn.fileno()
            if fd not in self._inside:
                self._violation(f"recv on fd {fd} outside its add_reader callback")
            if not _whole_message_waiting(fd):
                self._violation(f"recv on fd {fd} with no whole message waiting")
                raise BlockingIOError("the audit refused a read that would block")
            return recv(conn)

        def audited_poll(conn: Connection, timeout: float | None = 0.0) -> bool:
            if timeout is None or timeout > 0:
                self._violation(f"poll on fd {conn.fileno()} waits up to {timeout} s")
            return poll(conn, timeout)

        def audited_read(reader: MessageReader) -> list[object]:
            self.reads += 1
            if not self._inside:
                self._violation("MessageReader.read outside an add_reader callback")
            return read(reader)

        monkeypatch.setattr(loop, "add_reader", audited_add_reader)
        monkeypatch.setattr(Connection, "recv", audited_recv)
        monkeypatch.setattr(Connection, "poll", audited_poll)
        monkeypatch.setattr(MessageReader, "read", audited_read)

    def _violation(self, description: str) -> None:
        self.violations.append(description)
        self.violated.set()

    async def run(self, work: Awaitable[T]) -> T:
        """``work``'s result; fails at the first violation, as a pool refused reads may retry
        forever (a lost worker is replaced, and its replacement's reads are refused too)."""
        task = asyncio.ensure_future(work)
        violated = asyncio.create_task(self.violated.wait())
        await asyncio.wait([task, violated], return_when=asyncio.FIRST_COMPLETED)
        violated.cancel()
        if not task.done():
            task.cancel()
        assert self.violations == []
        return task.result()


def _whole_message_waiting(fd: int) -> bool:
    """Whether a complete ``Connection`` message (length header and body), or the end of the
    stream, is in ``fd`` now: then ``recv`` returns (or raises ``EOFError``) without waiting.

    A duplex ``multiprocessing.Pipe`` is a Unix socket pair, so this peeks without reading."""
    with socket.socket(fileno=os.dup(fd)) as sock:
        flags = socket.MSG_PEEK | socket.MSG_DONTWAIT
        try:
            header = sock.recv(4, flags)
            if header == b"":
                return True  # the worker closed its end
            if len(header) < 4:
                return False
            (size,) = struct.unpack("!i", header)
            if size == -1:  # large message: an 8-byte length follows
                header = sock.recv(12, flags)
                if len(header) < 12:
                    return False
                (size,) = struct.unpack("!Q", header[4:])
                size += 8
            return len(sock.recv(4 + size, flags)) == 4 + size
        except BlockingIOError:
            return False


async def test_the_pool_reads_worker_pipes_only_when_readable_and_never_waits(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event loop never blocks on a worker: proved read by read, not by timing the loop."""
    audit = PipeReadAudit(asyncio.get_running_loop(), monkeypatch)
    pool = WorkerPool(tiny_model, workers=1, buffer_size=WINDOW, name="test")

    async def generate() -> GenerationResult:
        await pool.start()
        return await pool.stream(USER, GREEDY.replace(max_tokens=1000)).collect()

    try:
        result = await audit.run(generate())
    finally:
        await pool.shutdown()
    assert audit.violations == []  # shutting down read the workers' last messages too
    assert result.completion_tokens == 1000
    # "ready", a message per piece and the result all went through the audited reads.
    assert audit.reads > 1


async def test_a_message_that_arrives_in_parts_does_not_hold_the_event_loop(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker stopped half-way through writing a message: the loop goes on meanwhile, and
    the message arrives whole once the worker resumes.

    The message is an error naming a 4 MiB role, many times what a socket pair buffers, so
    its first bytes are in the pipe long before its end; the worker is stopped (SIGSTOP) at
    the first wake-up that finds a message begun but not finished.
    """
    audit = PipeReadAudit(asyncio.get_running_loop(), monkeypatch)
    pool = WorkerPool(tiny_model, workers=1, name="test")
    role = "r" * (4 * 1024 * 1024)
    stopped = asyncio.Event()
    try:
        await audit.run(pool.start())
        [pid] = pool.worker_pids()

        def stop_mid_message(fd: int) -> None:
            if not stopped.is_set() and not _whole_message_waiting(fd):
                os.kill(pid, signal.SIGSTOP)
                stopped.set()

        audit.on_wakeup = stop_mid_message
        stream = pool.stream([{"role": role, "content": "hi"}], SHORT)
        outcome = asyncio.ensure_future(audit.run(stream.collect()))
        try:
            await audit.run(stopped.wait())
            for _ in range(100):  # the loop runs on, the pool reading what there is
                await asyncio.sleep(0)
            assert not outcome.done()
            assert pool.stats().in_flight == 1
        finally:
            with contextlib.suppress(ProcessLookupError):  # a broken pool has killed it
                os.kill(pid, signal.SIGCONT)
        with pytest.raises(GenerationError, match="last message must be from the user") as error:
            await outcome
    finally:
        await pool.shutdown()
    assert role in str(error.value)
    assert audit.violations == []


async def test_slow_consumer_pauses_the_worker(pool: WorkerPool) -> None:
    stream = pool.stream(USER, GREEDY.replace(max_tokens=2000))
    pieces = await _take(stream, 1)
    for _ in range(6):
        # The worker uses the credit it has: less than half a window is ever held back
        # unacknowledged, so the buffer fills past half. (Polled; 30 s bounds a failure.)
        deadline = time.monotonic() + 30
        while stream.buffered <= WINDOW // 2:
            assert time.monotonic() < deadline, stream.buffered
            await asyncio.sleep(0.005)
        # Then it waits: given time to overrun (0.2 s: ~1,300 tokens unthrottled), it does not.
        await asyncio.sleep(0.2)
        assert stream.buffered <= WINDOW
        pieces += await _take(stream, 1)  # takes everything buffered, returning credit
    assert stream.result is None
    pieces += [piece async for piece in stream]
    result = await stream.collect()
    assert result.text == "".join(pieces)
    assert result.completion_tokens == 2000


async def test_missing_model_fails_start_clearly(tmp_path: Path) -> None:
    pool = WorkerPool(tmp_path / "missing", workers=1)
    try:
        with pytest.raises(GenerationError, match="cannot load model"):
            await pool.start()
        assert "cannot load model" in pool.stats().last_error
    finally:
        await pool.shutdown()


async def test_restart_replaces_workers(pool: WorkerPool) -> None:
    before = pool.worker_pids()
    await pool.restart()
    assert pool.worker_pids() != before
    assert (await pool.stream(USER, SHORT).collect()).completion_tokens == 40


async def test_shutdown_cancels_running_and_fails_queued(pool: WorkerPool) -> None:
    running = pool.stream(USER, ENDLESS)
    queued = pool.stream(USER, SHORT)
    await _take(running, 5)
    await pool.shutdown()
    assert running.result is not None
    assert running.result.finish_reason == "cancelled"
    with pytest.raises(GenerationError, match="shut down"):
        await queued.collect()
    assert pool.worker_pids() == []


async def test_a_request_for_a_worker_that_stopped_reading_does_not_hold_the_event_loop(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request many times what a socket pair buffers, sent to a stopped (SIGSTOP) worker: the
    loop runs on while the request waits, and the worker reads it whole once resumed.

    ``Connection.send``, which waits for the worker to read, is refused in this process (the
    pool treats that as a lost worker), so a pool that uses it fails here instead of hanging.
    """
    blocking_sends: list[object] = []

    def refused_send(conn: Connection, obj: object) -> None:
        blocking_sends.append(obj)
        raise BrokenPipeError("the test refused a Connection.send, which may wait")

    pool = WorkerPool(tiny_model, workers=1, name="test")
    role = "r" * (4 * 1024 * 1024)
    advanced = asyncio.Event()

    async def advance() -> None:
        for _ in range(100):
            await asyncio.sleep(0)
        advanced.set()

    try:
        await pool.start()
        [pid] = pool.worker_pids()
        monkeypatch.setattr(Connection, "send", refused_send)
        os.kill(pid, signal.SIGSTOP)
        try:
            stream = pool.stream([{"role": role, "content": "hi"}], SHORT)
            outcome = asyncio.ensure_future(stream.collect())
            await asyncio.create_task(advance())  # another task runs while the request waits
            assert advanced.is_set()
            assert not outcome.done()
            assert pool.stats().in_flight == 1
            assert pool.worker_pids() == [pid]
        finally:
            os.kill(pid, signal.SIGCONT)
        with pytest.raises(GenerationError, match="last message must be from the user") as error:
            await outcome
    finally:
        await pool.shutdown()
    assert role in str(error.value)  # the worker got the whole request
    assert blocking_sends == []


async def test_a_hung_worker_is_replaced_after_the_health_timeout(tiny_model: Path) -> None:
    """A stopped (SIGSTOP) worker misses its health check: the pool kills it, fails its
    request and serves the next one from a new worker."""
    pool = WorkerPool(tiny_model, workers=1, health_interval=0.05, health_timeout=1.0)
    try:
        await pool.start()
        [hung] = pool.worker_pids()
        os.kill(hung, signal.SIGSTOP)
        stream = pool.stream(USER, SHORT)
        with pytest.raises(WorkerCrashedError, match="stopped answering health checks") as e:
            await stream.collect()
        assert f"worker {hung} " in str(e.value)
        assert "(exit code -9)" in str(e.value)
        result = await pool.stream(USER, SHORT).collect()
        assert result.completion_tokens == 40
        [replacement] = pool.worker_pids()
        assert replacement != hung
    finally:
        await pool.shutdown()
