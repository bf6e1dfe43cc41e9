"""Prepare the demo site in one idempotent step: database, default model session, superuser."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"  # a local demo account, printed for the user


class Command(BaseCommand):
    help = "Migrate, install the default model and create the demo superuser (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        user_model = get_user_model()
        if not user_model.objects.filter(username=DEMO_USERNAME).exists():
            user_model.objects.create_superuser(DEMO_USERNAME, "admin@example.com", DEMO_PASSWORD)
        self.stdout.write(f"superuser: {DEMO_USERNAME} / {DEMO_PASSWORD} at /admin/")
