"""Reading a worker's messages in the parent without ever waiting for the rest of one.

A worker writes each message with ``Connection.send``: a 4-byte big-endian length (or -1 then
an 8-byte length, from 2 GiB on), then the pickle. ``Connection.recv`` returns only a whole
message, so once ``poll()`` has seen the first bytes of one larger than the socket's buffer (a
long error, a big result) it blocks the event loop until the worker has written the rest, and
forever if the worker stops mid-write. :class:`MessageReader` takes only what the socket holds,
with a non-blocking receive, and hands over the messages that completes.
"""

import os
import pickle
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!i")
_LARGE_LENGTH = struct.Struct("!Q")
#: Bytes taken per read: with one read per wake-up, what one wake-up can cost.
_READ_SIZE = 64 * 1024


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
