"""``check_a11y()``: accessibility problems visible in a template's literal markup.

Rules (kida's, with their codes): ``img-alt`` (K-A11Y-001, error) an ``<img>`` without
``alt`` unless ``role="presentation"``/``"none"``; ``heading-order`` (K-A11Y-002) a heading
more than one level below the previous one; ``html-lang`` (K-A11Y-003) ``<html>`` without
``lang``; ``input-label`` (K-A11Y-004) an ``<input>`` (not hidden), ``<select>`` or
``<textarea>`` with no ``<label for=…>`` naming its ``id``, no ``aria-label``,
``aria-labelledby`` or ``title``. A tag whose attributes come partly from ``{{ }}`` is given the
benefit of the doubt.
"""

from dataclasses import dataclass
from typing import Any

from kida.analysis.markup import StaticTag, static_tags
from kida.analysis.targets import tree_of
from kida.exceptions import ErrorCode

_CODES = {
    "img-alt": ErrorCode.A11Y_IMG_ALT,
    "heading-order": ErrorCode.A11Y_HEADING_ORDER,
    "html-lang": ErrorCode.A11Y_HTML_LANG,
    "input-label": ErrorCode.A11Y_INPUT_LABEL,
}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_FORM_CONTROLS = frozenset({"input", "select", "textarea"})
_NAMING_ATTRIBUTES = ("aria-label", "aria-labelledby", "title")


@dataclass(frozen=True, slots=True)
class A11yIssue:
    """One finding: ``lineno`` 1-based, ``col_offset`` 0-based (where the tag starts)."""

    lineno: int
    col_offset: int
    rule: str
    message: str
    severity: str = "warning"

    @property
    def code(self) -> ErrorCode:
        """The rule's stable code (``K-A11Y-001`` … ``K-A11Y-004``), a ``str``."""
        return _CODES[self.rule]


def _issue(tag: StaticTag, rule: str, message: str, severity: str = "warning") -> A11yIssue:
    return A11yIssue(tag.lineno, tag.col_offset, rule, message, severity)


def _img_alt(tag: StaticTag) -> A11yIssue | None:
    role = tag.get("role")
    decorative = role is not None and (role.value or "").strip().lower() in ("presentation", "none")
    if decorative or tag.has("alt"):
        return None
    return _issue(tag, "img-alt", "<img> missing alt attribute", "error")


def _html_lang(tag: StaticTag) -> A11yIssue | None:
    if tag.has("lang"):
        return None
    return _issue(tag, "html-lang", "<html> missing lang attribute")


def _needs_label(tag: StaticTag) -> bool:
    if tag.open_attributes or any(tag.get(name) for name in _NAMING_ATTRIBUTES):
        return False
    kind = tag.get("type")
    return not (tag.name == "input" and kind is not None and (kind.value or "").lower() == "hidden")


def check_a11y(template_or_ast: Any) -> list[A11yIssue]:
    """The accessibility findings of a template or tree, sorted by ``(lineno, col_offset)``.

    Example::

        >>> [(i.rule, i.code) for i in check_a11y(env.from_string('<img src="a.png">'))]
        [('img-alt', 'K-A11Y-001')]
    """
    tree = tree_of(template_or_ast)
    if tree is None:
        return []
    issues: list[A11yIssue] = []
    labelled: set[str] = set()
    controls: list[StaticTag] = []
    previous: int | None = None
    for tag in static_tags(tree):
        found: A11yIssue | None = None
        if tag.name == "img":
            found = _img_alt(tag)
        elif tag.name == "html":
            found = _html_lang(tag)
        elif tag.name in _HEADINGS:
            level = _HEADINGS[tag.name]
            if previous is not None and level > previous + 1:
                found = _issue(
                    tag,
                    "heading-order",
                    f"Heading level skipped: <h{level}> after <h{previous}> "
                    f"(expected <h{previous + 1}>)",
                )
            previous = level
        elif tag.name == "label":
            target = tag.get("for")
            if target is not None and target.value:
                labelled.add(target.value)
        elif tag.name in _FORM_CONTROLS and _needs_label(tag):
            controls.append(tag)
        if found is not None:
            issues.append(found)
    for tag in controls:
        ident = tag.get("id")
        if ident is not None and (ident.dynamic or ident.value in labelled):
            continue
        issues.append(
            _issue(tag, "input-label", "Form element missing associated <label> or aria-label")
        )
    return sorted(issues, key=lambda issue: (issue.lineno, issue.col_offset))
