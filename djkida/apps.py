from django.apps import AppConfig
from django.core import checks


class DjkidaConfig(AppConfig):
    """Registers djkida's system checks."""

    name = "djkida"
    verbose_name = "kida for Django"

    def ready(self) -> None:
        from djkida.checks import check_inbox_fits_replay, check_templates_compile

        checks.register(check_templates_compile, checks.Tags.templates)
        checks.register(check_inbox_fits_replay)
