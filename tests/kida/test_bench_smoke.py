"""Each benchmark runs end to end with ``--quick`` and prints its ratio lines."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

# Benchmarks keep a core busy: never beside the timing-sensitive page tests.
pytestmark = pytest.mark.xdist_group("timing")


@pytest.mark.parametrize(
    ("script", "expected_ratio_lines"),
    [("kida_vs_jinja2.py", 6), ("async_tokens.py", 5)],
)
def test_bench_runs_quick(script: str, expected_ratio_lines: int) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ratio_lines = [line for line in result.stdout.splitlines() if " ratio " in f" {line}"]
    assert len(ratio_lines) >= expected_ratio_lines, result.stdout
    assert "DIFFER" not in result.stdout
