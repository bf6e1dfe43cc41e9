"""The analysis API: block modifiers, purity and cache scope, AnalysisConfig, def metadata,
validate_context, whole-template metadata."""

import asyncio
from dataclasses import FrozenInstanceError

import pytest

from kida import (
    AnalysisConfig,
    BlockModifierMetadata,
    DefParamInfo,
    DictLoader,
    Environment,
    TemplateSyntaxError,
    pure,
)


def test_modifiers_keep_type_order_and_position() -> None:
    source = (
        "{% block chart\n"
        '  enhanced="sse" fallback="table" retries=3 ratio=-1.5\n'
        "  enabled=true disabled=False nullable=None %}x{% end %}"
    )
    meta = Environment().from_string(source).block_metadata()["chart"]
    assert meta.modifiers == (
        BlockModifierMetadata("enhanced", "sse", 2, 2),
        BlockModifierMetadata("fallback", "table", 2, 17),
        BlockModifierMetadata("retries", 3, 2, 34),
        BlockModifierMetadata("ratio", -1.5, 2, 44),
        BlockModifierMetadata("enabled", True, 3, 2),
        BlockModifierMetadata("disabled", False, 3, 15),
        BlockModifierMetadata("nullable", None, 3, 30),
    )
    assert meta.get_modifier("retries") == meta.modifiers[2]
    assert meta.get_modifier("missing") is None
    with pytest.raises(FrozenInstanceError):
        meta.modifiers[0].value = "poll"  # type: ignore[misc]


def test_fragment_modifiers_and_a_modifier_called_if() -> None:
    env = Environment()
    fragment = env.from_string('{% fragment updates transport="sse" %}{{ m }}{% end %}')
    assert fragment.block_metadata()["updates"].get_modifier("transport") == (
        BlockModifierMetadata("transport", "sse", 1, 20)
    )
    assert fragment.render_block("updates", m="ready") == "ready"
    chart = env.from_string('{% block chart if="metadata" if show %}x{% end %}')
    assert chart.render(show=True) == "x"
    assert chart.render(show=False) == ""
    assert chart.block_metadata()["chart"].get_modifier("if") == (
        BlockModifierMetadata("if", "metadata", 1, 15)
    )


def test_modifiers_change_neither_output_nor_structure_hash() -> None:
    env = Environment()
    plain = env.from_string("{% block chart %}<p>{{ v }}</p>{% end %}")
    marked = env.from_string('{% block chart enhanced="sse" retries=2 %}<p>{{ v }}</p>{% end %}')
    other = env.from_string("{% block chart %}<p>{{ w }}</p>{% end %}")
    for template in (plain, marked):
        assert template.render(v=1) == "<p>1</p>"
        assert "".join(template.render_stream(v=1)) == "<p>1</p>"
        assert asyncio.run(template.render_async(v=1)) == "<p>1</p>"
        assert template.render_block("chart", v=1) == "<p>1</p>"
    hashes = {t.block_metadata()["chart"].block_hash for t in (plain, marked)}
    assert len(hashes) == 1
    assert other.block_metadata()["chart"].block_hash not in hashes


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{% block c a="x" a="y" %}{% end %}', "Duplicate block modifier 'a'"),
        ("{% block c a=name %}{% end %}", "must be a literal scalar"),
        ("{% block c a=f() %}{% end %}", "must be a literal scalar"),
        ('{% block c a=["x"] %}{% end %}', "must be a literal scalar"),
        ('{% block c a={"k": 1} %}{% end %}', "must be a literal scalar"),
        ("{% block c enhanced %}{% end %}", "expected name=value"),
        ("{% fragment c transport %}{% end %}", "expected name=value"),
    ],
)
def test_malformed_modifiers_fail_at_compile_time(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message) as info:
        Environment().from_string(source)
    assert info.value.lineno == 1


def test_purity_levels_and_cache_scopes() -> None:
    env = Environment()
    env.add_filter("mine", lambda v: v)
    template = env.from_string(
        "{% block nav %}{% for i in site.menu %}{{ i.label | upper }}{% end %}{% end %}"
        "{% block title %}{{ page.title | truncate(10) }}{% end %}"
        "{% block quote %}{{ quotes | random }}{% end %}"
        "{% block custom %}{{ x | mine }}{% end %}"
        "{% block call %}{{ helper(x) }}{% end %}"
        "{% block counted %}{{ len(items) }}{% end %}"
        "{% block static %}<p>hi</p>{% end %}"
    )
    meta = template.block_metadata()
    levels = {name: (m.is_pure, m.cache_scope) for name, m in meta.items()}
    assert levels == {
        "nav": ("pure", "site"),
        "title": ("pure", "page"),
        "quote": ("impure", "none"),
        "custom": ("unknown", "unknown"),
        "call": ("unknown", "unknown"),
        "counted": ("pure", "site"),
        "static": ("pure", "site"),
    }
    assert [name for name, m in meta.items() if m.is_cacheable()] == [
        "nav",
        "title",
        "counted",
        "static",
    ]
    assert template.is_cacheable("nav")
    assert not template.is_cacheable("quote")
    assert not template.is_cacheable("no_such_block")
    assert not template.is_cacheable()
    assert Environment().from_string("{% block a %}{{ x }}{% end %}").is_cacheable()


def test_pure_decorator_and_analysis_config() -> None:
    @pure
    def slug(value: str) -> str:
        return value.lower()

    env = Environment()
    env.add_filter("slug", slug)
    env.add_filter("pick", lambda v: v)
    template = env.from_string(
        "{% block a %}{{ post.title | slug }}{% end %}"
        "{% block b %}{{ settings.name | upper }}{% end %}"
        "{% block c %}{{ asset_url('x.css') }}{{ t('hi') }}{% end %}"
        "{% block d %}{{ x | lower }}{% end %}"
    )
    assert slug("A") == "a"
    default = template.block_metadata()
    assert default["a"].is_pure == "pure"
    assert default["a"].cache_scope == "page"  # post is a per-page name by default
    assert default["c"].is_pure == "pure"  # common static-site functions are trusted
    config = AnalysisConfig(
        page_prefixes=frozenset({"settings"}),
        extra_pure_functions=frozenset(),
        extra_impure_filters=frozenset({"lower"}),
    )
    custom = template.block_metadata(config)
    assert custom["a"].cache_scope == "site"
    assert custom["b"].cache_scope == "page"
    assert custom["c"].is_pure == "unknown"
    assert custom["d"].is_pure == "impure"
    assert template.block_metadata() is default  # the default result is kept


def test_block_metadata_roles_landmarks_and_output() -> None:
    meta = (
        Environment()
        .from_string(
            "{% block menu %}<nav><a>x</a></nav>{% end %}"
            "{% block primary %}<main>{{ body }}</main>{% end %}"
            "{% block empty %}  {% end %}"
            "{% region card(title) %}<h2>{{ title }}</h2>{% end %}"
        )
        .block_metadata()
    )
    assert meta["menu"].emits_landmarks == frozenset({"nav"})
    assert meta["menu"].inferred_role == "navigation"
    assert meta["primary"].inferred_role == "content"
    assert not meta["empty"].emits_html
    assert meta["empty"].inferred_role == "unknown"
    assert meta["card"].is_region
    assert meta["card"].region_params == ("title",)
    assert meta["card"].depends_on == frozenset()


def test_validate_context_lists_missing_names_sorted() -> None:
    env = Environment(globals={"site": {"name": "S"}})
    template = env.from_string("{% template user %}{{ page.title }}{{ site.name }}{{ zeta }}")
    assert template.validate_context({}) == ["page", "user", "zeta"]
    assert template.validate_context({"page": 1, "zeta": 2, "user": 3}) == []
    assert template.validate_context({"page": 1}) == ["user", "zeta"]


def test_def_metadata_describes_typed_defs() -> None:
    env = Environment(loader=DictLoader({"c.html": ""}))
    template = env.from_string(
        "{% def card(title: str, count: int = 0, *items, **attrs) %}\n"
        "{% slot header %}{{ title }}{{ site.name }}{% slot %}{% slot footer %}\n"
        "{% def inner() %}{% slot nested %}{% end %}{% end %}\n"
        "{% def badge(label) %}<b>{{ label }}</b>{% end %}",
        name="components.html",
    )
    assert template.list_defs() == ["card", "inner", "badge"]
    meta = template.def_metadata()
    card = meta["card"]
    assert card.template_name == "components.html"
    assert card.lineno == 1
    assert card.params == (
        DefParamInfo("title", "str", has_default=False, is_required=True),
        DefParamInfo("count", "int", has_default=True, is_required=False),
    )
    assert (card.vararg, card.kwarg) == ("items", "attrs")
    assert card.slots == ("header", "footer")
    assert card.has_default_slot
    assert card.depends_on == frozenset({"site.name"})
    assert meta["inner"].slots == ("nested",)
    assert not meta["badge"].has_default_slot
    assert meta["badge"].params[0].annotation is None


def test_template_metadata_and_structure_manifest() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "{% block nav %}{% end %}{% block content %}{% end %}",
                "page.html": '{% extends "base.html" %}{% set t = title %}'
                "{% block nav %}<nav>{{ site.menu }}</nav>{% end %}"
                "{% block content %}{{ page.body }}{% end %}",
            }
        )
    )
    template = env.get_template("page.html")
    meta = template.template_metadata()
    assert meta.extends == "base.html"
    assert meta.top_level_depends_on == frozenset({"title"})
    assert meta.all_dependencies() == frozenset({"title", "site.menu", "page.body"})
    assert meta.get_block("nav") is meta.blocks["nav"]
    assert [b.name for b in meta.site_cacheable_blocks()] == ["nav"]
    assert [b.name for b in meta.cacheable_blocks()] == ["nav", "content"]
    assert meta.regions() == {}
    manifest = template.structure_manifest()
    assert manifest.block_names == ("nav", "content")
    assert manifest.block_hashes["nav"] == meta.blocks["nav"].block_hash
    assert manifest.dependencies == meta.all_dependencies()
