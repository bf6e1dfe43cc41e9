from django.apps import AppConfig


class DjtaluConfig(AppConfig):
    """The inference app."""

    name = "djtalu"
    verbose_name = "talu inference"
    default_auto_field = "django.db.models.BigAutoField"
