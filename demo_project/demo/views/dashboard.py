"""The same shop dashboard twice: streamed in document order, and with suspense.

``?delay=SECONDS`` scales every source's latency (default 1, 0 for instant).
"""

import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

import djkida
from demo_project.demo import sources
from demo_project.demo.views.errors import bad_request

#: The forecast is slow to compute and the same for everyone: computed once, kept this long.
FORECAST_TTL = 30.0
forecast_cache: djkida.DeferredCache[sources.Forecast] = djkida.DeferredCache(
    default_ttl=FORECAST_TTL, prefix="demo:dashboard"
)


def _with_delay(
    view: Callable[[HttpRequest, float], Coroutine[Any, Any, HttpResponseBase]],
) -> Callable[[HttpRequest], Coroutine[Any, Any, HttpResponseBase]]:
    """The view given ``?delay=``'s scale, or the site's 400 page saying what was wrong."""

    @functools.wraps(view)
    async def parsed(request: HttpRequest) -> HttpResponseBase:
        try:
            scale = sources.parse_delay(request.GET.get("delay"))
        except ValueError as exc:
            return bad_request(request, str(exc))
        return await view(request, scale)

    return parsed


@_with_delay
async def stream_dashboard(request: HttpRequest, scale: float) -> HttpResponseBase:
    """Progressive rendering: the page leaves at once and grows as each source delivers."""
    started = time.monotonic()
    context = {
        "section": "stream",
        "delay": scale,
        "metrics": sources.metrics(scale, started),
        "orders": sources.orders(scale, started),
        "forecast": sources.forecast(scale, started),
    }
    return await djkida.stream(request, "demo/dashboard_stream.html", context)


@_with_delay
async def stream_metrics(request: HttpRequest, scale: float) -> HttpResponseBase:
    """The streamed dashboard's metrics section alone, for its htmx refresh button: a partial
    name (``template#block``) renders one block of the page."""
    context = {"delay": scale, "metrics": sources.metrics(scale, time.monotonic())}
    return await djkida.stream(request, "demo/dashboard_stream.html#metrics", context)


@_with_delay
async def suspense_dashboard(request: HttpRequest, scale: float) -> HttpResponseBase:
    """Suspense: the whole layout with skeletons at once, each section when its data is in."""
    started = time.monotonic()
    forecast = await forecast_cache.get_or_defer(
        f"forecast:{scale:g}", lambda: sources.forecast(scale, started)
    )
    context = {
        "section": "suspense",
        "delay": scale,
        "forecast_ttl": FORECAST_TTL,
        "metrics": sources.metrics(scale, started),
        "orders": sources.order_list(scale, started),
        "forecast": forecast,
        "recommendations": sources.recommendations(scale, started),
    }
    return await djkida.suspense(
        request, "demo/dashboard_suspense.html", context, error_block="section_error"
    )
