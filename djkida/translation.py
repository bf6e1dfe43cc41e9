"""kida templates as ``makemessages`` sees them: each message a gettext call on its own line.

Django's ``makemessages`` hands every non-Python file to ``templatize``, which reads Django's
template language, and gives the result to ``xgettext --language=Python``. For a kida template
:func:`templatize` does that job with :mod:`kida.babel`: the output has the template's lines, each
holding the calls of the messages found on it (``gettext('…')``, ``ngettext``, ``pgettext``,
``npgettext``), and a ``# Translators: …`` comment ends the line before, so the ``.po`` file
gets the template's file and line references and the translator comments.
"""

import os
from collections.abc import Iterable

from kida.babel import Message, extract_messages

#: The functions recognised in templates, and the translation function each one stands for.
KEYWORDS = {
    "_": "gettext",
    "gettext": "gettext",
    "ngettext": "ngettext",
    "_n": "ngettext",
    "pgettext": "pgettext",
    "npgettext": "npgettext",
}
#: How many leading string arguments each translation function takes.
STRING_ARGUMENTS = {"gettext": 1, "ngettext": 2, "pgettext": 2, "npgettext": 3}
#: The comment tag Django's ``makemessages`` passes to ``xgettext --add-comments``.
COMMENT_TAG = "Translators"


def templatize(source: str, origin: str | None = None) -> str:
    """Python source with the messages of kida template ``source`` on their template lines.

    Comments of several messages on one line all go to its first message (Python has no
    comment inside a line); a comment for a message on line 1 has no line before it and is lost.

    Example::

        >>> templatize("{# Translators: brand #}\\n<h1>{{ _('Acme') }}</h1>")
        "# Translators: brand\\ngettext('Acme')"
    """
    calls: list[list[str]] = [[] for _ in range(source.count("\n") + 1)]
    comments: list[list[str]] = [[] for _ in calls]
    for lineno, funcname, message, notes in extract_messages(
        source, KEYWORDS, (COMMENT_TAG,), name=origin
    ):
        call = gettext_call(KEYWORDS[funcname], message)
        if call is not None:
            calls[lineno - 1].append(call)
            comments[lineno - 1].extend(notes)
    lines = ["; ".join(line) for line in calls]
    for index, notes in enumerate(comments[1:]):
        if notes:
            lines[index] = f"{lines[index]}  # {' '.join(notes)}".lstrip()
    return "\n".join(lines)


def gettext_call(function: str, message: Message) -> str | None:
    """``function('…', …)`` as Python source, or None when a needed argument is not a string."""
    arguments = (message,) if isinstance(message, str) else message
    strings = arguments[: STRING_ARGUMENTS[function]]
    if len(strings) < STRING_ARGUMENTS[function] or not all(isinstance(s, str) for s in strings):
        return None
    count = ", n" if function in ("ngettext", "npgettext") else ""
    return f"{function}({', '.join(repr(s) for s in strings)}{count})"


def is_kida_template(path: str, template_dirs: Iterable[str]) -> bool:
    """Whether the file at ``path`` lies in one of the (kida backends') ``template_dirs``."""
    real = os.path.realpath(path)
    return any(
        os.path.commonpath([real, directory]) == directory
        for directory in (os.path.realpath(d) for d in template_dirs)
    )
