"""Views of the suspense tests: sources with delays, failures and cache hits set per request.

When each source resolves comes from the query string, so one view covers every order: a
number of seconds (``?stats=0.2``), or ``@NAME`` (``?stats=@s1``): when the test calls
``/release/?gate=NAME``. Gates let a test assert order (the shell before any source, stats
before the feed) without depending on how fast the machine is.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

import djkida
from djkida.cache import DeferredCache

STATS = {"total": 42}
stats_cache: DeferredCache[dict[str, int]] = DeferredCache(default_ttl=60)
FEED = ["first <post>", "second post"]
ORDERS = ["A-1", "A-2"]


#: Gates of this server process by name, opened by ``/release/?gate=NAME``.
gates: dict[str, asyncio.Event] = {}

#: When a source resolves: seconds from now, or ``@NAME``: once gate NAME is released.
When = float | str


def gate(name: str) -> asyncio.Event:
    return gates.setdefault(name, asyncio.Event())


async def wait(when: When) -> None:
    if isinstance(when, str):
        await gate(when.removeprefix("@")).wait()
    else:
        await asyncio.sleep(when)


async def after(when: When, value: Any) -> Any:
    """``value``, once ``when`` has come."""
    await wait(when)
    return value


async def broken(when: When) -> Any:
    """A source that fails once ``when`` has come."""
    await wait(when)
    raise LookupError("stats <backend> is down")


def delay(request: HttpRequest, key: str, default: float) -> When:
    """``?key=`` as seconds, or as a gate's ``@NAME``."""
    value = request.GET.get(key, default)
    return value if isinstance(value, str) and value.startswith("@") else float(value)


async def release(request: HttpRequest) -> HttpResponse:
    """Open gate ``?gate=NAME``: the sources waiting for it resolve (and later ones at once).

    Async, so it runs on the server's event loop, where the sources wait."""
    gate(request.GET["gate"]).set()
    return HttpResponse(status=204)


async def dashboard(request: HttpRequest) -> StreamingHttpResponse:
    """Stats after ``?stats=`` seconds, the feed after ``?feed=`` seconds."""
    context = {
        "user_name": "Ada",
        "stats": after(delay(request, "stats", 0.2), STATS),
        "feed": after(delay(request, "feed", 1.0), FEED),
        "htmx_script": htmx_script(request),
    }
    return await djkida.suspense(request, "suspense/page.html", context)


async def ping(request: HttpRequest) -> HttpResponse:
    """What the shell's ``hx-trigger="load"`` element calls (counted by the browser test)."""
    await asyncio.sleep(1.5)
    return HttpResponse(status=204)


def htmx_script(request: HttpRequest) -> str:
    """htmx 2, or htmx 4 with ``?htmx=4`` (django-htmx's bundled files)."""
    return "htmx-4.min.js" if request.GET.get("htmx") == "4" else "htmx-2.min.js"


def start(request: HttpRequest) -> HttpResponse:
    """A page with nothing deferred whose links load suspense pages with htmx.

    The query string (``?htmx=4&stats=0.5&feed=1.5``) is passed on to the dashboard and the
    nested page.
    """
    query = request.GET.urlencode()
    context = {
        "dashboard_url": f"/dashboard/?{query}",
        "nested_url": f"/nested/?{query}",
        "htmx_script": htmx_script(request),
    }
    return render(request, "suspense/start.html", context)


async def nested(request: HttpRequest) -> StreamingHttpResponse:
    """The board (orders after ``?orders=`` seconds) holds the stats block (stats after
    ``?stats=`` seconds, failing with ``?fail=1``), which shows ``stats.total`` itself and in a
    nested block."""
    when = delay(request, "stats", 0.1)
    context = {
        "orders": after(delay(request, "orders", 0.4), ORDERS),
        "stats": broken(when) if "fail" in request.GET else after(when, STATS),
        "htmx_script": htmx_script(request),
    }
    return await djkida.suspense(request, "suspense/nested.html", context)


async def missing(request: HttpRequest) -> StreamingHttpResponse:
    """A page whose shell leaves out the element its deferred block replaces."""
    context = {"show": False, "stats": after(0.05, STATS)}
    return await djkida.suspense(request, "suspense/missing.html", context)


async def failing(request: HttpRequest) -> StreamingHttpResponse:
    """Stats fail, the feed outlives its timeout, the greeting's key arrives fine."""
    context = {
        "user_name": after(0.05, "Ada"),
        "stats": broken(0.1),
        "feed": after(30, FEED),
    }
    return await djkida.suspense(
        request,
        "suspense/page.html",
        context,
        timeout={"feed": 0.4},
        error_block="section_error" if "error_block" in request.GET else None,
    )


async def cached(request: HttpRequest) -> StreamingHttpResponse:
    """Stats are a cache hit (a plain value); only the feed is deferred."""
    context = {"user_name": "Ada", "stats": STATS, "feed": after(0.2, FEED)}
    return await djkida.suspense(request, "suspense/page.html", context)


async def cache_backed(request: HttpRequest) -> StreamingHttpResponse:
    """Stats through DeferredCache under ``?key=`` (resolving at ``?stats=``): deferred on a
    miss, in the shell on a hit."""
    when = delay(request, "stats", 0.2)
    stats = await stats_cache.get_or_defer(request.GET["key"], lambda: after(when, STATS))
    context = {"user_name": "Ada", "stats": stats, "feed": FEED}
    return await djkida.suspense(request, "suspense/page.html", context)


async def endless(request: HttpRequest) -> StreamingHttpResponse:
    """A feed that never resolves; when cancelled it writes the time to ``?marker=``."""
    marker = Path(request.GET["marker"])

    async def never() -> Any:
        try:
            await asyncio.sleep(3600)
        finally:
            marker.write_text(repr(time.monotonic()))  # noqa: ASYNC240 - one tiny write

    context = {"user_name": "Ada", "stats": after(0.05, STATS), "feed": never()}
    return await djkida.suspense(request, "suspense/page.html", context)


async def misconfigured(request: HttpRequest) -> StreamingHttpResponse:
    """``?case=unknown-block``, ``unknown-error-block`` or ``unused-key``: each fails before the
    first byte."""
    context = {"user_name": "Ada", "stats": after(0.1, STATS), "feed": after(0.1, FEED)}
    case = request.GET["case"]
    if case == "unknown-block":
        return await djkida.suspense(
            request, "suspense/page.html", context, defer_map={"statz": "stats"}
        )
    if case == "unknown-error-block":
        return await djkida.suspense(request, "suspense/page.html", context, error_block="nope")
    context["weather"] = after(0.1, "sunny")
    return await djkida.suspense(request, "suspense/page.html", context)
