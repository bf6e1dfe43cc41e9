"""The live feed: a page subscribed to broadcasts, and the form that makes one."""

import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_POST

import djkida
from demo_project.demo.announcements import LIVE_GROUP, MAX_LENGTH, announce
from demo_project.demo.models import Announcement

#: Announcements listed when the page loads; newer ones arrive by broadcast.
RECENT = 20
MAX_KEY = 64
NOT_SENT_LIVE = (
    "Saved, but not sent live: the live feed is down right now. "
    "Open pages will show it when they reload."
)


async def live(request: HttpRequest) -> HttpResponseBase:
    """The feed as it is now, subscribed (SSE) to every announcement made from here on."""
    recent = [item async for item in Announcement.objects.all()[:RECENT]]
    context = {
        "section": "live",
        "announcements": recent,
        "group": LIVE_GROUP,
        "max_length": MAX_LENGTH,
        # One key per form: a retried post is stored once (the page's script renews it).
        "form_key": uuid.uuid4().hex,
    }
    return await djkida.stream(request, "demo/live.html", context)


@require_POST
async def post_announcement(request: HttpRequest) -> HttpResponse:
    """Broadcast the form's text; the new line reaches this page by the same broadcast.

    202 with a message when it was saved but the channel layer is down (not sent live).
    """
    key = request.POST.get("key", "")
    if len(key) > MAX_KEY:
        return plain_text(f"The form key is at most {MAX_KEY} characters.", 400)
    try:
        announcement = await announce(
            request.POST.get("text", ""), Announcement.Source.FORM, key=key or None
        )
    except ValueError as exc:
        return plain_text(str(exc), 400)
    if not announcement.sent_live:
        return plain_text(NOT_SENT_LIVE, 202)
    if getattr(request, "htmx", False):
        return HttpResponse(status=204)
    return HttpResponseRedirect(reverse("live"))


def plain_text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
