"""Channels consumers that subscribe a client to a broadcast group named by the URL.

Both read the group from the URL kwarg ``group`` (see :mod:`djkida.routing`) and ask
:meth:`GroupSubscription.can_subscribe` first. The default lets anyone into groups named
``public.*`` or listed in the ``DJKIDA_PUBLIC_GROUPS`` setting, and only authenticated users
(``scope["user"]``, from Channels' ``AuthMiddlewareStack``) into the others. Override it for
per-object rules.

- :class:`FragmentSSEConsumer` (HTTP): a ``text/event-stream`` with ``: ping`` heartbeats; a
  client reconnecting with ``Last-Event-ID`` first receives the events of its group it missed.
- :class:`FragmentWebSocketConsumer`: each event's :meth:`~djkida.fragments.Fragment.oob_html`
  as one text message, the shape the htmx ``ws`` extension swaps by id. A client connecting to
  ``...?last_event_id=N`` first receives the events of its group after ``N`` (a value that is
  not an integer is refused with close code 4400).

Both replay the same way (:meth:`GroupSubscription.replay`): after joining the group, so nothing
falls between replay and live; a live copy of an event the replay already sent is dropped.
Events broadcast while the replay storage was down carry no id and are always delivered.
"""

import asyncio
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from djkida.broadcast import layer_group
from djkida.conf import djkida_settings
from djkida.replay import EventMessage, replay_buffer
from djkida.sse import HEARTBEAT, SSEEvent

logger = logging.getLogger(__name__)

SSE_HEADERS = [
    (b"Content-Type", b"text/event-stream"),
    (b"Cache-Control", b"no-cache"),
    (b"X-Accel-Buffering", b"no"),
]
# WebSocket close codes (4000-4999 are the application's): refused subscription, bad query.
REFUSED = 4403
BAD_REQUEST = 4400


def public_groups() -> frozenset[str]:
    """``DJKIDA_PUBLIC_GROUPS``: group names open to anonymous clients besides ``public.*``."""
    return djkida_settings.PUBLIC_GROUPS


class GroupSubscription:
    """What both consumers share: which group, who may join it, joining, replay and leaving.

    Subclasses say how one event goes out (:meth:`send_event`).
    """

    scope: Mapping[str, Any]
    channel_layer: Any
    channel_name: str
    group: str
    # Events up to this id were sent by the replay; live copies of them are dropped.
    replayed_up_to: int = 0

    def can_subscribe(self, scope: Mapping[str, Any], group: str) -> bool:
        """May this connection receive ``group``'s events? ``public.*``/listed: anyone."""
        if group.startswith("public.") or group in public_groups():
            return True
        user = scope.get("user")
        return bool(user is not None and user.is_authenticated)

    def requested_group(self) -> str:
        group: str = self.scope["url_route"]["kwargs"]["group"]
        return group

    async def join(self) -> bool:
        """Subscribe to the URL's group if allowed; False when refused."""
        self.group = self.requested_group()
        if not self.can_subscribe(self.scope, self.group):
            logger.info("refused subscription to group %r", self.group)
            return False
        await self.channel_layer.group_add(layer_group(self.group), self.channel_name)
        return True

    async def leave(self) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(layer_group(self.group), self.channel_name)

    async def send_event(self, event: EventMessage) -> None:
        raise NotImplementedError

    async def replay(self, last_id: int | None) -> None:
        """Send the group's events after ``last_id``; without the buffer, go on live only."""
        if last_id is None:
            return
        try:
            missed = await replay_buffer().since(layer_group(self.group), last_id)
        except Exception:
            logger.warning("replay of %r failed; live events only", self.group, exc_info=True)
            return
        for event in missed:
            await self.send_event(event)
            if event["id"] is not None:
                self.replayed_up_to = max(self.replayed_up_to, event["id"])

    async def djkida_event(self, event: EventMessage) -> None:
        """Channel-layer handler of ``type: djkida.event`` (see :mod:`djkida.broadcast`)."""
        if event["id"] is None or event["id"] > self.replayed_up_to:
            await self.send_event(event)


class FragmentSSEConsumer(GroupSubscription, AsyncHttpConsumer):
    """Server-Sent Events of one group, with replay from ``Last-Event-ID``.

    Example (``asgi.py``)::

        ProtocolTypeRouter({"http": AuthMiddlewareStack(URLRouter(
            [*djkida.routing.http_urlpatterns, re_path(r"", django_asgi_app)]))})
    """

    heartbeat: float = 15.0
    heartbeat_task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """However the consumer ends (disconnect, or its channel layer failing), stop the
        heartbeats: a stream that pings but can no longer deliver events would keep the
        client from reconnecting (and replaying what it missed)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.stop_heartbeats()

    def stop_heartbeats(self) -> None:
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
            self.heartbeat_task = None

    async def http_request(self, message: dict[str, Any]) -> None:
        """Unlike the base class, stay open after :meth:`handle` so group events flow."""
        self.body.append(message.get("body", b""))
        if not message.get("more_body"):
            await self.handle(b"".join(self.body))

    async def handle(self, body: bytes) -> None:
        if not await self.join():
            await self.send_response(403, b"Forbidden", headers=[(b"Content-Type", b"text/plain")])
            await self.close_stream()
            return
        await self.send_headers(status=200, headers=SSE_HEADERS)
        # An immediate comment makes servers send the headers now, so the client sees "open".
        await self.send_body(b": connected\n\n", more_body=True)
        await self.replay(self.last_event_id())
        self.heartbeat_task = asyncio.create_task(self.send_heartbeats())

    def last_event_id(self) -> int | None:
        for name, value in self.scope.get("headers", []):
            if name.lower() == b"last-event-id":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def send_heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            await self.send_body(HEARTBEAT, more_body=True)

    async def send_event(self, event: EventMessage) -> None:
        frame = SSEEvent(event["data"], event=event["event"], id=event["id"])
        await self.send_body(frame.encode(), more_body=True)

    async def close_stream(self) -> None:
        await self.disconnect()
        raise StopConsumer()

    async def disconnect(self) -> None:
        self.stop_heartbeats()
        await self.leave()


class FragmentWebSocketConsumer(GroupSubscription, AsyncWebsocketConsumer):
    """A WebSocket receiving one group's events as htmx OOB HTML; refused with code 4403.

    ``?last_event_id=N`` in the URL replays the events after ``N`` first.

    Example (``routing.py``)::

        websocket_urlpatterns = [path("ws/fragments/<str:group>/",
                                      FragmentWebSocketConsumer.as_asgi())]
    """

    async def connect(self) -> None:
        try:
            last_id = self.last_event_id()
        except ValueError:
            logger.info("refused WebSocket with a bad last_event_id", exc_info=True)
            await self.close(code=BAD_REQUEST)
            return
        if not await self.join():
            await self.close(code=REFUSED)
            return
        await self.accept()
        await self.replay(last_id)

    def last_event_id(self) -> int | None:
        """``last_event_id`` from the query string; ValueError if it is not an integer."""
        query = parse_qs(
            self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        values = query.get("last_event_id")
        if not values:
            return None
        try:
            return int(values[-1])
        except ValueError:
            raise ValueError(f"last_event_id must be an integer, not {values[-1]!r}") from None

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def send_event(self, event: EventMessage) -> None:
        """One text frame per event: its OOB HTML."""
        await self.send(text_data=event["html"])
