"""Per-process fan-out of broadcasts: one channel-layer message per broadcast and process.

If every consumer added a channel of its own to the group, a broadcast to N clients of one
process would be N channel-layer messages: N deep copies and tasks and, in Channels' in-memory
layer (each receive scans every channel), O(N²) work. Instead a :class:`_FanoutHub` per running
event loop and channel layer owns one channel, is in a layer group while the group has
subscribers in this process, receives in one task and hands each ``djkida.event`` to the
:class:`Subscription` of every local subscriber of the event's group.

- The hub never waits for a client: a subscription is a bounded inbox filled without waiting,
  which its consumer empties from its own task, so a client whose socket drains slowly holds up
  only itself. An inbox that overflows ends its subscription with a warning, and the consumer
  closes the connection: the client reconnects and replays what it missed.
- Channel layers forget group members after ``group_expiry`` (a day by default, in the
  in-memory layer and in ``channels_redis``), so the hub adds its groups again every third of it.
- If receiving fails (Redis gone), the error is logged once and every subscription ends, so
  every client reconnects; the next subscriber starts a fresh hub.
- The last subscriber leaving stops the hub: an idle process holds no channel and no task.
"""

import asyncio
import logging
import weakref
from collections import deque
from typing import Any, cast

from djkida.broadcast import MESSAGE_TYPE, layer_group
from djkida.replay import EventMessage

logger = logging.getLogger(__name__)

# Both Channels' in-memory layer and channels_redis default to a day.
_DEFAULT_GROUP_EXPIRY = 86400


class SubscriptionEnded(Exception):
    """The subscription delivers nothing more: its inbox overflowed or its hub failed."""


class Subscription:
    """One local subscriber's bounded inbox of its group's events, filled by the hub.

    The hub hands the same message object to every subscriber: do not change it.

    Example::

        subscription = await subscribe(get_channel_layer(), "public.news", inbox_size=50)
        try:
            event = await subscription.get(timeout=15)
        finally:
            await subscription.close()
    """

    def __init__(self, hub: "_FanoutHub", group: str, inbox_size: int) -> None:
        self.hub = hub
        self.group = group
        self.inbox_size = inbox_size
        self.events: deque[EventMessage] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.end_reason: str | None = None

    def put(self, event: EventMessage) -> bool:
        """Queue ``event`` without waiting; False if the inbox is full."""
        if len(self.events) >= self.inbox_size:
            return False
        self.events.append(event)
        self.wake()
        return True

    def end(self, reason: str) -> None:
        """Drop what is queued; :meth:`get` raises :class:`SubscriptionEnded` from now on."""
        self.end_reason = reason
        self.events.clear()
        self.wake()

    def wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def get(self, timeout: float | None = None) -> EventMessage:
        """The next event; TimeoutError after ``timeout`` seconds without one."""
        if not self.events:
            async with asyncio.timeout(timeout):
                while not self.events:
                    if self.end_reason is not None:
                        raise SubscriptionEnded(self.end_reason)
                    self.waiter = asyncio.get_running_loop().create_future()
                    try:
                        await self.waiter
                    finally:
                        self.waiter = None
        return self.events.popleft()

    async def close(self) -> None:
        """Unsubscribe; the group's last local subscriber takes the hub out of the layer group."""
        await self.hub.unsubscribe(self)


class _FanoutHub:
    """The channel one event loop holds on one channel layer, shared by all its subscribers.

    Get one through :func:`subscribe`; it starts with its first subscriber and stops with its
    last.
    """

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel = ""
        self.subscriptions: dict[str, set[Subscription]] = {}
        self.joined: set[str] = set()
        # One change at a time: the layer sees adds and discards in the order they were
        # decided, and a subscriber returns only once its group is joined.
        self.membership = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []
        self.refresh_every = getattr(layer, "group_expiry", _DEFAULT_GROUP_EXPIRY) / 3

    async def subscribe(self, group: str, inbox_size: int) -> Subscription:
        subscription = Subscription(self, group, inbox_size)
        self.subscriptions.setdefault(group, set()).add(subscription)
        try:
            await self.sync(group)
        except BaseException:
            self.remove(subscription)
            self.stop_if_idle()
            raise
        if not self.tasks:
            self.tasks = [asyncio.create_task(self.receive()), asyncio.create_task(self.refresh())]
            for task in self.tasks:
                task.add_done_callback(self.task_done)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        self.remove(subscription)
        self.stop_if_idle()
        await self.sync(subscription.group)

    def remove(self, subscription: Subscription) -> None:
        members = self.subscriptions.get(subscription.group, set())
        members.discard(subscription)
        if not members:
            self.subscriptions.pop(subscription.group, None)

    def stop_if_idle(self) -> None:
        if not self.subscriptions:
            self.stop()

    def stop(self) -> None:
        """Cancel the tasks and let the next subscriber start a new hub."""
        hubs = _hubs.get(asyncio.get_running_loop(), {})
        if hubs.get(self.layer) is self:
            del hubs[self.layer]
        for task in self.tasks:
            task.cancel()

    async def sync(self, group: str) -> None:
        """Put the channel in ``group``'s layer group or take it out, as its subscribers say."""
        async with self.membership:
            if not self.channel:
                self.channel = await self.layer.new_channel()
            wanted = group in self.subscriptions
            if wanted and group not in self.joined:
                await self.layer.group_add(layer_group(group), self.channel)
                self.joined.add(group)
            elif not wanted and group in self.joined:
                self.joined.discard(group)
                await self.layer.group_discard(layer_group(group), self.channel)

    async def receive(self) -> None:
        while True:
            self.deliver(await self.layer.receive(self.channel))

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand ``message`` to its group's subscribers; end those that cannot take it."""
        if message.get("type") != MESSAGE_TYPE:
            logger.warning(
                "dropped a %r message: the fan-out delivers %r", message.get("type"), MESSAGE_TYPE
            )
            return
        event = cast(EventMessage, message)
        group: str = message.get("group", "")
        # put() queues without waiting; those that could not take the event end.
        overflowed = [s for s in self.subscriptions.get(group, ()) if not s.put(event)]
        for subscription in overflowed:
            logger.warning(
                "closing a subscriber of %r: %d events were waiting for its client",
                group,
                subscription.inbox_size,
            )
            self.remove(subscription)
            subscription.end("the client did not keep up")

    async def refresh(self) -> None:
        """Add the groups again long before the layer's ``group_expiry`` drops the channel."""
        while True:
            await asyncio.sleep(self.refresh_every)
            async with self.membership:
                for group in self.joined:
                    await self.layer.group_add(layer_group(group), self.channel)

    def task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled():
            self.fail(task.exception())

    def fail(self, error: BaseException | None) -> None:
        """Log the layer's failure once and end every subscription, so their clients reconnect.

        The failed layer is not touched again: the channel's group memberships expire.
        """
        subscriptions = [s for members in self.subscriptions.values() for s in members]
        logger.error(
            "fan-out from the channel layer failed; closing %d subscriptions",
            len(subscriptions),
            exc_info=error,
        )
        self.subscriptions.clear()
        self.joined.clear()
        self.stop()
        for subscription in subscriptions:
            subscription.end("the channel layer failed")


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, _FanoutHub]] = (
    weakref.WeakKeyDictionary()
)


async def subscribe(layer: Any, group: str, inbox_size: int) -> Subscription:
    """Subscribe to ``group``'s events through the hub of the running loop on ``layer``.

    Hubs are per event loop (tests run each in its own) and per layer (settings may change).

    Example::

        subscription = await subscribe(get_channel_layer(), "public.news", inbox_size=50)
        event = await subscription.get()
    """
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    if layer not in hubs:
        hubs[layer] = _FanoutHub(layer)
    return await hubs[layer].subscribe(group, inbox_size)
