"""Announcements in the admin: adding one broadcasts it, and an action sends old ones again."""

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from demo_project.demo.announcements import LIVE_GROUP, feed_line
from demo_project.demo.models import Announcement
from djkida import broadcast


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
        if not change:
            broadcast(LIVE_GROUP, feed_line(obj))

    @admin.action(description="Broadcast the selected announcements to /live/ again")
    def broadcast_again(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        sent = [broadcast(LIVE_GROUP, feed_line(item)) for item in queryset.order_by("created")]
        self.message_user(request, f"Broadcast {len(sent)} announcement(s) to /live/.")
