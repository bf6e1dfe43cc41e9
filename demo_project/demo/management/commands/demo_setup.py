"""Prepare the demo site in one idempotent step: database, model and session, superuser."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from djtalu.conf import talu_settings
from djtalu.models import ModelSession

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"  # a local demo account, printed for the user
#: Models ``--model`` accepts: SmolLM2 (real answers) or tiny (random weights, instant set-up).
MODELS = ("smollm2", "tiny")
SESSION = "default"


class Command(BaseCommand):
    help = "Migrate, install the default model and create the demo superuser (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--model",
            choices=MODELS,
            default="smollm2",
            help="Model of the 'default' session: smollm2 (default) or tiny (fast, gibberish).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        self.install_model(options["model"])
        user_model = get_user_model()
        if not user_model.objects.filter(username=DEMO_USERNAME).exists():
            user_model.objects.create_superuser(DEMO_USERNAME, "admin@example.com", DEMO_PASSWORD)
        self.stdout.write(f"superuser: {DEMO_USERNAME} / {DEMO_PASSWORD} at /admin/")

    def install_model(self, model: str) -> None:
        """Install ``model`` as session ``default``, unless the session's model is on disk.

        A session whose model directory went missing is pointed at the fresh install.
        """
        session = ModelSession.objects.filter(name=SESSION).first()
        if session is not None and (Path(session.model_path) / "config.json").exists():
            self.stdout.write(f"model session {SESSION!r} exists ({session.model_path})")
            return
        # The raw stream, not our OutputWrapper: wrapped twice, every partial line of the
        # model's progress bar would get a newline of its own.
        stream = self.stdout._out
        call_command("talu_models", "install", model, "--session", SESSION, stdout=stream)
        if session is not None:
            session.model_path = str(talu_settings().models_dir / model)
            session.save(update_fields=["model_path", "updated"])
            self.stdout.write(f"model session {SESSION!r} now uses {session.model_path}")
