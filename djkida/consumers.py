"""Channels consumers that subscribe a client to a broadcast group named by the URL.

Both read the group from the URL kwarg ``group`` (see :mod:`djkida.routing`) and ask
:meth:`_GroupSubscription.can_subscribe` first. The default lets anyone into groups named
``public.*`` or listed in the ``DJKIDA_PUBLIC_GROUPS`` setting, and only authenticated users
(``scope["user"]``, from Channels' ``AuthMiddlewareStack``) into the others. Override it for
per-object rules.

- :class:`FragmentSSEConsumer` (HTTP): a ``text/event-stream`` with ``: ping`` heartbeats; a
  client reconnecting with ``Last-Event-ID`` first receives the events of its group it missed.
- :class:`FragmentWebSocketConsumer`: each event's :meth:`~djkida.fragments.Fragment.oob_html`
  as one text message, the shape the htmx ``ws`` extension swaps by id. A client connecting to
  ``...?last_event_id=N`` first receives the events of its group after ``N`` (a value that is
  not an integer is refused with close code 4400).

A consumer has no channel of its own: it subscribes to its process's fan-out
(:mod:`djkida.fanout`), which receives each broadcast once, and sends the events from a delivery
task of its own connection, so a slow client holds up no other. When a client falls more than
``DJKIDA_INBOX_SIZE`` events behind, or its process loses the channel layer, its SSE stream
ends (WebSocket: close code 1013) so that it reconnects and replays.

Both replay the same way (:meth:`_GroupSubscription.replay`): after joining the group, so nothing
falls between replay and live; a live copy of an event the replay already sent is dropped.
Events broadcast while the replay storage was down carry no id and are always delivered.

A subscription made while the channel layer is down (Redis refusing connections, or hanging
past the hosts' ``socket_timeout``) is refused as "try again later": SSE with 503 and
``Retry-After``; WebSocket with an HTTP 503 where the server supports denial responses
(uvicorn), else accepted and closed with 1013. htmx's ``sse`` and ``ws`` extensions reconnect
by themselves, with backoff, and get through once Redis is back.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from djkida.broadcast import LAYER_ERRORS, ChannelLayerUnavailable, layer_group
from djkida.conf import djkida_settings
from djkida.fanout import Subscription, SubscriptionEnded, subscribe
from djkida.replay import EventMessage, replay_buffer
from djkida.responses import STREAMING_HEADERS
from djkida.sse import HEARTBEAT, SSEEvent

logger = logging.getLogger(__name__)

_SSE_HEADERS = [
    (b"Content-Type", b"text/event-stream"),
    *[(name.encode(), value.encode()) for name, value in STREAMING_HEADERS.items()],
]
# WebSocket close codes (4000-4999 are the application's): refused subscription, bad query;
# and the standard "try again later" once the subscription ended.
_REFUSED = 4403
_BAD_REQUEST = 4400
_RECONNECT = 1013
#: Seconds a client is told to wait before subscribing again while the channel layer is down.
_RETRY_AFTER = 5
_UNAVAILABLE_BODY = b"The live feed is unavailable right now; retry shortly.\n"
_UNAVAILABLE_HEADERS = [
    (b"Content-Type", b"text/plain; charset=utf-8"),
    (b"Retry-After", str(_RETRY_AFTER).encode()),
]


def _public_groups() -> frozenset[str]:
    """``DJKIDA_PUBLIC_GROUPS``: group names open to anonymous clients besides ``public.*``."""
    return djkida_settings().public_groups


class _GroupSubscription:
    """What both consumers share: which group, who may join it, joining, delivery and leaving.

    Subclasses say how one event goes out (:meth:`send_event`) and how the connection ends when
    the subscription does (:meth:`end_connection`).
    """

    scope: Mapping[str, Any]
    channel_layer: Any
    channel_layer_alias: str
    base_send: Callable[[dict[str, Any]], Awaitable[None]]
    dispatch: Callable[[dict[str, Any]], Awaitable[None]]
    group: str
    delivering: asyncio.Event
    subscription: Subscription | None = None
    delivery: asyncio.Task[None] | None = None
    # Events up to this id were sent by the replay; live copies of them are dropped.
    replayed_up_to: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' consumer loop over the client's messages, without a channel of its own
        (events come from :mod:`djkida.fanout`); it also ends when the delivery task does."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        self.delivering = asyncio.Event()
        try:
            await await_many_dispatch([receive, self.delivery_ended], self.dispatch)
        except StopConsumer:
            pass
        finally:
            await self.leave()

    def can_subscribe(self, scope: Mapping[str, Any], group: str) -> bool:
        """May this connection receive ``group``'s events? ``public.*``/listed: anyone."""
        if group.startswith("public.") or group in _public_groups():
            return True
        user = scope.get("user")
        return bool(user is not None and user.is_authenticated)

    def requested_group(self) -> str:
        group: str = self.scope["url_route"]["kwargs"]["group"]
        return group

    async def join(self) -> bool:
        """Subscribe to the URL's group if allowed; False when refused,
        :class:`ChannelLayerUnavailable` when the layer is down."""
        self.group = self.requested_group()
        if not self.can_subscribe(self.scope, self.group):
            logger.info("refused subscription to group %r", self.group)
            return False
        if self.channel_layer is None:
            raise RuntimeError("djkida's consumers need CHANNEL_LAYERS configured in settings")
        try:
            self.subscription = await subscribe(
                self.channel_layer, self.group, djkida_settings().inbox_size
            )
        except LAYER_ERRORS as exc:
            logger.warning("subscription to %r refused, channel layer down: %s", self.group, exc)
            raise ChannelLayerUnavailable(str(exc)) from exc
        return True

    def start_delivery(self, last_id: int | None) -> None:
        """Replay from ``last_id``, then live events, in this connection's own task."""
        self.delivery = asyncio.create_task(self.deliver(last_id))
        self.delivering.set()

    async def deliver(self, last_id: int | None) -> None:
        """The delivery task: replay, live events until the subscription ends, then the end."""
        await self.replay(last_id)
        try:
            while True:
                await self.djkida_event(await self.next_event())
        except SubscriptionEnded:
            await self.end_connection()

    async def next_event(self) -> EventMessage:
        """The next live event; SubscriptionEnded once there will be no more."""
        assert self.subscription is not None
        return await self.subscription.get()

    async def delivery_ended(self) -> None:
        """Raise once the delivery task is over: StopConsumer, or the error it failed with."""
        await self.delivering.wait()
        assert self.delivery is not None
        await asyncio.wait([self.delivery])
        self.delivery.result()
        raise StopConsumer()

    async def leave(self) -> None:
        """Stop delivering, then unsubscribe; however the consumer ended."""
        if self.delivery is not None:
            self.delivery.cancel()
            await asyncio.wait([self.delivery])
        if self.subscription is not None:
            await self.subscription.close()

    async def send_event(self, event: EventMessage) -> None:
        raise NotImplementedError

    async def end_connection(self) -> None:
        """Close the connection so that the client reconnects (its subscription ended)."""
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
        """Each live event of the group (see :mod:`djkida.broadcast`), in the delivery task."""
        if event["id"] is None or event["id"] > self.replayed_up_to:
            await self.send_event(event)


class FragmentSSEConsumer(_GroupSubscription, AsyncHttpConsumer):
    """Server-Sent Events of one group, with replay from ``Last-Event-ID``.

    The delivery task also sends a ``: ping`` after each ``heartbeat`` seconds without an event,
    so pings stop whenever delivery does: a stream that pings but no longer delivers would keep
    the client from reconnecting.

    Example (``asgi.py``)::

        ProtocolTypeRouter({"http": AuthMiddlewareStack(URLRouter(
            [*djkida.routing.http_urlpatterns, re_path(r"", django_asgi_app)]))})
    """

    heartbeat: float = 15.0

    async def http_request(self, message: dict[str, Any]) -> None:
        """Unlike the base class, stay open after :meth:`handle` so group events flow."""
        self.body.append(message.get("body", b""))
        if not message.get("more_body"):
            await self.handle(b"".join(self.body))

    async def handle(self, body: bytes) -> None:
        try:
            joined = await self.join()
        except ChannelLayerUnavailable:
            await self.send_response(503, _UNAVAILABLE_BODY, headers=_UNAVAILABLE_HEADERS)
            raise StopConsumer() from None
        if not joined:
            await self.send_response(403, b"Forbidden", headers=[(b"Content-Type", b"text/plain")])
            raise StopConsumer()
        await self.send_headers(status=200, headers=_SSE_HEADERS)
        # An immediate comment makes servers send the headers now, so the client sees "open".
        await self.send_body(b": connected\n\n", more_body=True)
        self.start_delivery(self.last_event_id())

    def last_event_id(self) -> int | None:
        for name, value in self.scope.get("headers", []):
            if name.lower() == b"last-event-id":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def next_event(self) -> EventMessage:
        """The next event, with a ``: ping`` after each ``heartbeat`` seconds without one."""
        assert self.subscription is not None
        while True:
            try:
                return await self.subscription.get(timeout=self.heartbeat)
            except TimeoutError:
                await self.send_body(HEARTBEAT, more_body=True)

    async def send_event(self, event: EventMessage) -> None:
        frame = SSEEvent(event["data"], event=event["event"], id=event["id"])
        await self.send_body(frame.encode(), more_body=True)

    async def end_connection(self) -> None:
        """End the stream: the client reconnects with ``Last-Event-ID`` and replays."""
        await self.send_body(b"")


class FragmentWebSocketConsumer(_GroupSubscription, AsyncWebsocketConsumer):
    """A WebSocket receiving one group's events as htmx OOB HTML; refused with code 4403.

    ``?last_event_id=N`` in the URL replays the events after ``N`` first.

    Example (``routing.py``)::

        websocket_urlpatterns = [path("ws/fragments/<str:group>/",
                                      FragmentWebSocketConsumer.as_asgi())]
    """

    async def connect(self) -> None:
        try:
            last_id = self.last_event_id()
        except ValueError as exc:
            # One line: the value is the client's and may be huge.
            logger.info("refused a WebSocket: %s", exc)
            await self.close(code=_BAD_REQUEST)
            return
        try:
            joined = await self.join()
        except ChannelLayerUnavailable:
            await self.refuse_for_now()
            return
        if not joined:
            await self.close(code=_REFUSED)
            return
        await self.accept()
        self.start_delivery(last_id)

    async def refuse_for_now(self) -> None:
        """503 with ``Retry-After`` if the server can send an HTTP answer to a WebSocket
        handshake; else accept and close with 1013 (try again later)."""
        if "websocket.http.response" in self.scope.get("extensions", {}):
            start = {"status": 503, "headers": _UNAVAILABLE_HEADERS}
            await self.base_send({"type": "websocket.http.response.start", **start})
            await self.base_send(
                {"type": "websocket.http.response.body", "body": _UNAVAILABLE_BODY}
            )
            return
        await self.accept()
        await self.close(code=_RECONNECT, reason="channel layer unavailable")

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
            shown = repr(values[-1]) if len(values[-1]) <= 40 else f"{len(values[-1])} characters"
            raise ValueError(f"last_event_id must be an integer, not {shown}") from None

    async def send_event(self, event: EventMessage) -> None:
        """One text frame per event: its OOB HTML."""
        await self.send(text_data=event["html"])

    async def end_connection(self) -> None:
        """Close with 1013 (try again later): the client reconnects with ``?last_event_id``."""
        await self.close(code=_RECONNECT)
