"""The demo pages."""

from django.http import HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    """The landing page (a placeholder until the kida backend lands)."""
    return HttpResponse("<!doctype html><title>djstream demo</title><h1>djstream demo</h1>")
