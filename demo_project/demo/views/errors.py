"""Error answers in the site's layout.

The templates live under ``demo/errors/`` (not Django's default ``404.html`` names): a project's
other engines with ``APP_DIRS`` (Django's, for the admin) would otherwise find these kida
templates by Django's default names and fail to parse them. The demo's URLconf points Django's
``handler400`` … ``handler500`` and ``CSRF_FAILURE_VIEW`` here.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, context: dict[str, Any] | None = None) -> HttpResponse:
    return render(request, f"demo/errors/{status}.html", context, status=status)


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page saying what was wrong with the request."""
    return _page(request, 400, {"message": message})


def invalid_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's ``handler400`` (a suspicious or malformed request: no detail on the page)."""
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's ``handler403``."""
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's ``handler404``: names the path that matched nothing."""
    return _page(request, 404, {"request_path": request.path})


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``: no context beyond the request (the error stays in the log)."""
    return _page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: an expired form, without Django's reason (that goes to the log)."""
    return render(request, "demo/errors/403_csrf.html", status=403)
