from django.apps import AppConfig


class DjkidaConfig(AppConfig):
    """Registers djkida's system checks."""

    name = "djkida"
    verbose_name = "kida for Django"
