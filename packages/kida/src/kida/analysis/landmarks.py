"""Which HTML5 landmark elements a template writes in its literal text: the structural hint
behind ``BlockMetadata.emits_landmarks`` and the role of a block.

Only the template's own text counts: tags produced by an expression, a filter or an included
template are not seen.
"""

import re

from kida import nodes as n

#: The sectioning and landmark elements looked for.
LANDMARK_ELEMENTS = frozenset({"nav", "main", "header", "footer", "aside", "article", "section"})

_OPENING_TAG = re.compile(r"<\s*([A-Za-z][\w-]*)")


class LandmarkDetector:
    """The landmark elements (``nav``, ``main``, ``header``, ``footer``, ``aside``,
    ``article``, ``section``) opened anywhere in a node's literal text, lower-cased.

    Example::

        LandmarkDetector().detect(block)  # frozenset({'nav'})
    """

    def detect(self, node: n.Node) -> frozenset[str]:
        """The landmarks ``node`` and everything inside it write."""
        found: set[str] = set()
        for child in node.walk():
            if isinstance(child, n.Data):
                found.update(
                    tag.lower()
                    for tag in _OPENING_TAG.findall(child.text)
                    if tag.lower() in LANDMARK_ELEMENTS
                )
        return frozenset(found)
