"""The Django project boots: system checks pass and the ASGI app answers through real servers."""

import subprocess
import sys

import httpx
import pytest

from tests.servers import ROOT, live_server


def test_manage_py_check_passes() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["daphne", "uvicorn"])
def test_asgi_application_answers_through_a_real_server(kind: str) -> None:
    with live_server(kind=kind) as server:
        response = httpx.get(server.url + "/", timeout=10)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "<h1>" in response.text
