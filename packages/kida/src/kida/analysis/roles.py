"""A block's likely role on the page (navigation, content, sidebar, header, footer), guessed
from the landmarks it writes and, failing those, from its name. A heuristic for frameworks
that place or cache blocks by role, "unknown" when nothing points anywhere."""

from kida.analysis.metadata import Role

#: Block names that say the role by themselves (compared lower-cased, whole name).
_ROLE_BY_NAME: dict[str, Role] = {
    **dict.fromkeys(("nav", "navigation", "menu", "navbar", "topnav", "sidenav"), "navigation"),
    **dict.fromkeys(("content", "main", "body", "article", "post", "entry"), "content"),
    **dict.fromkeys(("sidebar", "aside", "toc", "left", "right"), "sidebar"),
    **dict.fromkeys(("header", "head", "masthead", "banner", "hero"), "header"),
    **dict.fromkeys(("footer", "foot", "colophon", "bottom"), "footer"),
}

#: Landmarks that decide a role, strongest first (a lone ``nav`` is checked before these).
_ROLE_BY_LANDMARK: tuple[tuple[str, Role], ...] = (
    ("main", "content"),
    ("aside", "sidebar"),
    ("header", "header"),
    ("footer", "footer"),
)


def classify_role(block_name: str, landmarks: frozenset[str]) -> Role:
    """The role of block ``block_name`` writing ``landmarks``.

    Landmarks decide first, as the stronger signal: a lone ``<nav>`` is navigation, ``<main>``
    content, ``<aside>`` a sidebar, ``<header>`` a header, ``<footer>`` a footer (in that
    order when several appear, so a nav beside other landmarks does not make the block
    navigation). Without a deciding landmark the whole name counts (``nav``, ``menu``,
    ``content``, ``post``, ``toc``, ``hero``, ``colophon``…).

    Example::

        classify_role("sidebar", frozenset({"nav"}))  # "navigation"
        classify_role("custom", frozenset())  # "unknown"
    """
    if landmarks == {"nav"}:
        return "navigation"
    for landmark, role in _ROLE_BY_LANDMARK:
        if landmark in landmarks:
            return role
    return _ROLE_BY_NAME.get(block_name.lower(), "unknown")
