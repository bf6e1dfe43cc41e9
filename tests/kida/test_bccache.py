"""The on-disk bytecode cache: a second environment (or process) loads the compiled code
instead of generating it, errors still point at template lines, and what the code depends on
changes the key."""

import subprocess
import sys
from pathlib import Path

import pytest

from kida import DictLoader, Environment, FileSystemBytecodeCache, UndefinedError
from kida.compiler import Compiler as CodeGenerator
from kida.passing import pass_context

TEMPLATES = {
    "base.html": "<main>{% block body %}{% end %}</main>",
    "page.html": '{% extends "base.html" %}{% block body %}{{ name | upper }}\n'
    "{{ missing.x }}{% end %}",
}


def make_env(directory: Path, **options: object) -> Environment:
    return Environment(
        loader=DictLoader(TEMPLATES),
        bytecode_cache=FileSystemBytecodeCache(directory),
        **options,  # type: ignore[arg-type]
    )


def entries(directory: Path) -> set[str]:
    return {path.name for path in directory.glob("*.kidac")}


def test_a_second_environment_loads_instead_of_generating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_env(tmp_path).get_template("page.html")
    assert first.render_block("body", name="a", missing={"x": 1}) == "A\n1"
    assert "".join(first.render_stream(name="a", missing={"x": 1})) == "<main>A\n1</main>"
    stored = entries(tmp_path)
    assert len(stored) == 4  # page and base, each with the render and the streaming module

    def no_generation(*args: object, **kwargs: object) -> None:
        raise AssertionError("generated code although it was cached")

    monkeypatch.setattr(CodeGenerator, "module", no_generation)
    second = make_env(tmp_path).get_template("page.html")
    assert second.render(name="b", missing={"x": 2}) == "<main>B\n2</main>"
    assert "".join(second.render_stream(name="b", missing={"x": 2})) == "<main>B\n2</main>"
    with pytest.raises(UndefinedError) as info:
        second.render(name="b")
    assert "in page.html, line 2" in str(info.value)
    assert entries(tmp_path) == stored


def test_what_the_code_depends_on_changes_the_key(tmp_path: Path) -> None:
    make_env(tmp_path).get_template("page.html").render(name="a", missing={"x": 1})
    before = entries(tmp_path)

    @pass_context
    def upper(ctx: object, value: str) -> str:
        return value.upper() + "!"

    env = make_env(tmp_path, filters={"upper": upper})
    assert env.get_template("page.html").render(name="a", missing={"x": 1}) == "<main>A!\n1</main>"
    assert len(entries(tmp_path) - before) == 2  # page and base again: the registry differs
    make_env(tmp_path, autoescape=False).get_template("base.html").render()
    assert len(entries(tmp_path) - before) == 3


def test_another_process_reuses_the_entries(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from kida import *\n"
        "env = Environment(loader=DictLoader({'t.html': '{{ x }}!'}),"
        " bytecode_cache=FileSystemBytecodeCache(Path(sys.argv[1])))\n"
        "print(env.get_template('t.html').render(x=sys.argv[2]))\n"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path), word],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for word in ("one", "two")
    ]
    assert outputs == ["one!\n", "two!\n"]
    assert len(entries(tmp_path)) == 1


def test_a_damaged_entry_is_regenerated(tmp_path: Path) -> None:
    make_env(tmp_path).get_template("base.html").render()
    for name in entries(tmp_path):
        (tmp_path / name).write_bytes(b"not marshal data")
    assert make_env(tmp_path).get_template("base.html").render() == "<main></main>"
