"""``makemessages`` that reads kida templates as kida (Django's own reads them as Django's).

Files in a Kida backend's template directories (``DIRS`` and the apps' ``templates/``) go
through :func:`djkida.translation.templatize`; every other file is handled as Django does.
"""

from django.core.management.base import CommandError
from django.core.management.commands import makemessages
from django.template import engines
from django.utils.functional import cached_property

import kida
from djkida.backend import Kida
from djkida.translation import is_kida_template, templatize


class KidaBuildFile(makemessages.BuildFile):
    """A file on its way to ``xgettext``: kida templates are templatized by djkida."""

    command: "Command"

    @cached_property
    def is_kida(self) -> bool:
        return self.domain == "django" and is_kida_template(
            self.path, self.command.kida_template_dirs
        )

    def preprocess(self) -> None:
        if not self.is_kida:
            super().preprocess()
            return
        with open(self.path, encoding="utf-8") as file:
            source = file.read()
        try:
            content = templatize(source, origin=self.path[2:])
        except kida.TemplateSyntaxError as exc:
            raise CommandError(f"{self.path}: {exc}") from exc
        with open(self.work_path, "w", encoding="utf-8") as file:
            file.write(content)


class Command(makemessages.Command):
    """Django's ``makemessages``, with kida templates' messages, lines and translator comments.

    Example::

        python manage.py makemessages -l fr
    """

    build_file_class = KidaBuildFile

    @cached_property
    def kida_template_dirs(self) -> tuple[str, ...]:
        return tuple(
            directory
            for backend in engines.all()
            if isinstance(backend, Kida)
            for directory in backend.template_dirs
        )
