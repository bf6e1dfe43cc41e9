"""URL routes of the demo site (SSE and WebSocket consumers are in :mod:`demo_project.routing`)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve
from django.urls import URLPattern, URLResolver, include, path, re_path

from demo_project.demo.views import errors

# The site's error pages (kida templates in the site's layout).
handler400 = errors.invalid_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language, for the switcher
    path("", include("djtalu.urls")),  # the OpenAI-compatible API under /v1/
    path("", include("demo_project.demo.urls")),
]

if settings.SERVE_STATIC:
    # daphne serves no static files; a real deployment puts them behind nginx or a CDN.
    urlpatterns.append(
        re_path(rf"^{settings.STATIC_URL.lstrip('/')}(?P<path>.*)$", serve, {"insecure": True})
    )
