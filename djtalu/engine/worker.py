"""The worker process: loads the model once, runs one generation at a time over a pipe.

Protocol (tuples over a duplex ``multiprocessing`` pipe):

parent -> worker: ``("generate", id, messages, params, window)``, ``("credit", id, n)``,
``("cancel", id)``, ``("ping",)``, ``("stop",)``.
worker -> parent: ``("ready", pid, load_seconds)``, ``("fatal", message)``,
``("piece", id, text)``, ``("done", id, GenerationResult)``, ``("error", id, message)``,
``("pong",)``.

Flow control: a generation may send ``window`` pieces ahead of the parent's credits; with no
credit left the worker stops pulling tokens from talu (which pauses the model) and waits for
``credit`` or ``cancel``. Control messages are read between tokens, so a cancel stops the
generation within one token.
"""

import os
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from djtalu.engine.generator import Generator, Message
from djtalu.engine.params import GenerationParams


def worker_main(conn: Connection, model_path: str) -> None:
    """Process entry point (spawn): serve requests until ``stop`` or the parent goes away."""
    # Ctrl-C reaches the whole process group; the supervising parent decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        generator = Generator(Path(model_path))
    except Exception as exc:  # reported to the supervisor, which backs off and retries
        conn.send(("fatal", f"cannot load model {model_path}: {exc!r}"))
        return
    conn.send(("ready", os.getpid(), generator.load_seconds))
    try:
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            if message[0] == "ping":
                conn.send(("pong",))
            elif message[0] == "generate":
                _, request_id, messages, params, window = message
                if not _GenerationSession(conn, request_id, window).run(
                    generator, messages, params
                ):
                    return
            # Late credit/cancel for a finished request: nothing to do.
    except (EOFError, BrokenPipeError):
        return  # the parent is gone
    finally:
        generator.close()


class _GenerationSession:
    """One request in the worker: streams pieces within the credit window, obeys cancel."""

    def __init__(self, conn: Connection, request_id: int, window: int) -> None:
        self._conn = conn
        self._id = request_id
        self._credits = window
        self._cancelled = False
        self._stop_worker = False

    def run(self, generator: Generator, messages: list[Message], params: GenerationParams) -> bool:
        """Serve the request; False when the parent asked the worker to stop meanwhile."""
        try:
            generation = generator.generate(messages, params, self._should_stop)
            for piece in generation:
                self._conn.send(("piece", self._id, piece))
                self._credits -= 1
                while self._credits <= 0 and not self._cancelled:
                    self._handle(self._conn.recv())
            self._conn.send(("done", self._id, generation.result()))
        except (EOFError, BrokenPipeError):
            raise
        except Exception as exc:
            self._conn.send(("error", self._id, f"{type(exc).__name__}: {exc}"))
        return not self._stop_worker

    def _should_stop(self) -> bool:
        while not self._cancelled and self._conn.poll():
            self._handle(self._conn.recv())
        return self._cancelled

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ping":
            self._conn.send(("pong",))
        elif kind == "stop":
            self._cancelled = self._stop_worker = True
        elif kind == "cancel" and message[1] == self._id:
            self._cancelled = True
        elif kind == "credit" and message[1] == self._id:
            self._credits += message[2]
