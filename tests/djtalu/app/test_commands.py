"""``manage.py talu_models install tiny`` and ``list``."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from djtalu.engine import GenerationParams, Generator
from djtalu.models import ModelSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_dir(tmp_path: Path, settings: Any) -> Path:
    settings.TALU_MODELS_DIR = tmp_path / "models"
    return tmp_path / "models"


def talu_models(*args: str) -> str:
    out = StringIO()
    call_command("talu_models", *args, stdout=out)
    return out.getvalue()


def test_install_tiny_builds_a_loadable_model_and_registers_a_session(models_dir: Path) -> None:
    output = talu_models("install", "tiny")

    session = ModelSession.objects.get()
    assert session.name == "default"
    assert session.model_path == str(models_dir / "tiny")
    assert "Created model session 'default'" in output
    run = Generator(Path(session.model_path)).generate(
        [{"role": "user", "content": "hi"}], GenerationParams(max_tokens=3)
    )
    assert "".join(run)


def test_install_is_idempotent_and_takes_a_session_name(models_dir: Path) -> None:
    talu_models("install", "tiny", "--session", "quick")
    config = models_dir / "tiny" / "config.json"
    built = config.stat().st_mtime_ns

    output = talu_models("install", "tiny", "--session", "quick")

    assert "already installed" in output
    assert config.stat().st_mtime_ns == built
    assert list(ModelSession.objects.values_list("name", flat=True)) == ["quick"]


def test_install_leaves_an_existing_session_on_its_model(models_dir: Path) -> None:
    ModelSession.objects.create(name="default", model_path="/elsewhere")

    output = talu_models("install", "tiny")

    assert "left unchanged" in output
    assert ModelSession.objects.get().model_path == "/elsewhere"


def test_list_shows_sessions_and_installed_models(models_dir: Path) -> None:
    talu_models("install", "tiny")
    ModelSession.objects.create(name="gone", model_path="/nowhere", enabled=False)

    lines = talu_models("list").splitlines()

    assert lines[0].split("\t") == [
        "default", f"{models_dir / 'tiny'} (ok)", "enabled", "workers=1", "not running"
    ]  # fmt: skip
    assert lines[1].split("\t")[:3] == ["gone", "/nowhere (MISSING)", "disabled"]
    assert lines[2] == f"Installed in {models_dir}: tiny"


def test_unknown_model_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'llama'"):
        talu_models("install", "llama")
