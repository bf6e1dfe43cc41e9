"""Supervised talu worker processes behind an async, bounded request queue.

Each worker process runs one generation at a time (talu crashes with several in flight on
one client). The event loop never blocks on a worker: each pipe is watched with
``loop.add_reader`` and read without waiting (:class:`~djtalu.engine.pipe.MessageReader`), so
a message that has only partly arrived waits in a buffer, not on the loop; requests go out the
same way (:class:`~djtalu.engine.pipe.MessageWriter`), so a long prompt for a worker that has
stopped reading waits in a buffer too. A supervisor task
pings workers, replaces dead or hung ones with exponential backoff, and fails the request a
dead worker was running with ``WorkerCrashedError``.
"""

import asyncio
import itertools
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from djtalu.engine.errors import GenerationError, QueueFullError, WorkerCrashedError
from djtalu.engine.generator import Message
from djtalu.engine.params import GenerationParams
from djtalu.engine.pipe import MessageReader, MessageWriter
from djtalu.engine.result import GenerationResult
from djtalu.engine.stream import AsyncGenerationStream, RequestState
from djtalu.engine.worker import worker_main

logger = logging.getLogger(__name__)

_BACKOFF_BASE = 0.1
_BACKOFF_MAX = 10.0
#: Seconds of finished requests counted in ``PoolStats.tokens_per_second``.
_THROUGHPUT_WINDOW = 60.0


@dataclass(frozen=True)
class PoolStats:
    """A snapshot for health endpoints and the admin.

    ``state`` is ``stopped``, ``starting`` (no worker ready yet), ``running`` (all ready),
    ``degraded`` (some workers down or restarting) or ``stopping``. ``tokens_per_second`` is
    the decode speed (:func:`~djtalu.engine.result.decode_rate`) of the requests finished in
    the last minute, taken together.

    Example::

        stats = pool.stats()
        healthy = stats.state == "running" and stats.queued < 10
    """

    state: str
    workers_alive: int
    workers_total: int
    in_flight: int
    queued: int
    tokens_per_second: float
    last_error: str


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(
        self, slot: int, process: BaseProcess, conn: Connection, writer: MessageWriter
    ) -> None:
        self.slot = slot
        self.process = process
        self.conn = conn
        self.reader = MessageReader(conn.fileno())
        self.writer = writer
        self.ready = False
        self.request: RequestState | None = None
        self.fatal: str | None = None
        self.spawned = time.monotonic()
        self.ping_sent: float | None = None


class WorkerPool:
    """Worker processes for one model, started lazily on the first request.

    Example::

        pool = WorkerPool(Path("/models/smollm2"), workers=2, name="chat")
        result = await pool.stream([{"role": "user", "content": "Hi"}]).collect()
        await pool.shutdown()
    """

    def __init__(
        self,
        model_path: Path,
        *,
        workers: int = 1,
        queue_size: int = 16,
        name: str = "",
        buffer_size: int = 64,
        health_interval: float = 1.0,
        health_timeout: float = 30.0,
        startup_timeout: float = 120.0,
    ) -> None:
        if workers < 1 or queue_size < 0 or buffer_size < 1:
            raise ValueError("workers and buffer_size must be >= 1, queue_size >= 0")
        self.model_path = Path(model_path)
        self.name = name or self.model_path.name
        self._size = workers
        self._queue_size = queue_size
        self._buffer_size = buffer_size
        self._health_interval = health_interval
        self._health_timeout = health_timeout
        self._startup_timeout = startup_timeout
        self._state = "stopped"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[_Worker | None] = [None] * workers
        self._failures = [0] * workers
        self._restarts: list[asyncio.TimerHandle | None] = [None] * workers
        self._queue: deque[RequestState] = deque()
        self._ids = itertools.count(1)
        self._supervisor: asyncio.Task[None] | None = None
        self._changed: asyncio.Event | None = None
        self._startup_failed = False
        self._last_error = ""
        self._finished: deque[tuple[float, int, float]] = deque()

    async def start(self, *, all_workers: bool = False) -> None:
        """Start the workers and wait until one (or, with ``all_workers``, each) is ready.

        Raises ``GenerationError`` if no worker can load the model.
        """
        self._ensure_started(asyncio.get_running_loop())
        assert self._changed is not None
        wanted = self._size if all_workers else 1
        while sum(bool(worker and worker.ready) for worker in self._workers) < wanted:
            if self._startup_failed:
                raise GenerationError(f"no worker could start: {self._last_error}")
            if self._state != "running":
                raise GenerationError("the pool was shut down while starting")
            self._changed.clear()
            await self._changed.wait()

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        *,
        timeout: float | None = None,
    ) -> AsyncGenerationStream:
        """Queue a generation and return its stream (call from the event loop).

        ``timeout`` bounds the whole request, queueing included; on expiry the generation
        stops and the result's ``finish_reason`` is ``"timeout"``. Raises ``QueueFullError``
        when ``queue_size`` requests are already waiting for a worker.
        """
        loop = asyncio.get_running_loop()
        if self._state == "stopping":
            raise GenerationError(f"pool {self.name!r} is shutting down")
        self._ensure_started(loop)
        request = RequestState(
            next(self._ids),
            list(messages),
            params or GenerationParams(),
            window=self._buffer_size,
            loop=loop,
            send_credit=self._send_credit,
            request_cancel=self._cancel,
        )
        self._queue.append(request)
        self._dispatch()
        if len(self._queue) > self._queue_size:
            self._queue.pop()  # no idle worker took it, and the queue is at its bound
            raise QueueFullError(
                f"pool {self.name!r}: {self._queue_size} requests already waiting for a worker"
            )
        if timeout is not None:
            request.timer = loop.call_later(timeout, request.cancel, "timeout")
        return AsyncGenerationStream(request)

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel running requests, fail queued ones, and stop every worker process."""
        if self._state in ("stopped", "stopping"):
            return
        loop = asyncio.get_running_loop()
        self._state = "stopping"
        if self._supervisor is not None:
            self._supervisor.cancel()
        for slot, handle in enumerate(self._restarts):
            if handle is not None:
                handle.cancel()
                self._restarts[slot] = None
        while self._queue:
            self._queue.popleft().fail(GenerationError(f"pool {self.name!r} shut down"))
        workers = [worker for worker in self._workers if worker is not None]
        for worker in workers:
            if worker.request is not None:
                worker.request.cancel("cancelled")
            self._send(worker, ("stop",))
        await asyncio.gather(
            *(loop.run_in_executor(None, worker.process.join, timeout) for worker in workers)
        )
        for worker in workers:
            self._lose(worker, "was stopped")
        self._state = "stopped"
        if self._changed is not None:
            self._changed.set()

    async def restart(self) -> None:
        """Stop everything and start fresh workers (e.g. after the model changed on disk)."""
        await self.shutdown()
        await self.start()

    def stats(self) -> PoolStats:
        """Current state, worker counts, load and recent throughput."""
        live = [worker for worker in self._workers if worker is not None]
        ready = [worker for worker in live if worker.ready]
        state = self._state
        if state == "running":
            state = (
                "starting" if not ready else "running" if len(ready) == self._size else "degraded"
            )
        horizon = time.monotonic() - _THROUGHPUT_WINDOW
        recent = [(tokens, seconds) for at, tokens, seconds in self._finished if at >= horizon]
        seconds = sum(seconds for _, seconds in recent)
        return PoolStats(
            state=state,
            workers_alive=sum(worker.process.is_alive() for worker in live),
            workers_total=self._size,
            in_flight=sum(worker.request is not None for worker in live),
            queued=len(self._queue),
            tokens_per_second=sum(tokens for tokens, _ in recent) / seconds if seconds else 0.0,
            last_error=self._last_error,
        )

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring, and for tests that kill one)."""
        return [w.process.pid for w in self._workers if w is not None and w.process.pid]

    # -- supervision ------------------------------------------------------------------

    def _ensure_started(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._state == "running":
            if loop is not self._loop:
                raise RuntimeError(f"pool {self.name!r} is bound to another event loop")
            return
        self._loop = loop
        self._state = "running"
        self._startup_failed = False
        self._changed = asyncio.Event()
        self._failures = [0] * self._size
        for slot in range(self._size):
            self._spawn(slot)
        self._supervisor = loop.create_task(self._supervise(), name=f"djtalu-pool-{self.name}")

    def _spawn(self, slot: int) -> None:
        assert self._loop is not None
        self._restarts[slot] = None
        if self._state != "running":
            return
        context = multiprocessing.get_context("spawn")
        parent_conn, child_conn = context.Pipe()
        process = context.Process(
            target=worker_main,
            args=(child_conn, str(self.model_path)),
            name=f"djtalu-worker-{self.name}-{slot}",
            daemon=True,
        )
        process.start()
        child_conn.close()  # so the parent sees EOF when the worker dies
        writer = MessageWriter(
            parent_conn.fileno(), self._loop, lambda exc: self._lose(worker, "closed its pipe")
        )
        worker = _Worker(slot, process, parent_conn, writer)
        self._workers[slot] = worker
        self._loop.add_reader(parent_conn.fileno(), self._on_readable, worker)

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(self._health_interval)
            now = time.monotonic()
            for worker in list(self._workers):
                if worker is None:
                    continue
                if not worker.process.is_alive():
                    self._lose(worker, "exited")
                elif not worker.ready and now - worker.spawned > self._startup_timeout:
                    self._lose(worker, f"did not load the model within {self._startup_timeout}s")
                elif worker.ping_sent is not None:
                    if now - worker.ping_sent > self._health_timeout:
                        self._lose(worker, "stopped answering health checks")
                elif worker.ready and self._send(worker, ("ping",)):
                    worker.ping_sent = now

    def _on_readable(self, worker: _Worker) -> None:
        """One read of what the pipe holds. What a wake-up handles stays small: a read is
        bounded, and a worker runs at most a credit window of pieces ahead."""
        try:
            messages = worker.reader.read()
        except (EOFError, OSError):
            self._lose(worker, worker.fatal or "exited")
            return
        for message in messages:
            if self._workers[worker.slot] is not worker:
                return  # lost meanwhile (a send to it failed): the rest is for nobody
            self._handle(worker, message)

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        request = worker.request
        if kind == "piece":
            if request is not None and request.id == message[1]:
                request.deliver(message[2])
        elif kind in ("done", "error"):
            if request is not None and request.id == message[1]:
                worker.request = None
                if kind == "done":
                    self._record(message[2])
                    request.complete(message[2])
                else:
                    self._last_error = message[2]
                    request.fail(GenerationError(message[2]))
            self._dispatch()
        elif kind == "pong":
            worker.ping_sent = None
        elif kind == "ready":
            worker.ready = True
            self._failures[worker.slot] = 0
            self._startup_failed = False
            logger.info("pool %s: worker %s ready in %.2fs", self.name, message[1], message[2])
            self._notify()
            self._dispatch()
        elif kind == "fatal":
            worker.fatal = message[1]

    def _lose(self, worker: _Worker, reason: str) -> None:
        """Forget a worker that died, hung or was stopped; fail its request; maybe respawn."""
        if self._workers[worker.slot] is not worker:
            return
        assert self._loop is not None
        self._workers[worker.slot] = None
        self._loop.remove_reader(worker.conn.fileno())
        worker.reader.close()
        worker.writer.close()
        worker.conn.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=1.0)
        description = f"worker {worker.process.pid} {reason} (exit code {worker.process.exitcode})"
        if self._state == "running":
            self._last_error = description
            logger.warning("pool %s: %s", self.name, description)
        if worker.request is not None:
            if self._state == "running":
                error: GenerationError = WorkerCrashedError(
                    f"{description} during this generation; it was replaced"
                )
            else:
                error = GenerationError(f"pool {self.name!r} shut down during this generation")
            worker.request.fail(error)
            worker.request = None
        if not worker.ready and not any(self._workers):
            # Every slot died before loading the model: fail fast instead of queueing forever.
            self._startup_failed = True
            while self._queue:
                self._queue.popleft().fail(GenerationError(f"no worker could start: {reason}"))
        self._notify()
        if self._state == "running":
            self._failures[worker.slot] += 1
            delay = min(_BACKOFF_BASE * 2 ** (self._failures[worker.slot] - 1), _BACKOFF_MAX)
            self._restarts[worker.slot] = self._loop.call_later(delay, self._spawn, worker.slot)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    # -- requests ---------------------------------------------------------------------

    def _dispatch(self) -> None:
        for worker in self._workers:
            if worker is None or not worker.ready or worker.request is not None:
                continue
            while self._queue:
                request = self._queue.popleft()
                if request.done:
                    continue
                message = ("generate", request.id, request.messages, request.params, request.window)
                if self._send(worker, message):
                    worker.request = request
                    request.assigned = time.monotonic()
                else:  # that worker is gone; the request never started, so keep its place
                    self._queue.appendleft(request)
                break

    def _send(self, worker: _Worker, message: tuple[Any, ...]) -> bool:
        """Queue ``message`` for ``worker`` without waiting; False if its pipe is broken."""
        try:
            worker.writer.send(message)
        except OSError:
            self._lose(worker, "closed its pipe")
            return False
        return True

    def _send_credit(self, request: RequestState, count: int) -> None:
        worker = self._worker_for(request)
        if worker is not None:
            self._send(worker, ("credit", request.id, count))

    def _cancel(self, request: RequestState) -> None:
        worker = self._worker_for(request)
        if worker is not None:
            self._send(worker, ("cancel", request.id))
        else:
            if request in self._queue:
                self._queue.remove(request)
            request.complete(None)

    def _worker_for(self, request: RequestState) -> _Worker | None:
        for worker in self._workers:
            if worker is not None and worker.request is request:
                return worker
        return None

    def _record(self, result: GenerationResult) -> None:
        now = time.monotonic()
        # decode_rate's terms, so the sum over replies is the same figure for all of them.
        decoded = max(result.completion_tokens - 1, 0)
        self._finished.append((now, decoded, result.timings["decode"]))
        while self._finished and self._finished[0][0] < now - _THROUGHPUT_WINDOW:
            self._finished.popleft()
