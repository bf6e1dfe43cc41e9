"""The live feed: a page subscribed to broadcasts, and the form that makes one."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_POST

import djkida
from demo_project.demo.announcements import LIVE_GROUP, MAX_LENGTH, announce
from demo_project.demo.models import Announcement

#: Announcements listed when the page loads; newer ones arrive by broadcast.
RECENT = 20


async def live(request: HttpRequest) -> HttpResponseBase:
    """The feed as it is now, subscribed (SSE) to every announcement made from here on."""
    recent = [item async for item in Announcement.objects.all()[:RECENT]]
    context = {
        "section": "live",
        "announcements": recent,
        "group": LIVE_GROUP,
        "max_length": MAX_LENGTH,
    }
    return await djkida.stream(request, "demo/live.html", context)


@require_POST
async def post_announcement(request: HttpRequest) -> HttpResponse:
    """Broadcast the form's text; the new line reaches this page by the same broadcast."""
    try:
        await announce(request.POST.get("text", ""), Announcement.Source.FORM)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if getattr(request, "htmx", False):
        return HttpResponse(status=204)
    return HttpResponseRedirect(reverse("live"))
