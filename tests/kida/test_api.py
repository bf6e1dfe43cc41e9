"""Public API: exports, metadata, autoescape modes, registries, passing markers, loaders."""

import asyncio
from pathlib import Path
from typing import Any

import pytest

import kida
from kida import (
    BlockMetadata,
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    FunctionLoader,
    PrefixLoader,
    TemplateRuntimeError,
    TemplateSyntaxError,
)
from kida.passing import pass_context, pass_environment


def test_public_names() -> None:
    for name in kida.__all__:
        assert hasattr(kida, name), name
    from kida.environment import Environment as Env
    from kida.environment.loaders import DictLoader as Loader
    from kida.exceptions import TemplateSyntaxError

    assert Env is Environment
    assert Loader is DictLoader
    assert issubclass(TemplateSyntaxError, kida.TemplateError)


def test_block_metadata_and_dependencies() -> None:
    template = Environment().from_string(
        "{% block header %}{{ user.profile.name | upper }}{{ site }}{% end %}"
        "{% block items %}{% for item in items %}{{ item.title }}{{ loop.index }}{% end %}"
        "{% set local = 1 %}{{ local }}{% end %}"
        "{% block static %}<p>hi</p>{% end %}"
        "{% block live %}{% async for t in tokens %}{{ t }}{% end %}{% end %}"
    )
    meta = template.block_metadata()
    assert isinstance(meta["header"], BlockMetadata)
    assert meta["header"].depends_on == frozenset({"user.profile.name", "site"})
    assert meta["items"].depends_on == frozenset({"items"})
    assert meta["static"].depends_on == frozenset()
    assert meta["static"].is_pure == "pure"
    assert meta["static"].cache_scope == "site"
    # No per-page name (page, post, item, doc, entry) is read: reusable site-wide.
    assert meta["header"].cache_scope == "site"
    assert meta["live"].is_pure == "unknown"
    assert meta["live"].is_async
    assert template.depends_on() >= {"user.profile.name", "items", "tokens"}
    assert template.required_context() == frozenset({"user", "site", "items", "tokens"})
    info = template.template_metadata()
    assert info.is_async
    assert set(info.blocks) == {"header", "items", "static", "live"}


def test_own_dependencies_leave_out_nested_blocks_but_keep_what_both_read() -> None:
    template = Environment().from_string(
        "{% block content %}<h2>{{ stats.total }}</h2>{{ user.name }}"
        "{% block stats if show %}{{ stats.total }}{{ stats.rows }}{% end %}"
        "{% fragment row %}{{ row }}{% end %}{% end %}"
    )
    meta = template.block_metadata()
    assert meta["content"].depends_on == frozenset(
        {"stats.total", "stats.rows", "show", "user.name", "row"}
    )
    # The nested block's condition is evaluated where it sits, in content.
    assert meta["content"].own_depends_on == frozenset({"stats.total", "user.name", "show"})
    assert meta["stats"].own_depends_on == frozenset({"stats.total", "stats.rows", "show"})
    assert meta["stats"].own_depends_on == meta["stats"].depends_on


def test_render_block_errors_list_the_blocks() -> None:
    template = Environment().from_string("{% block a %}{% end %}")
    with pytest.raises(TemplateRuntimeError) as info:
        template.render_block("b")
    assert "a" in str(info.value.hint)


def test_render_accepts_a_mapping_and_static_context() -> None:
    env = Environment()
    assert env.from_string("{{ a }}{{ b }}").render({"a": 1}, b=2) == "12"
    assert env.from_string("{{ site }}{{ x }}", static_context={"site": "S"}).render(x=1) == "S1"


def test_autoescape_modes() -> None:
    source = "{{ x }}"
    assert Environment(autoescape=False).from_string(source).render(x="<") == "<"
    env = Environment(
        loader=DictLoader({"a.html.kida": source, "a.txt": source}),
        autoescape=lambda name: bool(name and name.endswith(".html")),
    )
    assert env.get_template("a.html.kida").render(x="<") == "&lt;"
    assert env.get_template("a.txt").render(x="<") == "<"
    assert Environment(autoescape="terminal").from_string(source).render(x="<") == "<"


def test_registries_and_passing_markers() -> None:
    env = Environment()

    @env.add_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @pass_context
    def who(ctx: Any, value: str) -> str:
        return f"{value}@{ctx.name}:{ctx.autoescape}:{ctx['x']}:{'x' in ctx}:{ctx.get('nope', 0)}"

    @pass_environment
    def env_id(environment: Environment) -> bool:
        return environment is env

    env.add_filter("who", who)
    env.add_global("env_id", env_id)
    env.add_test("short", lambda v: len(v) < 3)
    template = env.from_string(
        "{{ 'a' | shout }} {{ 'v' | who }} {{ env_id() }} {{ 'ab' is short }}", name="t"
    )
    assert template.render(x=1) == "A! v@t:True:1:True:0 True True"


def test_loaders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.html").write_text("file {{ 1 }}")
    fs = FileSystemLoader(tmp_path)
    env = Environment(
        loader=ChoiceLoader(
            [
                PrefixLoader({"p": DictLoader({"x.html": "prefixed"})}),
                FunctionLoader(lambda name: "fn" if name == "fn.html" else None),
                fs,
            ]
        )
    )
    assert env.get_template("sub/f.html").render() == "file 1"
    assert env.get_template("p/x.html").render() == "prefixed"
    assert env.get_template("fn.html").render() == "fn"
    assert env.select_template(["missing.html", "fn.html"]).render() == "fn"
    assert env.get_template("sub/f.html").filename == str(tmp_path / "sub" / "f.html")
    assert "sub/f.html" in fs.list_templates()


def test_file_edits_are_picked_up(tmp_path: Path) -> None:
    import os

    path = tmp_path / "a.html"
    path.write_text("one")
    env = Environment(loader=FileSystemLoader(tmp_path))
    assert env.get_template("a.html").render() == "one"
    path.write_text("two")
    os.utime(path, (1, 1))
    assert env.get_template("a.html").render() == "two"


def test_stream_chunks_follow_statements() -> None:
    template = Environment().from_string("a{% for x in xs %}{{ x }}{% end %}b")
    chunks = list(template.render_stream(xs=[1, 2]))
    assert chunks == ["a", "1", "2", "b"]
    assert asyncio.run(template.render_async(xs=[1])) == "a1b"


def test_block_attributes_are_in_the_metadata() -> None:
    template = Environment().from_string(
        '{% block nav role="menu", ttl=30 %}{% end %}{% fragment row kind="tr" %}{% end %}'
        "{% block plain %}{% end %}"
    )
    meta = template.block_metadata()
    assert meta["nav"].attributes == {"role": "menu", "ttl": 30}
    assert meta["row"].attributes == {"kind": "tr"}
    assert meta["plain"].attributes == {}
    assert hash(meta["nav"])  # still usable as a key
    with pytest.raises(TemplateSyntaxError, match="must be a literal") as info:
        Environment().from_string("{% block nav role=user.role %}{% end %}")
    assert info.value.col == 19


def test_template_declaration_feeds_required_context_and_metadata() -> None:
    template = Environment().from_string(
        "{% template user: User | None, rows: dict[str, list[int]], flag %}\n{{ title }}"
    )
    assert template.required_context() == frozenset({"user", "rows", "flag", "title"})
    assert template.template_metadata().context == {
        "user": "User | None",
        "rows": "dict[str, list[int]]",
        "flag": None,
    }
    assert template.render(title="t") == "\nt"  # a declaration outputs nothing
    with pytest.raises(TemplateSyntaxError, match="expected a type"):
        Environment().from_string("{% template user: %}")


def test_names_set_in_a_group_are_not_context_needs() -> None:
    template = Environment().from_string("{% set a = 1, b = x %}{{ a }}{{ b }}")
    assert template.required_context() == frozenset({"x"})
