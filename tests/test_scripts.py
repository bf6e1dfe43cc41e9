"""The set-up scripts, run for real on a copy of them whose ``.venv/bin/python`` only records
how it was called: pip runs once, and again only when a pyproject.toml changed; ``scripts/manage``
runs manage.py with the venv's Python from any directory."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT

RECORDER = """#!/bin/sh
echo "$@" >>"$(dirname "$0")/../../calls.log"
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The scripts, both pyproject.toml files and a venv whose Python records its calls."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "packages" / "kida").mkdir(parents=True)
    shutil.copy(ROOT / "packages/kida/pyproject.toml", tmp_path / "packages/kida/pyproject.toml")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDER)
    python.chmod(0o755)
    return tmp_path


def run(checkout: Path, script: str, *args: str, cwd: Path | None = None) -> str:
    completed = subprocess.run(
        [str(checkout / "scripts" / script), *args],
        cwd=cwd or checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stdout + completed.stderr


def calls(checkout: Path) -> list[str]:
    log = checkout / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_pip_install_runs_once_until_a_pyproject_changes(checkout: Path) -> None:
    install = "-m pip install --quiet -e .[dev]"
    first = run(checkout, "venv")
    assert "installing the project" in first
    assert calls(checkout) == [install]

    second = run(checkout, "venv")
    assert "pip install skipped" in second
    assert calls(checkout) == [install]

    with (checkout / "packages/kida/pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# a changed dependency\n")
    run(checkout, "venv")
    assert calls(checkout) == [install, install]


def test_manage_runs_manage_py_with_the_venv_from_anywhere(
    checkout: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    run(checkout, "manage", "talu_models", "list", cwd=elsewhere)
    assert calls(checkout)[-1] == f"{checkout / 'manage.py'} talu_models list"
