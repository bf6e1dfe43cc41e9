"""Which blocks a deferred key fills: own dependencies, outermost wins, overrides, bad names."""

import pytest

from djkida.suspense.discovery import (
    BlockInfo,
    DeferredBlock,
    SuspenseError,
    _context_root,
    find_deferred_blocks,
    template_blocks,
)
from kida import DictLoader, Environment

# content          reads user.name
# ├── stats        reads stats.total
# │   └── rows     reads stats.rows
# └── feed         reads feed, user
# sidebar          reads user
PAGE = [
    BlockInfo("content", frozenset({"user.name"})),
    BlockInfo("stats", frozenset({"stats.total"}), parent="content"),
    BlockInfo("rows", frozenset({"stats.rows"}), parent="stats"),
    BlockInfo("feed", frozenset({"feed", "user"}), parent="content"),
    BlockInfo("sidebar", frozenset({"user"})),
]


def names(deferred: list[DeferredBlock]) -> list[str]:
    return [block.name for block in deferred]


def test_context_root_strips_attribute_and_item_paths() -> None:
    assert [_context_root(p) for p in ("stats", "stats.total", "rows[0].x")] == [
        "stats",
        "stats",
        "rows",
    ]


def test_outermost_block_that_reads_the_key_itself_is_chosen() -> None:
    # content only contains stats/rows; stats reads stats.total itself; rows sits inside stats.
    assert find_deferred_blocks(PAGE, {"stats"}) == [
        DeferredBlock("stats", "stats", frozenset({"stats"}))
    ]


def test_a_page_wide_block_reading_the_key_directly_wins() -> None:
    # content reads user.name itself, so deferring user sends content (sidebar is separate).
    assert names(find_deferred_blocks(PAGE, {"user"})) == ["content", "sidebar"]


def test_blocks_come_in_template_order_and_merge_keys() -> None:
    deferred = find_deferred_blocks(PAGE, {"feed", "stats"})
    assert deferred == [
        DeferredBlock("stats", "stats", frozenset({"stats"})),
        DeferredBlock("feed", "feed", frozenset({"feed"})),
    ]
    both = find_deferred_blocks(PAGE, {"feed"}, defer_blocks={"feed": ["feed", "sidebar"]})
    assert [(b.name, b.keys) for b in both] == [
        ("feed", frozenset({"feed"})),
        ("sidebar", frozenset({"feed"})),
    ]


def test_defer_blocks_overrides_and_defer_map_renames_targets() -> None:
    deferred = find_deferred_blocks(
        PAGE, {"stats"}, defer_blocks={"stats": "rows"}, defer_map={"rows": "stat-rows"}
    )
    assert deferred == [DeferredBlock("rows", "stat-rows", frozenset({"stats"}))]


def test_override_for_a_key_that_is_not_deferred_is_ignored() -> None:
    assert find_deferred_blocks(PAGE, {"stats"}, defer_blocks={"feed": "feed"}) == [
        DeferredBlock("stats", "stats", frozenset({"stats"}))
    ]


@pytest.mark.parametrize(
    "options",
    [{"defer_blocks": {"stats": ["nope"]}}, {"defer_map": {"nope": "x"}}],
)
def test_unknown_block_names_raise_listing_the_known_blocks(options: dict[str, object]) -> None:
    with pytest.raises(SuspenseError, match="unknown block 'nope'") as info:
        find_deferred_blocks(PAGE, {"stats"}, template_name="page.html", **options)  # type: ignore[arg-type]
    assert "of template 'page.html'" in str(info.value)
    assert "sidebar (reads user)" in str(info.value)


def test_a_deferred_key_no_block_reads_raises() -> None:
    with pytest.raises(SuspenseError, match="'weather' is used by no block") as info:
        find_deferred_blocks(PAGE, {"weather"})
    assert "known blocks: content (reads" in str(info.value)


def test_two_blocks_on_one_target_or_a_bad_id_raise() -> None:
    with pytest.raises(SuspenseError, match="both target id 'x'"):
        find_deferred_blocks(PAGE, {"stats", "feed"}, defer_map={"stats": "x", "feed": "x"})
    with pytest.raises(SuspenseError, match="target id 'a b'"):
        find_deferred_blocks(PAGE, {"stats"}, defer_map={"stats": "a b"})


def test_template_blocks_reads_nesting_and_own_paths_across_extends() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": (
                    "{% block content %}<main>{% block stats %}{{ stats.total }}"
                    "{% if on %}{% block rows %}{{ stats.rows }}{% endblock %}{% endif %}"
                    "{% endblock %}{% block feed %}{{ feed }}{% endblock %}</main>{% endblock %}"
                    "{% block sidebar %}{{ user }}{% endblock %}"
                ),
                "child.html": (
                    '{% extends "base.html" %}{% block feed %}<section id="feed">'
                    "{% block items %}{{ feed.items }}{% endblock %}</section>{% endblock %}"
                    "{% fragment oops %}{{ error }}{% endfragment %}"
                ),
            }
        )
    )
    assert template_blocks(env.get_template("child.html")) == [
        BlockInfo("content", frozenset(), None),
        BlockInfo("stats", frozenset({"stats.total", "on"}), "content"),
        BlockInfo("rows", frozenset({"stats.rows"}), "stats"),
        BlockInfo("feed", frozenset(), "content"),
        BlockInfo("items", frozenset({"feed.items"}), "feed"),
        BlockInfo("sidebar", frozenset({"user"}), None),
        BlockInfo("oops", frozenset({"error"}), None),
    ]


def test_a_path_read_by_a_block_and_by_a_block_nested_in_it_counts_for_both() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "page.html": (
                    "{% block content %}<h2>{{ stats.total }}</h2>"
                    '{% block stats %}<section id="stats">{{ stats.total }}</section>{% endblock %}'
                    "{% endblock %}"
                )
            }
        )
    )
    blocks = template_blocks(env.get_template("page.html"))
    assert blocks == [
        BlockInfo("content", frozenset({"stats.total"}), None),
        BlockInfo("stats", frozenset({"stats.total"}), "content"),
    ]
    # content shows stats itself: it is sent whole, the nested block inside it.
    assert find_deferred_blocks(blocks, {"stats"}) == [
        DeferredBlock("content", "content", frozenset({"stats"}))
    ]


def test_a_deferred_block_lists_the_deferred_blocks_nested_in_it() -> None:
    # content waits for user; stats (inside it) and rows (inside stats) for their own keys.
    deferred = find_deferred_blocks(PAGE, {"user", "stats"})
    assert [(b.name, b.nested) for b in deferred] == [
        ("content", ("stats",)),
        ("stats", ()),
        ("sidebar", ()),
    ]
    deeper = find_deferred_blocks(
        PAGE, {"user", "stats", "feed"}, defer_blocks={"stats": "stats", "feed": "rows"}
    )
    assert [(b.name, b.nested) for b in deeper] == [
        ("content", ("stats", "rows")),
        ("stats", ("rows",)),
        ("rows", ()),
        ("sidebar", ()),
    ]
