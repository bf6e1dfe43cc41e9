"""``manage.py demo_broadcast "text"``: an announcement on every open /live/ page."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo_project.demo.announcements import LIVE_GROUP, announce
from demo_project.demo.models import Announcement


class Command(BaseCommand):
    help = "Store an announcement and broadcast it to every open /live/ page (needs REDIS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="What to announce (at most 280 characters).")

    def handle(self, *args: Any, **options: Any) -> None:
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            raise CommandError(
                "The in-memory channel layer only reaches this command's own process. Run the "
                "site and this command with REDIS_URL set, or use the form on /live/."
            )
        try:
            announcement = async_to_sync(announce)(options["text"], Announcement.Source.COMMAND)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not announcement.sent_live:
            raise CommandError(
                f"Saved announcement {announcement.pk}, but the channel layer is down: not sent "
                "live (pages show it when they reload)."
            )
        self.stdout.write(f"Broadcast announcement {announcement.pk} to {LIVE_GROUP}.")
