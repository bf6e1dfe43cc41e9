"""Routes of the demo pages."""

from django.urls import path

from demo_project.demo import views

urlpatterns = [
    path("", views.index, name="index"),
]
