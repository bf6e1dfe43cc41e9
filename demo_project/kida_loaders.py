"""Where the site's kida engine looks for templates.

With ``APP_DIRS`` the Kida backend would also see the admin's templates (Django template
language, not kida) and, being first in ``TEMPLATES``, fail to compile them instead of letting
Django's engine serve them. The site's engine therefore skips Django's own apps.
"""

from collections.abc import Sequence
from pathlib import Path

import django

import kida

DJANGO_ROOT = Path(django.__file__).resolve().parent


def site_templates(dirs: Sequence[str]) -> kida.FileSystemLoader:
    """A loader over ``dirs`` without the template directories shipped inside Django.

    Example (``TEMPLATES`` entry of the Kida backend)::

        "OPTIONS": {"loader": "demo_project.kida_loaders.site_templates"}
    """
    return kida.FileSystemLoader(
        [path for path in dirs if not Path(path).resolve().is_relative_to(DJANGO_ROOT)]
    )
