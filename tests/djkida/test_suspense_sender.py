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
