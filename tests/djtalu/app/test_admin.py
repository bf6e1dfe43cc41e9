"""The admin shows live pool status and restarts workers, like it would inside a server."""

import asyncio
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from djtalu import pools
from djtalu.models import Conversation, Message, ModelSession

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.djtalu.app.urls")]

CHANGELIST = reverse("admin:djtalu_modelsession_changelist", urlconf="tests.djtalu.app.urls")


@pytest.fixture
def served(tiny_model: Path, server_loop: asyncio.AbstractEventLoop) -> ModelSession:
    """Session "tiny" with its pool started on the server loop, as a first request would."""
    session = ModelSession.objects.create(name="tiny", model_path=str(tiny_model), workers=2)
    pool = asyncio.run_coroutine_threadsafe(pools.pool_for(session), server_loop).result(60)
    deadline = time.monotonic() + 60
    while pool.stats().state != "running":  # start() returns once the first worker is ready
        assert time.monotonic() < deadline, pool.stats()
        time.sleep(0.05)
    return session


def cells(client: Client, field: str) -> list[str]:
    """The text of every cell of the changelist column ``field``."""
    html = client.get(CHANGELIST).content.decode()
    marker = f'<td class="field-{field}">'
    return [part.split("</td>")[0] for part in html.split(marker)[1:]]


@pytest.mark.slow
def test_changelist_shows_live_worker_status(served: ModelSession, admin_client: Client) -> None:
    ModelSession.objects.create(name="idle", model_path="/nowhere")

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    # Sessions are ordered by name: "idle" (never started), then "tiny" (running).
    assert cells(admin_client, "state") == ["not started", "running"]
    assert cells(admin_client, "live_workers") == ["-", "2/2"]
    assert cells(admin_client, "in_flight") == ["-", "0"]
    assert cells(admin_client, "tokens_per_second") == ["-", "0.0"]


@pytest.mark.slow
def test_restart_action_replaces_the_worker_processes(
    served: ModelSession, admin_client: Client
) -> None:
    running = pools._running_pool("tiny")
    assert running is not None
    before = set(running.backend.worker_pids())

    response = admin_client.post(
        CHANGELIST,
        {"action": "restart_workers", "_selected_action": [served.pk]},
        follow=True,
    )

    after = set(running.backend.worker_pids())
    assert "Restarted workers of: tiny." in response.content.decode()
    assert len(after) == 2
    assert not before & after
    # restart() returns once one worker is ready; the other may still be loading its model.
    deadline = time.monotonic() + 30
    while cells(admin_client, "state") != ["running"]:
        assert time.monotonic() < deadline, cells(admin_client, "state")
        time.sleep(0.1)


@pytest.mark.slow
def test_disable_action_stops_the_workers(served: ModelSession, admin_client: Client) -> None:
    admin_client.post(CHANGELIST, {"action": "disable_sessions", "_selected_action": [served.pk]})

    served.refresh_from_db()
    assert not served.enabled
    assert pools._running_pool("tiny") is None
    assert cells(admin_client, "state") == ["not started"]


def test_session_form_validates_generation_defaults(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:djtalu_modelsession_add"),
        {"name": "Bad Name", "model_path": "/m", "max_tokens": 0, "temperature": 5,
         "top_k": 50, "top_p": 0.9, "max_prompt_tokens": 1024, "workers": 1, "enabled": "on"},
    )  # fmt: skip

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"name", "max_tokens", "temperature"}
    assert not ModelSession.objects.exists()


def test_conversation_page_shows_message_statuses(admin_client: Client) -> None:
    session = ModelSession.objects.create(name="tiny", model_path="/m")
    conversation = Conversation.objects.create(session=session, title="hello")
    Message.objects.create(conversation=conversation, role="user", content="hello")
    Message.objects.create(
        conversation=conversation, role="assistant", content="partial te", status="cancelled"
    )

    response = admin_client.get(reverse("admin:djtalu_conversation_change", args=[conversation.pk]))

    assert response.status_code == 200
    assert "partial te" in response.content.decode()
    assert 'value="cancelled" selected' in response.content.decode()
