"""What a template's static questions answer once ``preserve_ast=False`` dropped its tree:
kida-templates' answers (no metadata: None; no blocks, defs or reads; nothing cacheable),
while rendering still works."""

from typing import Any

import pytest

from kida import Environment

SOURCE = (
    "{% def card(title) %}{{ title }}{% end %}"
    "{% block nav %}{{ site.title }}{% end %}{{ page.name }}"
)

#: Method call → its answer without the tree.
WITHOUT_TREE: dict[str, tuple[tuple[Any, ...], Any]] = {
    "template_metadata": ((), None),
    "structure_manifest": ((), None),
    "block_metadata": ((), {}),
    "def_metadata": ((), {}),
    "list_defs": ((), []),
    "depends_on": ((), frozenset()),
    "required_context": ((), frozenset()),
    "validate_context": (({},), []),
    "is_cacheable": ((), False),
}


@pytest.mark.parametrize("method", sorted(WITHOUT_TREE))
def test_dropped_tree_answers_as_kida_does(method: str) -> None:
    args, expected = WITHOUT_TREE[method]
    kept = Environment().from_string(SOURCE)
    dropped = Environment(preserve_ast=False).from_string(SOURCE)
    assert getattr(kept, method)(*args) != expected  # the question has an answer with the tree
    assert getattr(dropped, method)(*args) == expected


def test_named_block_is_not_cacheable_without_the_tree() -> None:
    kept = Environment().from_string(SOURCE)
    dropped = Environment(preserve_ast=False).from_string(SOURCE)
    assert kept.is_cacheable("nav")
    assert not dropped.is_cacheable("nav")


def test_dropped_tree_still_renders_and_lists_its_blocks() -> None:
    dropped = Environment(preserve_ast=False).from_string(SOURCE)
    assert dropped.render(site={"title": "S"}, page={"name": "p"}) == "Sp"
    assert dropped.list_blocks() == ["nav"]
