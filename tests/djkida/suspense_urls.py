"""Routes of the suspense tests, plus htmx from django-htmx's static files (no CDN)."""

from django.contrib.staticfiles.views import serve
from django.urls import URLPattern, path, re_path

from tests.djkida import gates, suspense_views

urlpatterns: list[URLPattern] = [
    path("dashboard/", suspense_views.dashboard),
    path("start/", suspense_views.start),
    path("ping/", suspense_views.ping),
    path("release/", gates.release_view),
    path("failing/", suspense_views.failing),
    path("cached/", suspense_views.cached),
    path("cache-backed/", suspense_views.cache_backed),
    path("endless/", suspense_views.endless),
    path("missing/", suspense_views.missing),
    path("nested/", suspense_views.nested),
    path("misconfigured/", suspense_views.misconfigured),
    # The servers run with DEBUG off; ``insecure`` serves static files anyway (tests only).
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
]
