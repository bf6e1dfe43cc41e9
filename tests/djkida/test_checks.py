"""The system checks: every kida template compiles (syntax errors with file and line), and the
broadcast inbox fits the replay buffer."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_django.fixtures import Settings

from djkida.checks import check_inbox_fits_replay, check_templates_compile
from tests.djkida import backend_settings

BROKEN = backend_settings.TEMPLATE_DIR / "broken" / "syntax_error.html"


@pytest.fixture(autouse=True)
def kida_templates(settings: Settings) -> None:
    settings.TEMPLATES = backend_settings.TEMPLATES


def test_check_reports_syntax_error_with_file_and_line() -> None:
    [error] = check_templates_compile()
    assert error.id == "djkida.E001"
    assert error.obj == str(BROKEN)
    assert error.msg.startswith(f"{BROKEN}:2: ")


def test_templates_that_only_fail_when_rendered_pass(settings: Settings) -> None:
    # runtime_error.html reads an undefined variable: only rendering could find that out.
    settings.TEMPLATES = [
        {**backend_settings.TEMPLATES[0], "DIRS": [backend_settings.TEMPLATE_DIR / "backend"]}
    ]
    assert check_templates_compile() == []


def test_django_apps_own_templates_are_not_compiled(settings: Settings) -> None:
    settings.TEMPLATES = [{**backend_settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": True}]
    assert check_templates_compile() == []


def test_manage_py_check_fails_on_a_broken_template() -> None:
    with pytest.raises(SystemCheckError, match=r"djkida\.E001"):
        call_command("check")


def test_an_inbox_larger_than_the_replay_buffer_is_reported(settings: Settings) -> None:
    settings.DJKIDA_INBOX_SIZE = 100
    settings.DJKIDA_REPLAY_SIZE = 100
    [warning] = check_inbox_fits_replay()
    assert warning.id == "djkida.W001"
    settings.DJKIDA_REPLAY_SIZE = 101
    assert check_inbox_fits_replay() == []
