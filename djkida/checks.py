"""``manage.py check``: every kida template compiles, and the broadcast settings fit together.

Each Kida backend's templates (DIRS and the apps' ``templates/`` directories, as the backend
searches them) are compiled, never rendered, so a syntax error is reported with its file and
line before a request finds it.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error
from django.core.checks import Warning as CheckWarning
from django.template import engines

import kida
from djkida.backend import Kida
from djkida.conf import djkida_settings


def check_templates_compile(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """One ``djkida.E001`` error per kida template that does not compile."""
    errors: list[CheckMessage] = []
    for backend in engines.all():
        if isinstance(backend, Kida):
            errors.extend(_compile_errors(backend))
    return errors


def _compile_errors(backend: Kida) -> Iterator[Error]:
    """Compile each template of ``backend`` once (the first file of a name wins, as in loading)."""
    seen: set[str] = set()
    for directory in map(Path, backend.template_dirs):
        for path in sorted(_template_files(directory)):
            name = path.relative_to(directory).as_posix()
            if name in seen:
                continue
            seen.add(name)
            try:
                backend.env.get_template(name)
            except (kida.TemplateNotFoundError, UnicodeDecodeError):
                continue  # not a text template, or not served by this backend's loader
            except kida.TemplateError as exc:
                yield Error(
                    f"{path}:{exc.lineno or '?'}: {exc.message}",
                    hint=exc.hint,
                    obj=str(path),
                    id="djkida.E001",
                )


def _template_files(directory: Path) -> Iterator[Path]:
    """Files under ``directory``, without hidden ones and ``__pycache__`` (compiled caches)."""
    for path in directory.rglob("*"):
        parts = path.relative_to(directory).parts
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts):
            yield path


def check_inbox_fits_replay(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``djkida.W001`` when a client disconnected for falling behind could not replay it all.

    Such a client is ``DJKIDA_INBOX_SIZE`` events behind; it reconnects and replays from the
    buffer of the last ``DJKIDA_REPLAY_SIZE`` events.
    """
    conf = djkida_settings()
    inbox, replay = conf.inbox_size, conf.replay_size
    if inbox < replay:
        return []
    return [
        CheckWarning(
            f"DJKIDA_INBOX_SIZE ({inbox}) is not below DJKIDA_REPLAY_SIZE ({replay}): a client "
            "disconnected for falling behind would miss events when it reconnects",
            hint="raise DJKIDA_REPLAY_SIZE or lower DJKIDA_INBOX_SIZE",
            id="djkida.W001",
        )
    ]
