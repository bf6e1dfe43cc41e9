"""The dashboards' data: four sources of a made-up shop, each with its own latency.

Every latency is a base time multiplied by the page's ``?delay=`` scale, and every value says
how long after the request its source began and when it was ready, so the pages can show what
arrived when (and tests, that the sources ran side by side: each began before any was ready).
The numbers are derived from the date (stable within a day, different tomorrow).
"""

import asyncio
import datetime
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

#: Base latencies in seconds (times the ``?delay=`` scale).
METRICS_LATENCY = 0.3
ORDER_INTERVAL = 0.25
FORECAST_LATENCY = 1.5
RECOMMENDATIONS_LATENCY = 0.9
ORDER_COUNT = 6

PRODUCTS = ["Sourdough loaf", "Rye bread", "Croissant", "Cinnamon roll", "Baguette", "Brioche"]
CUSTOMERS = ["Ada", "Grace", "Linus", "Margaret", "Guido", "Barbara", "Ken", "Radia"]
STATUSES = ["paid", "packed", "shipped"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class RecommendationsUnavailable(RuntimeError):
    """The (pretend) recommendation service is down: the suspense page shows its fallback."""


@dataclass(frozen=True)
class Metric:
    """One headline number and its change against yesterday, in percent."""

    label: str
    value: str
    change: float


@dataclass(frozen=True)
class Metrics:
    """Today's headline numbers, and when they were ready."""

    items: list[Metric]
    began_after: float
    ready_after: float


@dataclass(frozen=True)
class Order:
    """One row of the orders table, and when it was ready."""

    number: int
    customer: str
    product: str
    amount: float
    status: str
    began_after: float
    ready_after: float


@dataclass(frozen=True)
class ForecastDay:
    """One bar of the forecast chart (``percent`` of the best day)."""

    day: str
    revenue: int
    percent: int


@dataclass(frozen=True)
class Forecast:
    """Next week's revenue; ``computed_at`` shows whether it came from the cache."""

    days: list[ForecastDay]
    total: int
    computed_at: datetime.datetime
    began_after: float
    ready_after: float


def parse_delay(raw: str | None) -> float:
    """The ``?delay=`` scale: a number of seconds from 0 to 10 (default 1).

    Raises ``ValueError`` with a message for the page when it is anything else.
    """
    if raw is None or raw == "":
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        raise ValueError(f"delay must be a number of seconds, not {raw!r}") from None
    if not 0 <= scale <= 10:
        raise ValueError(f"delay must be between 0 and 10 seconds, not {scale:g}")
    return scale


def todays_random(salt: str) -> random.Random:
    """A generator seeded by today's date, so numbers hold still between reloads."""
    return random.Random(f"{datetime.date.today().isoformat()}:{salt}")


async def metrics(scale: float, started: float) -> Metrics:
    """Today's headline numbers: the fast source."""
    began = time.monotonic() - started
    await asyncio.sleep(METRICS_LATENCY * scale)
    rng = todays_random("metrics")
    visitors = rng.randint(1800, 2600)
    orders = rng.randint(90, 160)
    items = [
        Metric("Visitors", f"{visitors:,}", rng.uniform(-8, 12)),
        Metric("Orders", str(orders), rng.uniform(-5, 15)),
        Metric("Revenue", f"€{orders * rng.uniform(18, 26):,.0f}", rng.uniform(-4, 18)),
        Metric("Conversion", f"{orders / visitors:.1%}", rng.uniform(-2, 3)),
    ]
    return Metrics(items, began, time.monotonic() - started)


async def orders(scale: float, started: float) -> AsyncIterator[Order]:
    """The latest orders, one row at a time: the source a template consumes as it streams."""
    began = time.monotonic() - started
    rng = todays_random("orders")
    for index in range(ORDER_COUNT):
        await asyncio.sleep(ORDER_INTERVAL * scale)
        yield Order(
            number=4812 - index,
            customer=rng.choice(CUSTOMERS),
            product=rng.choice(PRODUCTS),
            amount=round(rng.uniform(4, 60), 2),
            status=STATUSES[min(index // 2, len(STATUSES) - 1)],
            began_after=began,
            ready_after=time.monotonic() - started,
        )


async def order_list(scale: float, started: float) -> list[Order]:
    """All of :func:`orders` at once (suspense waits for awaitables, not iterables)."""
    return [order async for order in orders(scale, started)]


async def forecast(scale: float, started: float) -> Forecast:
    """Next week's revenue forecast: the slow source (the one worth caching)."""
    began = time.monotonic() - started
    await asyncio.sleep(FORECAST_LATENCY * scale)
    rng = todays_random("forecast")
    revenues = [rng.randint(1800, 4200) for _ in WEEKDAYS]
    peak = max(revenues)
    days = [
        ForecastDay(day, revenue, round(100 * revenue / peak))
        for day, revenue in zip(WEEKDAYS, revenues, strict=True)
    ]
    now = datetime.datetime.now(datetime.UTC)
    return Forecast(days, sum(revenues), now, began, time.monotonic() - started)


async def recommendations(scale: float, started: float) -> list[str]:
    """A source that always fails, late: what a page does when one backend is down."""
    await asyncio.sleep(RECOMMENDATIONS_LATENCY * scale)
    raise RecommendationsUnavailable(
        f"the recommendation service did not answer ({time.monotonic() - started:.2f} s)"
    )
