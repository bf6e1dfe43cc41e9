"""HTML escaping for Python code that builds markup outside templates."""

from typing import Any

from markupsafe import escape


def html_escape(value: Any) -> str:
    """``value`` as text safe inside HTML: ``& < > " '`` escaped, unless it is markup already
    (has ``__html__``, like ``Markup``), which is kept as it is.

    Example::

        >>> html_escape("<b>")
        '&lt;b&gt;'
    """
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return str(escape(str(value)))
