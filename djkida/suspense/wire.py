"""How a deferred block travels to the browser, after the shell, in the same response body.

Convention: a deferred block renders exactly the element it replaces, carrying the target id
(``{% block stats %}<section id="stats">…</section>{% endblock %}``). In the shell the same block
renders that element with its skeleton; later it replaces it whole (outerHTML), so both
transports end with the same DOM and no id ever appears twice.

- htmx requests: the element itself with ``hx-swap-oob="true"`` added to its root tag. htmx on
  its own waits for the whole response and resolves out-of-band targets before swapping the
  shell in, so pages load ``djkida/suspense-htmx.js`` after htmx: it swaps the shell as soon as
  it arrives, then each element over the one with its id (dropping the attribute, or saying
  ``console.error`` when there is none).
- Full page loads: ``<template id="djkida-suspense-{id}">`` holding the element, then a tiny
  inline script (with the request's CSP nonce) that moves it over ``#{id}`` and removes both
  itself and the template (or says ``console.error`` when the page has no such element). When
  htmx loads this form (boosts, history restores), ``djkida/suspense-htmx.js`` does the same in
  the response before htmx swaps it: run by htmx, the scripts would carry this response's nonce,
  which the policy of the page already shown does not know.
"""

import re

from markupsafe import escape

from djkida.suspense.discovery import SuspenseError

# The root element's start tag (of the stripped HTML) and its id attribute.
_ROOT_TAG = re.compile(r"\A<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])([^>]*)>")
_ID_ATTRIBUTE = re.compile(
    r"""(?:^|\s)id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)
_TEMPLATE_PREFIX = "djkida-suspense-"
_SWAP_SCRIPT = (
    "(function(){{"
    'var t=document.getElementById("{template}"),e=document.getElementById("{target}");'
    "if(e){{e.replaceWith(t.content)}}"
    'else{{console.error("djkida suspense: no element with id \\"{target}\\" to replace")}}'
    "t.remove();document.currentScript.remove()}})()"
)


def _root_id(tag: re.Match[str] | None) -> str | None:
    """The id attribute of a start tag matched by ``_ROOT_TAG`` (None without tag or id)."""
    attribute = _ID_ATTRIBUTE.search(tag.group(2)) if tag else None
    if attribute is None:
        return None
    return next(value for value in attribute.groups() if value is not None)


def _root_element(html: str, target: str, block: str) -> re.Match[str]:
    """The root start tag of ``html`` stripped of surrounding whitespace (``.string``), refused
    unless it has id ``target``.

    Whitespace goes so that both transports insert exactly one element.
    """
    tag = _ROOT_TAG.match(html.strip())
    found = _root_id(tag)
    if tag is None or found != target:
        got = f"root id {found!r}" if found else f"{html.strip()[:60]!r}"
        raise SuspenseError(
            f"deferred block {block!r} must render the element it replaces, "
            f'e.g. <section id="{target}">…</section>; got {got}'
        )
    return tag


def oob_element(html: str, target: str, block: str) -> str:
    """The htmx form: the block's root element, marked for an outerHTML out-of-band swap.

    Example::

        >>> oob_element('<section id="stats">42</section>', "stats", "stats")
        '<section hx-swap-oob="true" id="stats">42</section>'
    """
    tag = _root_element(html, target, block)
    html, name_end = tag.string, tag.end(1)
    return f'{html[:name_end]} hx-swap-oob="true"{html[name_end:]}'


def page_swap(html: str, target: str, block: str, nonce: str | None = None) -> str:
    """The full-page form: the element in a ``<template>`` and a script that swaps it in.

    Example::

        >>> page_swap('<p id="n">1</p>', "n", "n").startswith('<template id="djkida-suspense-n">')
        True
    """
    html = _root_element(html, target, block).string
    template = _TEMPLATE_PREFIX + target
    nonce_attribute = f' nonce="{escape(nonce)}"' if nonce else ""
    script = _SWAP_SCRIPT.format(template=template, target=target)
    return f'<template id="{template}">{html}</template><script{nonce_attribute}>{script}</script>'


def error_element(target: str, message: str) -> str:
    """The default stand-in for a block whose data failed: a visible, escaped message.

    Example::

        >>> error_element("stats", "<timeout>")
        '<div id="stats" class="djkida-suspense-error" role="alert">&lt;timeout&gt;</div>'
    """
    return f'<div id="{target}" class="djkida-suspense-error" role="alert">{escape(message)}</div>'
