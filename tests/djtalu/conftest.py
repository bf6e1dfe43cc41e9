"""Fixtures for djtalu's tests: a tiny random model that talu loads in milliseconds."""

from pathlib import Path

import pytest

from djtalu.engine import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random llama model directory, built once per test session (per xdist worker)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
