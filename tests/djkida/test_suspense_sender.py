"""A settled block becomes its chunk: rendered with what has settled, or an error stand-in."""

import logging

import pytest

from djkida.suspense.discovery import DeferredBlock
from djkida.suspense.scheduler import Outcome
from djkida.suspense.sender import DeferredSender
from kida import DictLoader, Environment

PAGE = (
    '{% block stats %}<section id="stats">{{ stats.total ?? "…" }} '
    "pending={{ __defer_pending__ | sort | join(',') }}</section>{% endblock %}"
    "{% block rootless %}<p>no id here {{ feed }}</p>{% endblock %}"
    '{% fragment oops %}<div id="{{ __defer_target__ }}" class="oops">{{ error }}</div>{% end %}'
    "{% fragment broken_oops %}{{ error.nope.deeper() }}{% end %}"
)
STATS = DeferredBlock("stats", "stats", frozenset({"stats"}))
SHELL = {"stats": None, "feed": None, "__defer_pending__": frozenset({"stats", "feed"})}


def sender(*, error_block: str | None = None, debug: bool = False) -> DeferredSender:
    template = Environment(loader=DictLoader({"page.html": PAGE})).get_template("page.html")
    return DeferredSender(
        template, SHELL, error_block=error_block, htmx=True, nonce=None, debug=debug
    )


async def test_a_block_renders_with_what_has_settled_and_the_rest_still_pending() -> None:
    chunk = await sender().send(STATS, {"stats": Outcome(value={"total": 42})})
    assert chunk == '<section hx-swap-oob="true" id="stats">42 pending=feed</section>'


async def test_a_failed_key_becomes_the_default_error_element_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="djkida"):
        chunk = await sender().send(STATS, {"stats": Outcome(error=LookupError("db <down>"))})
    assert chunk == (
        '<div hx-swap-oob="true" id="stats" class="djkida-suspense-error" role="alert">'
        "This section could not be loaded.</div>"
    )
    assert "context key 'stats' failed" in caplog.text
    assert "db <down>" in caplog.text  # the details go to the log


async def test_debug_shows_the_error_escaped_in_the_error_block() -> None:
    chunk = await sender(error_block="oops", debug=True).send(
        STATS, {"stats": Outcome(error=LookupError("db <down>"))}
    )
    assert chunk == (
        '<div hx-swap-oob="true" id="stats" class="oops">LookupError: db &lt;down&gt;</div>'
    )


async def test_a_block_without_its_target_at_the_root_falls_back_to_the_error_element(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rootless = DeferredBlock("rootless", "feed", frozenset({"feed"}))
    with caplog.at_level(logging.ERROR, logger="djkida"):
        chunk = await sender().send(rootless, {"feed": Outcome(value=["x"])})
    assert chunk.startswith('<div hx-swap-oob="true" id="feed" class="djkida-suspense-error"')
    assert "must render the element it replaces" in caplog.text


async def test_a_failing_error_block_falls_back_to_the_default_element() -> None:
    chunk = await sender(error_block="broken_oops").send(
        STATS, {"stats": Outcome(error=TimeoutError())}
    )
    assert chunk == (
        '<div hx-swap-oob="true" id="stats" class="djkida-suspense-error" role="alert">'
        "This section took too long to load.</div>"
    )


# board waits for orders; stats, inside it, for stats; total, inside stats, for total.
NESTED = (
    '{% block board %}<div id="board">{{ orders ?? "…" }} orders '
    '{% block stats %}<section id="stats">{{ stats.total ?? "…" }}'
    '{% block total %}<b id="total">{{ total ?? "…" }}</b>{% endblock %}'
    "</section>{% endblock %}</div>{% endblock %}"
)
BOARD = DeferredBlock("board", "board", frozenset({"orders"}), ("stats", "total"))
NESTED_STATS = DeferredBlock("stats", "stats", frozenset({"stats"}), ("total",))
TOTAL = DeferredBlock("total", "total", frozenset({"total"}))
FAILED = Outcome(error=LookupError("down"))


def nested_sender(*, htmx: bool = True) -> DeferredSender:
    template = Environment(loader=DictLoader({"page.html": NESTED})).get_template("page.html")
    shell = {
        "orders": None,
        "stats": None,
        "total": None,
        "__defer_pending__": frozenset({"orders", "stats", "total"}),
    }
    return DeferredSender(template, shell, error_block=None, htmx=htmx, nonce="n", debug=False)


@pytest.mark.parametrize("htmx", [True, False])
async def test_an_outer_block_is_followed_by_the_stand_ins_sent_for_blocks_inside_it(
    htmx: bool,
) -> None:
    send = nested_sender(htmx=htmx).send
    stats_error = await send(NESTED_STATS, {"stats": FAILED})
    board = await send(BOARD, {"stats": FAILED, "orders": Outcome(value=3)})
    rendered, again = board[: -len(stats_error)], board[-len(stats_error) :]
    assert again == stats_error
    assert "djkida-suspense-error" in stats_error
    assert "3 orders" in rendered
    assert '<section id="stats">…<b id="total">…</b></section>' in rendered  # pending again


async def test_an_outer_block_shows_a_nested_block_with_its_value_and_sends_nothing_more() -> None:
    send = nested_sender().send
    assert await send(NESTED_STATS, {"stats": Outcome(value={"total": 7})}) == (
        '<section hx-swap-oob="true" id="stats">7<b id="total">…</b></section>'
    )
    settled = {"stats": Outcome(value={"total": 7}), "orders": Outcome(value=3)}
    assert await send(BOARD, settled) == (
        '<div hx-swap-oob="true" id="board">3 orders '
        '<section id="stats">7<b id="total">…</b></section></div>'
    )


async def test_a_stand_in_inside_a_newer_stand_in_is_not_brought_back() -> None:
    send = nested_sender().send
    total_error = await send(TOTAL, {"total": FAILED})
    stats_error = await send(NESTED_STATS, {"total": FAILED, "stats": FAILED})
    board = await send(BOARD, {"total": FAILED, "stats": FAILED, "orders": Outcome(value=3)})
    # Only stats' stand-in comes back: total's would find no element inside it.
    assert board.endswith(f"</div>{stats_error}")
    assert total_error not in board


async def test_an_outer_stand_in_leaves_nothing_to_send_for_the_blocks_inside_it() -> None:
    send = nested_sender().send
    board_error = await send(BOARD, {"orders": FAILED})
    assert board_error.startswith('<div hx-swap-oob="true" id="board" class="djkida-suspense')
    assert await send(NESTED_STATS, {"orders": FAILED, "stats": Outcome(value={"total": 1})}) == ""
    assert await send(TOTAL, {"orders": FAILED, "total": FAILED}) == ""
