"""Announcements in the admin: adding one broadcasts it, and an action sends old ones again."""

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from demo_project.demo.announcements import LIVE_GROUP, feed_line, send_live
from demo_project.demo.models import Announcement
from djkida import broadcast
from djkida.broadcast import ChannelLayerUnavailable

NOT_SENT = "Saved, but not sent live: the channel layer is down. Pages show it on reload."
NOT_SENT_AGAIN = "Not sent: the channel layer is down. Try again when Redis is back."


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["text", "source", "created"]
    list_filter = ["source"]
    readonly_fields = ["created"]
    actions = ["broadcast_again"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        return {"source": Announcement.Source.ADMIN}

    def save_model(
        self, request: HttpRequest, obj: Announcement, form: ModelForm, change: bool
    ) -> None:
        """A new announcement reaches every open /live/ page as soon as it is saved."""
        super().save_model(request, obj, form, change)
        if not change and not async_to_sync(send_live)(obj):
            self.message_user(request, NOT_SENT, messages.WARNING)

    @admin.action(description="Broadcast the selected announcements to /live/ again")
    def broadcast_again(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        try:
            sent = [broadcast(LIVE_GROUP, feed_line(i)) for i in queryset.order_by("created")]
        except ChannelLayerUnavailable:
            self.message_user(request, NOT_SENT_AGAIN, messages.WARNING)
            return
        self.message_user(request, f"Broadcast {len(sent)} announcement(s) to /live/.")
