"""Error answers in the site's layout (Django's handlers find ``400.html`` … ``500.html`` too)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page saying what was wrong with the request."""
    return render(request, "400.html", {"message": message}, status=400)
