"""Async sources shared by the transport tests."""

import asyncio
from collections.abc import AsyncIterator


async def first_then_forever(first: str, events: list[str]) -> AsyncIterator[str]:
    """``first``, then a wait that never ends; records being cancelled and being closed."""
    try:
        yield first
        await asyncio.sleep(3600)
        yield "never"
    except asyncio.CancelledError:
        events.append("cancelled")
        raise
    finally:
        events.append("closed")
