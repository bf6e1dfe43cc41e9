"""Fixtures of the kida core tests: an environment and a renderer that checks renderer parity."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from kida import DictLoader, Environment, Template


@pytest.fixture
def env() -> Environment:
    return Environment()


def render_all(template: Template, **ctx: Any) -> str:
    """Render with render(), render_stream() and render_async(); all three must agree."""
    text = template.render(**ctx)
    assert "".join(template.render_stream(**ctx)) == text
    assert asyncio.run(template.render_async(**ctx)) == text
    return text


@pytest.fixture
def render(env: Environment) -> Callable[..., str]:
    """``render(source, **ctx)``: compile with the fixture env and render in every mode."""

    def _render(source: str, **ctx: Any) -> str:
        return render_all(env.from_string(source), **ctx)

    return _render


@pytest.fixture
def loader_env() -> Callable[[dict[str, str]], Environment]:
    def _make(templates: dict[str, str], **options: Any) -> Environment:
        return Environment(loader=DictLoader(templates), **options)

    return _make
