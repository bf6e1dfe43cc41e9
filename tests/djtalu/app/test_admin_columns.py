"""The model-session list stays narrow (it fits 1280 px with the admin's sidebar open; the
browser test measures it) and says what its tokens/s column measures."""

from dataclasses import replace

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from djtalu.admin import ERROR_PREVIEW, TOKENS_PER_SECOND_HELP, ModelSessionAdmin
from djtalu.engine import PoolStats
from djtalu.models import ModelSession

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.djtalu.app.urls")]

CHANGELIST = reverse("admin:djtalu_modelsession_changelist", urlconf="tests.djtalu.app.urls")


def test_the_model_shows_by_its_directory_name_with_the_path_in_a_tooltip(
    admin_client: Client,
) -> None:
    ModelSession.objects.create(name="chat", model_path="/srv/var/models/smollm2")
    html = admin_client.get(CHANGELIST).content.decode()
    assert (
        '<td class="field-model_dir"><span title="/srv/var/models/smollm2">smollm2</span></td>'
        in html
    )
    assert 'id="changelist-filter"' not in html  # no filter sidebar taking a third of the width


def test_tokens_per_second_says_what_it_measures(admin_client: Client) -> None:
    ModelSession.objects.create(name="chat", model_path="/srv/var/models/smollm2")
    html = admin_client.get(CHANGELIST).content.decode()
    assert "prefill excluded" in TOKENS_PER_SECOND_HELP
    assert (
        f'<abbr title="{TOKENS_PER_SECOND_HELP.replace(chr(39), "&#x27;")}">tokens/s</abbr>' in html
    )
    assert "tokens/s is decode speed, prefill excluded" in html


def test_a_long_last_error_is_shortened_with_all_of_it_in_a_tooltip() -> None:
    session = ModelSession(name="chat", model_path="/srv/var/models/smollm2")
    error = "WorkerCrashedError: " + "the worker died while loading its model " * 5
    session._talu_stats = PoolStats(  # type: ignore[attr-defined]
        state="degraded",
        workers_alive=0,
        workers_total=1,
        in_flight=0,
        queued=0,
        tokens_per_second=0.0,
        last_error=error,
    )
    shown = ModelSessionAdmin(ModelSession, admin.site).last_error(session)
    assert shown == f'<span title="{error}">{error[: ERROR_PREVIEW - 1]}…</span>'
    session._talu_stats = replace(session._talu_stats, last_error="model gone")  # type: ignore[attr-defined]
    assert ModelSessionAdmin(ModelSession, admin.site).last_error(session) == "model gone"
