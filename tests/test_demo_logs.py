"""What the demo prints under daphne, as ``scripts/demo`` runs it: each record once (one handler,
on the root), and the suspense page's deliberately failing section as one line, its traceback
only with ``DEBUG``."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import LiveServer, live_server

pytestmark = pytest.mark.slow

FAILED_SECTION = "suspense block 'recommendations' of demo/dashboard_suspense.html"


@pytest.fixture(params=["0", "1"], ids=["production", "debug"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveServer, bool]]:
    """The demo's own settings under daphne, with ``DEBUG`` off and on."""
    env = {"DEBUG": request.param, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    with live_server(settings="demo_project.settings", env=env) as server:
        yield server, request.param == "1"


def test_each_record_prints_once_and_a_handled_failure_without_traceback_in_production(
    served: tuple[LiveServer, bool],
) -> None:
    server, debug = served
    assert httpx.get(server.url + "/no/such/page/", timeout=30).status_code == 404
    assert httpx.get(server.url + "/dashboard/stream/?delay=abc", timeout=30).status_code == 400
    page = httpx.get(server.url + "/dashboard/suspense/?delay=0", timeout=30)
    assert "Its source failed" in page.text  # the page showed the fallback
    # Each record is written before its response is complete: the log holds them now.
    lines = server.output().splitlines()
    assert sum("Not Found: /no/such/page/" in line for line in lines) == 1
    assert sum("Bad Request: /dashboard/stream/" in line for line in lines) == 1
    failed = [line for line in lines if FAILED_SECTION in line]
    assert len(failed) == 1
    assert "ERROR" in failed[0]
    assert "RecommendationsUnavailable: the recommendation service did not answer" in failed[0]
    assert sum(line.startswith("Traceback") for line in lines) == (1 if debug else 0)
