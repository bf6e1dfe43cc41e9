"""The demo's error pages with ``DEBUG=0``: 400, 403, 404 and 500 in the site's layout, drawn from
kida templates found through the backend (not Django's bare defaults)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, include, path

from demo_project.urls import handler400, handler403, handler404, handler500
from djkida.backend import Kida

pytestmark = pytest.mark.django_db


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("staff only")


# The demo's own routes plus views that fail and refuse, for the 500 and 403 pages.
urlpatterns: list[URLPattern | URLResolver] = [
    path("broken/", fail),
    path("staff-only/", refuse),
    path("", include("demo_project.urls")),
]
# Django looks its error handlers up in the root URLconf: this one uses the demo's.
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def assert_site_page(
    response: HttpResponse, status: int, *texts: str, template: str | None = None
) -> None:
    """``response`` is the site's kida page ``template`` (``<status>.html``), with its
    navigation and ``texts``."""
    assert response.status_code == status
    html = response.content.decode()
    assert '<nav aria-label="Demos">' in html
    assert 'href="/static/demo/site.css"' in html
    assert f"<title>{status} " in html
    for text in texts:
        assert text in html
    first = response.templates[0]
    assert first.template.name == f"demo/errors/{template or status}.html"
    assert isinstance(first.backend, Kida)


def test_debug_is_off_here() -> None:
    assert settings.DEBUG is False


def test_unknown_page_is_a_site_404_naming_the_path(client: Client) -> None:
    assert_site_page(client.get("/no/such/page/"), 404, "Page not found", "/no/such/page/")


def test_unknown_conversation_is_a_site_404(client: Client) -> None:
    assert_site_page(client.get("/chat/987654/"), 404, "Page not found")


@pytest.mark.parametrize("page", ["/dashboard/stream/", "/dashboard/suspense/"])
def test_bad_delay_is_a_site_400_saying_what_is_wrong(client: Client, page: str) -> None:
    response = client.get(page, {"delay": "abc"})
    assert_site_page(
        response, 400, "Bad request", "delay must be a number of seconds, not &#39;abc&#39;"
    )


def test_refused_form_is_a_site_403(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/live/announce/", {"text": "hi"})
    assert_site_page(response, 403, "Form expired", template="403_csrf")
    assert "CSRF" not in response.content.decode()  # Django's reason stays in the log


@override_settings(ROOT_URLCONF=__name__)
def test_permission_denied_is_a_site_403(client: Client) -> None:
    assert_site_page(client.get("/staff-only/"), 403, "Forbidden")


@override_settings(ROOT_URLCONF=__name__)
def test_a_failing_view_is_a_site_500(db: None) -> None:
    response = Client(raise_request_exception=False).get("/broken/")
    assert_site_page(response, 500, "Server error")
    assert "a bug in a view" not in response.content.decode()
