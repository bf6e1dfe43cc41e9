"""Views of the suspense tests: sources with delays, failures and cache hits set per request.

When each source resolves comes from the query string, so one view covers every order: a
number of seconds (``?stats=0.2``), or ``@NAME`` (``?stats=@s1``): when the test calls
``/release/?gate=NAME`` (``tests.djkida.gates``).
"""

import asyncio
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

import djkida
from djkida.cache import DeferredCache
from tests.djkida.gates import When, wait, when
from tests.djkida.markers import write_marker

STATS = {"total": 42}
stats_cache: DeferredCache[dict[str, int]] = DeferredCache(default_ttl=60)
FEED = ["first <post>", "second post"]
ORDERS = ["A-1", "A-2"]


async def after(until: When, value: Any) -> Any:
    """``value``, once ``until`` has come."""
    await wait(until)
    return value


async def broken(until: When) -> Any:
    """A source that fails once ``until`` has come."""
    await wait(until)
    raise LookupError("stats <backend> is down")


async def dashboard(request: HttpRequest) -> StreamingHttpResponse:
    """Stats after ``?stats=`` seconds, the feed after ``?feed=`` seconds."""
    context = {
        "user_name": "Ada",
        "stats": after(when(request, "stats", 0.2), STATS),
        "feed": after(when(request, "feed", 1.0), FEED),
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
    resolves = when(request, "stats", 0.1)
    context = {
        "orders": after(when(request, "orders", 0.4), ORDERS),
        "stats": broken(resolves) if "fail" in request.GET else after(resolves, STATS),
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
    resolves = when(request, "stats", 0.2)
    stats = await stats_cache.get_or_defer(request.GET["key"], lambda: after(resolves, STATS))
    context = {"user_name": "Ada", "stats": stats, "feed": FEED}
    return await djkida.suspense(request, "suspense/page.html", context)


async def endless(request: HttpRequest) -> StreamingHttpResponse:
    """A feed that never resolves; when cancelled it writes ``?marker=``."""
    marker = Path(request.GET["marker"])

    async def never() -> Any:
        try:
            await asyncio.sleep(3600)
        finally:
            write_marker(marker, "cancelled")

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
