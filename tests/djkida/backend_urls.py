"""Routes of the sync backend tests: render(), TemplateResponse, TemplateView."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView


def rendered(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "backend/page.html",
        {"title": "Rendered", "trusted": mark_safe("<b>bold</b>"), "untrusted": "<i>x</i>"},
    )


def template_response(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "backend/page.html", {"title": "Deferred"})


def render_error(request: HttpRequest) -> HttpResponse:
    return render(request, "backend/runtime_error.html")


def syntax_error(request: HttpRequest) -> HttpResponse:
    return render(request, "broken/syntax_error.html")


urlpatterns: list[URLPattern] = [
    path("rendered/", rendered, name="backend-rendered"),
    path("template-response/", template_response, name="backend-template-response"),
    path(
        "template-view/",
        TemplateView.as_view(template_name="backend/page.html", extra_context={"title": "View"}),
        name="backend-template-view",
    ),
    path("render-error/", render_error, name="backend-render-error"),
    path("syntax-error/", syntax_error, name="backend-syntax-error"),
]
