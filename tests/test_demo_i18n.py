"""The demo in French: chosen by Accept-Language or the switcher, in streamed and suspense pages;
its catalog is what djkida's makemessages finds in the templates, compiled; the htmx metrics
refresh is a partial response; Channels routes are reversed in templates."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http.response import HttpResponseBase
from django.test import AsyncClient
from pytest_django.fixtures import Settings

from tests.services import gettext_tools_or_skip

pytestmark = pytest.mark.django_db

DEMO_APP = Path(settings.BASE_DIR) / "demo_project" / "demo"
CATALOG = DEMO_APP / "locale" / "fr" / "LC_MESSAGES"


async def body_of(response: HttpResponseBase) -> str:
    if response.streaming:
        chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]
        return b"".join(chunks).decode()
    return response.content.decode()  # type: ignore[attr-defined]


async def test_accept_language_picks_french_navigation_and_headings(
    async_client: AsyncClient,
) -> None:
    french = await body_of(await async_client.get("/", headers={"Accept-Language": "fr"}))
    assert '<html lang="fr">' in french
    assert ">Aperçu</a>" in french
    assert ">Fil en direct</a>" in french
    assert "<h2>Rendu progressif</h2>" in french
    english = await body_of(await async_client.get("/", headers={"Accept-Language": "en"}))
    assert ">Overview</a>" in english
    assert "<h2>Progressive rendering</h2>" in english
    assert "Aperçu" not in english


async def test_the_switcher_sets_the_language_for_the_next_pages(
    async_client: AsyncClient,
) -> None:
    page = await body_of(await async_client.get("/"))
    assert 'action="/i18n/setlang/"' in page
    assert '<button name="language" value="fr" lang="fr">Français</button>' in page
    response = await async_client.post("/i18n/setlang/", {"language": "fr", "next": "/live/"})
    assert response.status_code == 302
    assert response["Location"] == "/live/"
    live = await body_of(await async_client.get("/live/"))
    assert "<h1>Fil en direct</h1>" in live
    assert 'value="fr" lang="fr" aria-current="true"' in live


async def test_deferred_blocks_of_a_suspense_page_are_translated(
    async_client: AsyncClient,
) -> None:
    response = await async_client.get(
        "/dashboard/suspense/", {"delay": "0"}, headers={"Accept-Language": "fr"}
    )
    html = await body_of(response)
    assert html.count("Dernières commandes") >= 1
    assert "Latest orders" not in html
    assert "Recommandations" in html


async def test_metrics_refresh_is_a_partial_of_the_streamed_dashboard(
    async_client: AsyncClient,
) -> None:
    page = await body_of(await async_client.get("/dashboard/stream/", {"delay": "0"}))
    assert 'hx-get="/dashboard/stream/metrics/?delay=0.0"' in page
    response = await async_client.get(
        "/dashboard/stream/metrics/", {"delay": "0"}, headers={"HX-Request": "true"}
    )
    html = (await body_of(response)).strip()
    assert html.startswith('<section class="card wide" id="metrics">')
    assert html.endswith("</section>")
    assert 'class="metrics"' in html
    assert "<header" not in html
    assert "<html" not in html
    bad = await async_client.get("/dashboard/stream/metrics/", {"delay": "soon"})
    assert bad.status_code == 400


async def test_channels_routes_are_reversed_in_the_demo(async_client: AsyncClient) -> None:
    live = await body_of(await async_client.get("/live/"))
    assert 'sse-connect="/djkida/events/public.live/"' in live
    chat = await body_of(await async_client.get("/chat/"))
    assert 'data-ws-path="/ws/talu/default/"' in chat


def catalog_entries(mo_file: Path) -> dict[object, str]:
    with mo_file.open("rb") as file:
        entries: dict[object, str] = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in entries.items() if key != ""}


def test_the_catalog_holds_every_template_message_translated(
    tmp_path: Path, settings: Settings
) -> None:
    """A real makemessages over a copy of the demo app finds exactly the committed messages,
    and the committed .mo is the .po compiled."""
    gettext_tools_or_skip()
    app = tmp_path / "demo"
    shutil.copytree(DEMO_APP / "templates", app / "templates")
    (app / "locale").mkdir()
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [app / "templates"], "APP_DIRS": False},
        *settings.TEMPLATES[1:],
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(app)
        call_command("makemessages", locale=["fr"], verbosity=0)
    fresh = (app / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text()
    committed = (CATALOG / "django.po").read_text()
    assert msgids(fresh) == msgids(committed)
    assert "#. Translators: the demo's main navigation" in fresh
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(CATALOG / "django.po")], check=True
    )
    entries = catalog_entries(compiled)
    assert entries == catalog_entries(CATALOG / "django.mo")
    assert all(entries.values())  # every message translated


def msgids(po: str) -> set[str]:
    return {line for line in po.splitlines() if line.startswith("msgid ")} - {'msgid ""'}
