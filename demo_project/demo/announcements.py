"""Making an announcement: store it and broadcast its rendered line to every ``/live/`` page.

The form on ``/live/``, ``manage.py demo_broadcast`` and the admin all go through here, so the
feed looks the same whoever posted.
"""

from demo_project.demo.models import Announcement
from djkida import Fragment, abroadcast

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


async def announce(text: str, source: Announcement.Source) -> Announcement:
    """Store an announcement and send it to every open live page, in any server process.

    Example::

        await announce("Fresh croissants at 3 pm", Announcement.Source.FORM)
    """
    announcement = await Announcement.objects.acreate(text=clean_text(text), source=source)
    await abroadcast(LIVE_GROUP, feed_line(announcement))
    return announcement
