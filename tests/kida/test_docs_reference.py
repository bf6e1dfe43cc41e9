"""Examples and documented edges of kida-templates' troubleshooting/*.md, extending/*.md and
reference/*.md pages that the other reference tests leave out, each through every renderer."""

from functools import lru_cache
from typing import Any

import pytest

from kida import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    FunctionLoader,
    PrefixLoader,
    SecurityError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    UndefinedError,
)
from kida.sandbox import SandboxedEnvironment
from tests.kida.conftest import render_all


class User:
    name = "Alice"


# --- troubleshooting/undefined-variable.md: ?. and ?[ are Mapping-soft, object-strict --------


@pytest.mark.parametrize(
    ("source", "ctx", "output"),
    [
        ("[{{ config?.theme }}]", {"config": None}, "[]"),
        ("[{{ config?.theme }}]", {"config": {}}, "[]"),
        ('{{ config?.theme ?? "dark" }}', {"config": {}}, "dark"),
        ('{{ settings?["theme"] ?? "light" }}', {"settings": {}}, "light"),
        ('{{ user?.nickname ?? "" }}|', {"user": None}, "|"),
        ('{{ user?.profile?.bio ?? "No bio yet" }}', {"user": {"profile": {}}}, "No bio yet"),
        ('{{ config ?| get("theme") ?? "light" }}', {"config": None}, "light"),
        ('{{ config | get("theme", "light") | upper }}', {"config": {}}, "LIGHT"),
        ("{{ d?.theme }}", {"d": {"theme": "x"}}, "x"),
        ("{{ d?.keys is defined }}", {"d": {}}, "True"),
        ('{{ page.parent.title ?? "" }}|', {"page": {}}, "|"),
    ],
)
def test_optional_chaining_on_mappings(source: str, ctx: dict[str, Any], output: str) -> None:
    assert render_all(Environment().from_string(source), **ctx) == output


@pytest.mark.parametrize(
    ("source", "ctx"),
    [
        ("{{ user?.nickname }}", {"user": User()}),  # an object's missing attribute: a typo
        ("{{ items?[3] }}", {"items": [1]}),  # a sequence out of range still raises
    ],
)
def test_optional_chaining_stays_strict_on_objects_and_sequences(
    source: str, ctx: dict[str, Any]
) -> None:
    with pytest.raises(UndefinedError):
        Environment().from_string(source).render(**ctx)


def test_optional_chaining_in_lenient_mode_is_unchanged() -> None:
    env = Environment(strict_undefined=False)
    assert render_all(env.from_string("[{{ u?.nickname }}][{{ d?.k }}]"), u=User(), d={}) == "[][]"


@pytest.mark.parametrize(
    ("source", "ctx", "options"),
    [
        ("{{ a?.__class__ }}", {"a": User()}, {}),
        ("{{ d?.__class__ }}", {"d": {}}, {}),
        ("{{ d?.pop }}", {"d": {}}, {}),
        ("{{ a.__class__ }}", {"a": User()}, {"strict_undefined": False}),
        ("{{ d?.__class__ }}", {"d": {}}, {"strict_undefined": False}),
        ("{{ a.__dict__ }}", {"a": User()}, {"strict_undefined": False}),
    ],
)
def test_the_sandbox_checks_optional_and_lenient_reads(
    source: str, ctx: dict[str, Any], options: dict[str, Any]
) -> None:
    template = SandboxedEnvironment(**options).from_string(source)
    with pytest.raises(SecurityError):
        template.render(**ctx)
    with pytest.raises(SecurityError):
        "".join(template.render_stream(**ctx))


def test_the_sandbox_still_reads_mappings_through_optional_access() -> None:
    template = SandboxedEnvironment().from_string('[{{ d?.a }}][{{ d?["b"] }}][{{ d?.c }}]')
    assert render_all(template, d={"a": 1, "b": 2}) == "[1][2][]"


# --- troubleshooting/template-not-found.md, extending/custom-loaders.md --------------------


def test_filesystem_loader_search_paths_for_debugging(tmp_path: Any) -> None:
    loader = FileSystemLoader([tmp_path / "a", tmp_path / "b"])
    assert loader._paths == [tmp_path / "a", tmp_path / "b"]


class DatabaseLoader:
    """The page's duck-typed loader: ``get_source(name)`` and ``list_templates()``."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def get_source(self, name: str) -> tuple[str, str | None]:
        if name not in self.templates:
            raise TemplateNotFoundError(f"Template '{name}' not found")
        return self.templates[name], f"db://{name}"

    def list_templates(self) -> list[str]:
        return sorted(self.templates)


class CachedLoader:
    def __init__(self, loader: DatabaseLoader, maxsize: int = 128) -> None:
        self.loader = loader
        self._get_source = lru_cache(maxsize=maxsize)(self.loader.get_source)

    def get_source(self, name: str) -> tuple[str, str | None]:
        return self._get_source(name)

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()


def test_custom_loaders_alone_and_combined(tmp_path: Any) -> None:
    (tmp_path / "base.html").write_text("[base]")
    db = DatabaseLoader(
        {"page.html": '<h1>{{ title }}</h1>{% include "part.html" %}', "part.html": "p"}
    )
    env = Environment(loader=db)
    page = env.get_template("page.html")
    assert render_all(page, title="T") == "<h1>T</h1>p"
    assert page.filename == "db://page.html"
    choice = Environment(loader=ChoiceLoader([db, FileSystemLoader(tmp_path)]))
    assert choice.get_template("base.html").render() == "[base]"
    prefixed = Environment(loader=PrefixLoader({"db": db, "files": FileSystemLoader(tmp_path)}))
    assert prefixed.get_template("db/part.html").render() == "p"
    assert prefixed.get_template("files/base.html").render() == "[base]"
    assert "db/page.html" in prefixed.loader.list_templates()
    cached = Environment(loader=CachedLoader(db, maxsize=256))
    assert cached.get_template("part.html").render() == "p"


def test_a_custom_loaders_not_found_error_names_the_template() -> None:
    env = Environment(loader=DatabaseLoader({}))
    with pytest.raises(TemplateNotFoundError) as info:
        env.get_template("missing.html")
    assert info.value.name == "missing.html"
    assert "in missing.html" in str(info.value)


def test_function_loader_results() -> None:
    templates = {"page.html": "<h1>{{ title }}</h1>"}
    env = Environment(loader=FunctionLoader(lambda name: templates.get(name)))
    assert render_all(env.get_template("page.html"), title="x") == "<h1>x</h1>"
    cms = Environment(loader=FunctionLoader(lambda n: ("S", f"cms://{n}") if n == "a" else None))
    assert cms.get_template("a").filename == "cms://a"
    with pytest.raises(TemplateNotFoundError):
        cms.get_template("b")


# --- extending/custom-filters.md, custom-tests.md: batch registration -----------------------


def test_update_filters_and_update_tests() -> None:
    env = Environment()
    template = env.from_string("{{ 1 }}")  # compiled before: registration clears the cache
    env.update_filters({"double": lambda x: x * 2, "reverse": lambda x: x[::-1]})
    env.update_tests({"positive": lambda x: x > 0, "zero": lambda x: x == 0})
    source = '{{ 21 | double }} {{ "ab" | reverse }} {{ 3 is positive }} {{ 1 is zero }}'
    assert render_all(env.from_string(source)) == "42 ba True False"
    assert template.render() == "1"


# --- reference/api.md ------------------------------------------------------------------------


def test_render_with_blocks_refuses_an_unknown_block_with_a_suggestion() -> None:
    env = Environment(loader=DictLoader({"layout.html": "<{% block content %}{% end %}>"}))
    layout = env.get_template("layout.html")
    assert layout.render_with_blocks({"content": "<p>x</p>"}) == "<<p>x</p>>"
    with pytest.raises(TemplateRuntimeError) as info:
        layout.render_with_blocks({"contnet": "x"})
    assert "did you mean 'content'?" in str(info.value)
