"""MessageWriter on its own: framing the worker's ``Connection.recv`` reads, and no waiting."""

import asyncio
import multiprocessing

from djtalu.engine.pipe import MessageWriter


async def test_writer_queues_what_the_socket_cannot_take_and_delivers_it_whole() -> None:
    loop = asyncio.get_running_loop()
    parent, child = multiprocessing.Pipe()
    errors: list[OSError] = []
    writer = MessageWriter(parent.fileno(), loop, errors.append)
    big = ("generate", 1, "x" * (2 * 1024 * 1024))
    try:
        writer.send(("ping",))
        writer.send(big)
        writer.send(("credit", 1, 3))
        assert writer.pending > 0  # returned at once, though nobody reads yet
        received = [await loop.run_in_executor(None, child.recv) for _ in range(3)]
        assert received == [("ping",), big, ("credit", 1, 3)]
        assert writer.pending == 0
        assert errors == []
    finally:
        writer.close()
        parent.close()
        child.close()


async def test_writer_reports_a_pipe_that_breaks_while_bytes_are_pending() -> None:
    loop = asyncio.get_running_loop()
    parent, child = multiprocessing.Pipe()
    broken = asyncio.Event()
    errors: list[OSError] = []

    def on_error(exc: OSError) -> None:
        errors.append(exc)
        broken.set()

    writer = MessageWriter(parent.fileno(), loop, on_error)
    try:
        writer.send("x" * (2 * 1024 * 1024))
        assert writer.pending > 0
        child.close()
        await broken.wait()
        assert isinstance(errors[0], (BrokenPipeError, ConnectionResetError))
        assert writer.pending == 0
    finally:
        writer.close()
        parent.close()
