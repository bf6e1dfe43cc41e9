"""The ``_`` and ``_n`` template globals before any translations are installed.

kida documents them as always present: ``_`` returns its message and ``_n`` picks the singular
when the count is 1, so single-language templates render without configuration.
``Environment.install_translations`` / ``install_gettext_callables`` replace them (and the
``gettext`` / ``ngettext`` globals ``{% trans %}`` calls).
"""

from __future__ import annotations


def identity_gettext(message: str) -> str:
    """The message untranslated."""
    return message


def identity_ngettext(singular: str, plural: str, count: int) -> str:
    """The singular form for a count of 1, the plural form otherwise, untranslated."""
    return singular if count == 1 else plural
