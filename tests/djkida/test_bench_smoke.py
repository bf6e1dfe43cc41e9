"""djkida's in-process benchmark runs end to end with ``--quick`` and reports both sources."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

# Benchmarks keep a core busy: never beside the timing-sensitive page tests.
pytestmark = pytest.mark.xdist_group("timing")


def test_sse_tokens_bench_runs_quick() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "sse_tokens.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = [line for line in result.stdout.splitlines() if "x less CPU" in line]
    assert [line.split()[0] for line in summaries] == ["burst", "one"], result.stdout
