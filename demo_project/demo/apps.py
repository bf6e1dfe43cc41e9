from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo pages."""

    name = "demo_project.demo"
    label = "demo"
