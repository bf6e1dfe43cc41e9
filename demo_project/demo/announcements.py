"""Making an announcement: store it and broadcast its rendered line to every ``/live/`` page.

The form on ``/live/``, ``manage.py demo_broadcast`` and the admin all go through here, so the
feed looks the same whoever posted. An announcement is saved first: if the channel layer is
down (Redis refusing or hanging) it is kept with ``sent_live=False`` and open pages show it on
their next load; nothing is lost and nothing has to be posted again.
"""

import logging

from demo_project.demo.models import Announcement
from djkida import Fragment, abroadcast
from djkida.broadcast import ChannelLayerUnavailable

logger = logging.getLogger(__name__)

#: The broadcast group of the live feed (``public.*``: anonymous pages may subscribe).
LIVE_GROUP = "public.live"
#: The id of the list the lines are prepended to, in every open page.
FEED_ID = "feed"
MAX_LENGTH = Announcement._meta.get_field("text").max_length or 280


def clean_text(text: str) -> str:
    """``text`` stripped; ``ValueError`` with a message for the user if empty or too long."""
    text = text.strip()
    if not text:
        raise ValueError("An announcement needs some text.")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"An announcement is at most {MAX_LENGTH} characters, not {len(text)}.")
    return text


def feed_line(announcement: Announcement) -> Fragment:
    """The announcement's line of ``demo/live.html``, prepended to ``#feed`` (SSE and WebSocket).

    Example::

        await abroadcast(LIVE_GROUP, feed_line(announcement))
    """
    return Fragment(
        "demo/live.html", "feed_line", {"item": announcement}, target=FEED_ID, swap="afterbegin"
    )


async def announce(
    text: str, source: Announcement.Source, *, key: str | None = None
) -> Announcement:
    """Store an announcement and send it to every open live page, in any server process.

    ``sent_live`` on the result says whether it went out. The same ``key`` again (a retried
    form) stores nothing new and broadcasts only what was not sent yet.

    Example::

        announcement = await announce("Fresh croissants at 3 pm", Announcement.Source.FORM)
    """
    fields = {"text": clean_text(text), "source": source}
    if key:
        announcement, _ = await Announcement.objects.aget_or_create(key=key, defaults=fields)
    else:
        announcement = await Announcement.objects.acreate(**fields)
    if not announcement.sent_live:
        await send_live(announcement)
    return announcement


async def send_live(announcement: Announcement) -> bool:
    """Broadcast a saved announcement and record that it went out; False if the channel layer
    is down (logged)."""
    try:
        await abroadcast(LIVE_GROUP, feed_line(announcement))
    except ChannelLayerUnavailable as exc:
        logger.warning("announcement %s saved, not sent live: %s", announcement.pk, exc)
        return False
    announcement.sent_live = True
    await Announcement.objects.filter(pk=announcement.pk).aupdate(sent_live=True)
    return True
