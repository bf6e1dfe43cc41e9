"""A deferred block that fails shows its stand-in and logs one line; the traceback only with
``debug`` (the page already handled the failure: in production it would be noise)."""

import logging

import pytest

from djkida.suspense.discovery import DeferredBlock
from djkida.suspense.scheduler import Outcome
from tests.djkida.test_suspense_sender import STATS, sender

#: Renders without the element it replaces: rendering it fails.
ROOTLESS = DeferredBlock("rootless", "feed", frozenset({"feed"}))


@pytest.mark.parametrize("debug", [False, True])
async def test_a_failed_key_logs_one_record_with_a_traceback_only_in_debug(
    caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    def broken() -> None:
        raise LookupError("db <down>")

    try:
        broken()
    except LookupError as exc:
        error = exc
    with caplog.at_level(logging.ERROR, logger="djkida"):
        await sender(debug=debug).send(STATS, {"stats": Outcome(error=error)})
    [record] = caplog.records
    assert record.getMessage() == (
        "suspense block 'stats' of page.html: context key 'stats' failed: LookupError: db <down>"
    )
    assert (record.exc_info is not None) is debug
    assert ("Traceback" in caplog.text) is debug


@pytest.mark.parametrize("debug", [False, True])
async def test_a_block_that_fails_to_render_logs_one_record(
    caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    with caplog.at_level(logging.ERROR, logger="djkida"):
        await sender(debug=debug).send(ROOTLESS, {"feed": Outcome(value=["x"])})
    [record] = caplog.records
    assert record.getMessage().startswith("suspense block 'rootless' of page.html failed: ")
    assert (record.exc_info is not None) is debug
