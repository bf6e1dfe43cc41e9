"""The admin and djtalu's API, as a site using djtalu would route them."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("", include("djtalu.urls")),
]
