"""Real ASGI servers (daphne, uvicorn) in subprocesses on free loopback ports, for tests.

A server is started with the settings module the test names and torn down with it, so tests can
measure what a browser or client really sees over TCP: streaming, disconnects, cross-process
broadcasts.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveServer:
    """A running server: where to reach it and its process."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


def server_command(kind: str, app: str, port: int) -> list[str]:
    """The command line that serves ``app`` with daphne or uvicorn on ``port``."""
    if kind == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", app,
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]  # fmt: skip
    raise ValueError(f"unknown server kind {kind!r}: use 'daphne' or 'uvicorn'")


def wait_until_listening(server: LiveServer, deadline: float) -> None:
    """Block until the server accepts TCP connections, or raise with its output."""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"server exited with {server.process.returncode}:\n{server.output()}"
            )
        try:
            with socket.create_connection((server.host, server.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"server on port {server.port} did not start in {STARTUP_TIMEOUT}s")


@contextmanager
def live_server(
    *,
    settings: str = "tests.settings",
    app: str = "demo_project.asgi:application",
    kind: str = "daphne",
    env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """Serve ``app`` under ``settings`` with a real ``kind`` server for the ``with`` body.

    Example::

        with live_server(settings="tests.djkida.stream_settings") as server:
            httpx.get(server.url + "/")
    """
    port = free_port()
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONUNBUFFERED": "1"}
    environ.update(env or {})
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one blocks the server.
    with tempfile.NamedTemporaryFile(
        prefix=f"{kind}-{port}-", suffix=".log", delete=False
    ) as log_file:
        process = subprocess.Popen(
            server_command(kind, app, port),
            cwd=ROOT,
            env=environ,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer("127.0.0.1", port, process, Path(log_file.name))
    try:
        wait_until_listening(server, time.monotonic() + STARTUP_TIMEOUT)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server.log.unlink(missing_ok=True)
