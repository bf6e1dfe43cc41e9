"""Loaders as kida-templates documents them: ``get_source(name)`` → ``(source, filename)``,
FunctionLoader's three return shapes, PackageLoader, PrefixLoader and ChoiceLoader errors, and
custom loaders written to kida's protocol."""

import os
from pathlib import Path

import pytest

from kida import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    FunctionLoader,
    PackageLoader,
    PrefixLoader,
    TemplateNotFoundError,
)


class KidaStyleLoader:
    """A custom loader exactly as kida's docs write one: ``get_source(name)``, 2-tuple."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def get_source(self, name: str) -> tuple[str, str | None]:
        if name not in self.templates:
            raise TemplateNotFoundError(f"Template '{name}' not found", name=name)
        return self.templates[name], f"db://{name}"

    def list_templates(self) -> list[str]:
        return sorted(self.templates)


def test_function_loader_return_shapes() -> None:
    sources = {"plain.html": "plain {{ x }}", "named.html": ("named {{ x }}", "cms://named")}
    env = Environment(loader=FunctionLoader(sources.get))
    assert env.get_template("plain.html").render(x=1) == "plain 1"
    named = env.get_template("named.html")
    assert (named.render(x=2), named.filename) == ("named 2", "cms://named")
    with pytest.raises(TemplateNotFoundError):
        env.get_template("missing.html")


def test_function_loader_with_a_real_file_reloads_it(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("one")
    env = Environment(loader=FunctionLoader(lambda name: (path.read_text(), str(path))))
    assert env.get_template("page.html").render() == "one"
    path.write_text("two")
    os.utime(path, (1, 1))
    assert env.get_template("page.html").render() == "two"


def test_function_loader_refuses_other_results() -> None:
    env = Environment(loader=FunctionLoader(lambda name: 42))
    with pytest.raises(TypeError) as info:
        env.get_template("x.html")
    assert "expected a source string, (source, filename)" in str(info.value)


def test_builtin_loaders_answer_kidas_get_source(tmp_path: Path) -> None:
    (tmp_path / "f.html").write_text("file")
    assert DictLoader({"a.html": "A"}).get_source("a.html") == ("A", None)
    assert FileSystemLoader(tmp_path).get_source("f.html") == ("file", str(tmp_path / "f.html"))
    assert FunctionLoader(lambda name: "fn").get_source("x") == ("fn", None)
    prefixed = PrefixLoader({"app": DictLoader({"i.html": "I"})})
    assert prefixed.get_source("app/i.html") == ("I", None)
    assert ChoiceLoader([DictLoader({}), prefixed]).get_source("app/i.html") == ("I", None)


class LegacyDict(DictLoader):
    """A subclass overriding ``get_source`` the Jinja2 way."""

    def get_source(self, environment: object, name: str) -> tuple[str, None, None]:  # type: ignore[override]
        return f"legacy {name}", None, None


class JinjaShaped:
    """A custom loader written for Jinja2: ``get_source(environment, name)``, 3-tuple."""

    def get_source(self, environment: object, name: str) -> tuple[str, None, None]:
        assert isinstance(environment, Environment)
        return f"jinja {name}", None, None


def test_custom_loaders_of_either_protocol_work_inside_choice_and_prefix_loaders() -> None:
    custom = KidaStyleLoader({"card.html": "card {{ n }}"})
    env = Environment(loader=ChoiceLoader([DictLoader({}), PrefixLoader({"db": custom}), custom]))
    assert env.get_template("db/card.html").render(n=1) == "card 1"
    assert env.get_template("card.html").filename == "db://card.html"
    assert env.loader.list_templates() == ["card.html", "db/card.html"]  # type: ignore[union-attr]
    loaders = [PrefixLoader({"j": JinjaShaped()}), LegacyDict({})]  # type: ignore[dict-item]
    env = Environment(loader=ChoiceLoader(loaders))
    assert env.get_template("j/a.html").render() == "jinja a.html"
    assert env.get_template("b.html").render() == "legacy b.html"


def test_custom_kida_loader_as_the_environment_loader() -> None:
    env = Environment(loader=KidaStyleLoader({"a.html": "A"}))  # type: ignore[arg-type]
    assert env.get_template("a.html").render() == "A"


def test_prefix_loader_errors_say_what_is_wrong() -> None:
    loader = PrefixLoader({"app": DictLoader({"index.html": "I"}), "admin": DictLoader({})})
    env = Environment(loader=loader)
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("blog/index.html")
    assert "no loader for prefix 'blog'" in str(info.value)
    assert "available prefixes: admin, app" in (info.value.hint or "")

    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("index.html")
    assert "names look like 'prefix/page.html'" in (info.value.hint or "")

    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("app/missing.html")
    assert info.value.name == "app/missing.html"
    assert "prefix 'app' has no 'missing.html'" in str(info.value)
    assert "index.html" in (info.value.hint or "")  # what the app loader knows


def test_prefix_loader_custom_delimiter() -> None:
    env = Environment(loader=PrefixLoader({"app": DictLoader({"i.html": "I"})}, delimiter=":"))
    assert env.get_template("app:i.html").render() == "I"
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("app/i.html")
    assert "prefix/page.html" not in (info.value.hint or "")
    assert "prefix:page.html" in (info.value.hint or "")


def test_choice_loader_miss_counts_its_loaders() -> None:
    env = Environment(loader=ChoiceLoader([DictLoader({}), DictLoader({})]))
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("x.html")
    assert "in any of 2 loaders" in str(info.value)


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable package ``kida_edges_pkg`` with templates, a dotfile and a cache dir."""
    root = tmp_path / "kida_edges_pkg"
    (root / "templates" / "pages").mkdir(parents=True)
    (root / "templates" / "__pycache__").mkdir()
    (root / "__init__.py").write_text("")
    (root / "templates" / "base.html").write_text("<main>{% block body %}{% end %}</main>")
    (root / "templates" / "pages" / "index.html").write_text(
        "{% extends 'base.html' %}{% block body %}home{% end %}"
    )
    (root / "templates" / ".DS_Store").write_text("x")
    (root / "templates" / "__pycache__" / "junk.pyc").write_text("x")
    (root / "themes").mkdir()
    (root / "themes" / "dark.html").write_text("dark")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "kida_edges_pkg"


def test_package_loader_loads_and_lists(package: str) -> None:
    loader = PackageLoader(package, "templates")
    env = Environment(loader=loader)
    assert env.get_template("pages/index.html").render() == "<main>home</main>"
    assert loader.list_templates() == ["base.html", "pages/index.html"]
    themes = Environment(loader=PackageLoader(package, "themes"))
    assert themes.get_template("dark.html").render() == "dark"


def test_package_loader_errors(package: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        PackageLoader("kida_edges_not_installed")
    with pytest.raises(ValueError, match="module, not a package"):
        PackageLoader("os.path")
    env = Environment(loader=PackageLoader(package))
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("nope.html")
    assert "in package 'kida_edges_pkg/templates'" in str(info.value)


def test_filesystem_loader_takes_kidas_paths_argument(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("A")
    (tmp_path / ".hidden.html").write_text("h")
    loader = FileSystemLoader(paths=[tmp_path])
    assert Environment(loader=loader).get_template("a.html").render() == "A"
    assert loader.list_templates() == ["a.html"]
    assert FileSystemLoader(searchpath=str(tmp_path)).get_source("a.html")[0] == "A"


def test_dict_loader_suggests_the_nearest_name() -> None:
    env = Environment(loader=DictLoader({"base.html": "B", "page.html": "P"}))
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("bsae.html")
    assert info.value.hint == "did you mean 'base.html'?"
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("zzz")
    assert info.value.hint == "known templates: base.html, page.html"
