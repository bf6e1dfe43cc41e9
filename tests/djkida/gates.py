"""Gates: sources of the test servers that resolve when a test says, not after a delay.

A view reads ``?key=@NAME`` (see ``when``) and its source waits for gate NAME, which the test
opens with ``release(server, NAME)`` (a request to ``/release/?gate=NAME``). Releasing one
gate, reading what arrived, then releasing the next asserts order without depending on how
fast the machine is; ``streamed`` reads a response body in steps in between.
"""

import asyncio
import codecs
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from django.http import HttpRequest, HttpResponse

from tests.servers import LiveServer

#: The gates of this server process by name.
gates: dict[str, asyncio.Event] = {}

#: When a source resolves: seconds from now, or ``@NAME``: once gate NAME is released.
When = float | str


def when(request: HttpRequest, key: str, default: float) -> When:
    """``?key=`` as seconds, or as a gate's ``@NAME``."""
    value = request.GET.get(key, default)
    return value if isinstance(value, str) and value.startswith("@") else float(value)


async def wait(until: When) -> None:
    """Sleep that long, or wait until the gate is released."""
    if isinstance(until, str):
        await gates.setdefault(until.removeprefix("@"), asyncio.Event()).wait()
    else:
        await asyncio.sleep(until)


def open_gate(name: str) -> None:
    """Let this process's sources waiting for gate ``name`` resolve (and later ones at once).

    Call it on the event loop where they wait (asyncio.Event is not thread-safe)."""
    gates.setdefault(name, asyncio.Event()).set()


async def release_view(request: HttpRequest) -> HttpResponse:
    """``open_gate(?gate=)``; async, so it runs on the server's event loop."""
    open_gate(request.GET["gate"])
    return HttpResponse(status=204)


def new_gates(*names: str) -> list[str]:
    """Gate names no other test uses (a server keeps its gates for its lifetime)."""
    unique = uuid.uuid4().hex
    return [f"{name}-{unique}" for name in names]


def release(server: LiveServer, gate: str) -> None:
    """Let the sources waiting for ``gate`` on ``server`` resolve."""
    assert httpx.get(f"{server.url}/release/?gate={gate}", timeout=30).status_code == 204


class Body:
    """A response body read as it arrives, so a test can release gates between reads."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.text = ""
        self._raw = response.iter_raw()
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def until(self, text: str) -> str:
        """Everything received once ``text`` has arrived."""
        while text not in self.text:
            chunk = next(self._raw, None)
            assert chunk is not None, f"{text!r} never arrived in {self.text!r}"
            self.text += self._decoder.decode(chunk)
        return self.text

    def rest(self) -> str:
        """The whole body, read to its end."""
        for chunk in self._raw:
            self.text += self._decoder.decode(chunk)
        self.text += self._decoder.decode(b"", final=True)
        return self.text


@contextmanager
def streamed(url: str, headers: dict[str, str] | None = None) -> Iterator[Body]:
    with httpx.Client(timeout=30) as client, client.stream("GET", url, headers=headers) as got:
        yield Body(got)
