"""Send one rendered event to every client subscribed to a group, from any code in any process.

The sender renders a :class:`~djkida.fragments.Fragment` once; the HTML travels through the
channel layer (``group_send``) to every :mod:`djkida.consumers` consumer of the group, whichever
process serves it (``channels_redis`` across processes). Each event gets a per-group id and is
kept for ``Last-Event-ID`` replay (see :mod:`djkida.replay`).

If the replay storage is unreachable (``DJKIDA_REPLAY_REDIS_URL`` pointing at a Redis that is
down), the event is not lost: a warning is logged (logger ``djkida``) and it is still delivered
live, with ``id`` None. SSE clients get it without an ``id:`` field, so their ``Last-Event-ID``
stays at the last recorded event; it is simply not replayable.

If the channel layer itself is down (Redis refusing connections, or not answering within the
hosts' ``socket_timeout``), :func:`abroadcast` raises :class:`ChannelLayerUnavailable`: nothing
went out live, and the caller says so (what it saved, pages show on their next load).
"""

import hashlib
import json
import logging
import re
from typing import Any, cast

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from djkida.fragments import Fragment
from djkida.replay import EventMessage, ReplayUnavailable, replay_buffer
from djkida.sse import SSEEvent

logger = logging.getLogger("djkida")

MESSAGE_TYPE = "djkida.event"
_VALID_GROUP = re.compile(r"^[a-zA-Z\d\-_.]+$")
# Channels requires len(name) < 100; both prefixes are 9 characters.
_MAX_READABLE = 99 - len("djkida.g.")

Broadcastable = Fragment | SSEEvent | str | dict[str, Any]
#: What a channel layer's calls raise when its server is down or hangs (redis-py's errors,
#: socket errors and timeouts).
LAYER_ERRORS = (RedisError, OSError)


class ChannelLayerUnavailable(Exception):
    """The channel layer could not be reached in time: nothing was sent or subscribed."""


def layer_group(group: str) -> str:
    """The channel-layer group name for any ``group`` string (injective, always valid).

    Names that are already valid stay readable (``room.1`` → ``djkida.g.room.1``); others
    (spaces, unicode, too long) become a hash (``djkida.x.<sha256>``).

    Example::

        layer_group("public.news")  # 'djkida.g.public.news'
    """
    if not isinstance(group, str) or not group:
        raise ValueError(f"group must be a non-empty str, not {group!r}")
    if _VALID_GROUP.match(group) and len(group) <= _MAX_READABLE:
        return f"djkida.g.{group}"
    return f"djkida.x.{hashlib.sha256(group.encode()).hexdigest()[:64]}"


async def _to_message(item: Broadcastable) -> dict[str, Any]:
    """The event without its id: rendered once, in the shape SSE and WebSocket clients need."""
    if isinstance(item, Fragment):
        html = await item.render_async()
        return {"event": item.event_name, "data": html, "html": item.oob_html(html)}
    if isinstance(item, SSEEvent):
        return {"event": item.event, "data": item.data, "html": item.data}
    if isinstance(item, str):
        return {"event": None, "data": item, "html": item}
    if isinstance(item, dict):
        data = json.dumps(item, separators=(",", ":"))
        return {"event": None, "data": data, "html": data}
    raise TypeError(f"broadcast sends a Fragment, SSEEvent, str or dict, not {type(item).__name__}")


async def abroadcast(group: str, item: Broadcastable) -> int | None:
    """Send ``item`` to every subscriber of ``group``; return the event's id.

    The id is None when the replay storage is down: the event went out live but unrecorded.
    :class:`ChannelLayerUnavailable` when the channel layer is down: it did not go out.

    Example::

        await abroadcast("public.scores", Fragment("scores.html", "row", {"s": s}, target="s1"))
    """
    name = layer_group(group)
    content = await _to_message(item)
    content["group"] = group
    event_id: int | None
    try:
        event_id = await replay_buffer().append(name, content)
    except ReplayUnavailable:
        logger.warning("event for %r sent live only, not replayable", group, exc_info=True)
        event_id = None
    message = cast(EventMessage, {"type": MESSAGE_TYPE, "id": event_id, **content})
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("broadcast needs CHANNEL_LAYERS configured in settings")
    try:
        await layer.group_send(name, message)
    except LAYER_ERRORS as exc:
        raise ChannelLayerUnavailable(f"broadcast to {group!r} not sent: {exc}") from exc
    return event_id


def broadcast(group: str, item: Broadcastable) -> int | None:
    """Sync :func:`abroadcast`, for views, signals, management commands and workers.

    Example::

        broadcast("public.news", "<li>Released 1.0</li>")
    """
    event_id: int | None = async_to_sync(abroadcast)(group, item)
    return event_id
