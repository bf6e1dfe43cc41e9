"""A worker's pipe in the parent, read and written without ever waiting on the worker.

A worker writes each message with ``Connection.send``: a 4-byte big-endian length (or -1 then
an 8-byte length, from 2 GiB on), then the pickle. ``Connection.recv`` returns only a whole
message, so once ``poll()`` has seen the first bytes of one larger than the socket's buffer (a
long error, a big result) it blocks the event loop until the worker has written the rest, and
forever if the worker stops mid-write. :class:`MessageReader` takes only what the socket holds,
with a non-blocking receive, and hands over the messages that completes.

Sending has the same trap the other way: ``Connection.send`` of a message larger than the
socket's buffer (a long prompt) waits until the worker has read the rest, and forever if the
worker has stopped reading. :class:`MessageWriter` frames messages the way ``Connection.send``
does (so the worker's ``recv`` reads them), writes what the socket takes now, and leaves the
rest to the loop's writer callback.
"""

import asyncio
import os
import pickle
import socket
import struct
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from typing import Any

_LENGTH = struct.Struct("!i")
_LARGE_LENGTH = struct.Struct("!Q")
#: Bytes taken per read: with one read per wake-up, what one wake-up can cost.
_READ_SIZE = 64 * 1024
#: Lengths from here on take the large header, as in ``Connection._send_bytes``.
_LARGE = 0x7FFFFFFF


class MessageReader:
    """The parent's end of a worker pipe, read a piece at a time.

    Call :meth:`read` when the pipe is readable (``loop.add_reader``); it never waits.

    Example::

        reader = MessageReader(conn.fileno())
        loop.add_reader(conn.fileno(), lambda: handle_all(reader.read()))
    """

    def __init__(self, fd: int) -> None:
        # A socket object over a duplicate of the pipe's descriptor (a duplex multiprocessing
        # Pipe is a Unix socket pair), so each receive is MSG_DONTWAIT while the connection
        # itself stays blocking for the parent's sends.
        self._sock = socket.socket(fileno=os.dup(fd))
        self._buffer = bytearray()

    def read(self) -> list[Any]:
        """The messages completed by what the pipe holds now (often none for a big message).

        Raises ``EOFError`` once the worker's end is closed, ``OSError`` if the pipe broke.
        """
        try:
            data = self._sock.recv(_READ_SIZE, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return []
        if not data:
            raise EOFError("the worker closed its end of the pipe")
        self._buffer += data
        return self._complete_messages()

    def close(self) -> None:
        """Close this reader's descriptor (the connection closes its own)."""
        self._sock.close()

    def _complete_messages(self) -> list[Any]:
        buffer = self._buffer
        messages = []
        start = 0
        while True:
            body = _body_span(buffer, start)
            if body is None:
                break
            begin, end = body
            messages.append(pickle.loads(buffer[begin:end]))
            start = end
        del buffer[:start]
        return messages


class MessageWriter:
    """The parent's end of a worker pipe, written without waiting for the worker to read.

    :meth:`send` queues a message and writes what the socket accepts at once; while bytes are
    left, ``loop.add_writer`` writes more each time the socket has room. Messages go out whole
    and in order. A pipe that breaks while bytes are pending is reported to ``on_error``.

    Example::

        writer = MessageWriter(conn.fileno(), loop, on_error=lambda exc: lose(worker))
        writer.send(("generate", 1, messages, params, 64))
    """

    def __init__(
        self,
        fd: int,
        loop: asyncio.AbstractEventLoop,
        on_error: Callable[[OSError], None],
    ) -> None:
        # A duplicate descriptor, as for MessageReader, so each send is MSG_DONTWAIT.
        self._sock = socket.socket(fileno=os.dup(fd))
        self._loop = loop
        self._on_error = on_error
        self._buffer = bytearray()
        self._watching = False

    @property
    def pending(self) -> int:
        """Bytes queued that the worker's socket has not taken yet."""
        return len(self._buffer)

    def send(self, message: Any) -> None:
        """Queue ``message`` and write what fits now; never waits.

        Raises ``OSError`` if the pipe is already known to be broken.
        """
        body = ForkingPickler.dumps(message)
        if len(body) > _LARGE:
            self._buffer += _LENGTH.pack(-1) + _LARGE_LENGTH.pack(len(body))
        else:
            self._buffer += _LENGTH.pack(len(body))
        self._buffer += body
        if not self._watching:
            self._write()
            if self._buffer:
                self._loop.add_writer(self._sock.fileno(), self._on_writable)
                self._watching = True

    def close(self) -> None:
        """Stop writing, drop what is pending and close this writer's descriptor."""
        if self._watching:
            self._loop.remove_writer(self._sock.fileno())
            self._watching = False
        self._buffer.clear()
        self._sock.close()

    def _write(self) -> None:
        while self._buffer:
            try:
                sent = self._sock.send(self._buffer, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return
            del self._buffer[:sent]

    def _on_writable(self) -> None:
        try:
            self._write()
        except OSError as exc:
            self.close()
            self._on_error(exc)
            return
        if not self._buffer:
            self._loop.remove_writer(self._sock.fileno())
            self._watching = False


def _body_span(buffer: bytearray, start: int) -> tuple[int, int] | None:
    """Where the body of the message at ``start`` lies, if all of it has arrived."""
    if len(buffer) - start < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack_from(buffer, start)
    begin = start + _LENGTH.size
    if size == -1:
        if len(buffer) - begin < _LARGE_LENGTH.size:
            return None
        (size,) = _LARGE_LENGTH.unpack_from(buffer, begin)
        begin += _LARGE_LENGTH.size
    end = begin + size
    return (begin, end) if end <= len(buffer) else None
