"""The demo's management commands: ``demo_setup`` is idempotent, ``demo_broadcast`` explains
why it cannot reach other processes on the in-memory channel layer."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from demo_project.demo.models import Announcement
from djtalu.models import ModelSession

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_setup_installs_the_model_once_and_keeps_one_superuser(
    settings: Settings, tmp_path: Path
) -> None:
    settings.TALU_MODELS_DIR = tmp_path
    first = run("demo_setup", "--model", "tiny")
    second = run("demo_setup", "--model", "tiny")

    session = ModelSession.objects.get()
    assert session.name == "default"
    assert Path(session.model_path) == tmp_path / "tiny"
    assert (tmp_path / "tiny" / "config.json").exists()
    assert "Created model session 'default'" in first
    assert "model session 'default' exists" in second
    admin = get_user_model().objects.get()
    assert admin.is_superuser
    assert admin.check_password("admin")
    assert "admin / admin" in second


def test_demo_setup_repairs_a_session_whose_model_is_gone(
    settings: Settings, tmp_path: Path
) -> None:
    settings.TALU_MODELS_DIR = tmp_path
    ModelSession.objects.create(name="default", model_path=str(tmp_path / "deleted"))
    output = run("demo_setup", "--model", "tiny")
    session = ModelSession.objects.get()
    assert Path(session.model_path) == tmp_path / "tiny"
    assert (tmp_path / "tiny" / "config.json").exists()
    assert f"now uses {tmp_path / 'tiny'}" in output


def test_demo_setup_rejects_an_unknown_model() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'gpt'"):
        call_command("demo_setup", "--model", "gpt")


def test_demo_broadcast_refuses_the_in_memory_channel_layer() -> None:
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("demo_broadcast", "hello")
    assert not Announcement.objects.exists()
