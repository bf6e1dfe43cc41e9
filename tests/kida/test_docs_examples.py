"""Examples of kida-templates' own documentation, rendered through our engine.

Each test takes an example from kida's docs (the page is named) and checks the output the page
documents, through render(), render_stream() and render_stream_async() alike.
"""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from kida import DictLoader, Environment, Template, TemplateRuntimeError


def _render_three_ways(template: Template, **ctx: Any) -> str:
    """The text of render(); render_stream() and render_stream_async() must give the same."""

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**ctx)])

    text = template.render(**ctx)
    assert "".join(template.render_stream(**ctx)) == text
    assert asyncio.run(stream_async()) == text
    return text


def _squash(text: str) -> str:
    return " ".join(text.split())


# usage/i18n.md, "Multiple variables": the binding named ``count`` picks the form.
_POSTS = """{% trans name=user.name, count=user.posts | length %}
  {{ name }} has one post.
{% plural %}
  {{ name }} has {{ count }} posts.
{% endtrans %}"""


def test_trans_counts_with_the_binding_named_count_not_the_first() -> None:
    template = Environment().from_string(_POSTS)
    one = _render_three_ways(template, user={"name": "Alice", "posts": [1]})
    many = _render_three_ways(template, user={"name": "Alice", "posts": [1, 2]})
    assert (_squash(one), _squash(many)) == ("Alice has one post.", "Alice has 2 posts.")


def test_trans_without_a_count_binding_still_counts_with_the_first() -> None:
    template = Environment().from_string(
        "{% trans n=k, who=w %}{{ who }}: one{% plural %}{{ who }}: {{ n }}{% endtrans %}"
    )
    assert _render_three_ways(template, k=1, w="A") == "A: one"
    assert _render_three_ways(template, k=3, w="A") == "A: 3"


# usage/i18n.md, "Shorthand functions" and "Default behavior": identity without translations.
def test_underscore_globals_are_identity_without_translations() -> None:
    template = Environment().from_string(
        '{{ _("Hello") }}|{{ _n("item", "items", 1) }}|{{ _n("item", "items", 5) }}'
        '|{% def greeting(msg=_("Hello")) %}<h1>{{ msg }}</h1>{% end %}{{ greeting() }}'
    )
    assert _render_three_ways(template) == "Hello|item|items|<h1>Hello</h1>"


class _French:
    """A translations object with the gettext()/ngettext() interface of GNUTranslations."""

    def gettext(self, message: str) -> str:
        return {"Hello": "Bonjour", "Hello, world!": "Bonjour, monde !"}.get(message, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return "un article" if count == 1 else "%(count)s articles"


# usage/i18n.md, "install_translations" / "install_gettext_callables".
def test_install_translations_serves_underscore_and_trans() -> None:
    env = Environment()
    env.install_translations(_French())
    template = env.from_string(
        '{{ _("Hello") }}|{{ _n("item", "items", 2) }}|{% trans %}Hello, world!{% endtrans %}'
        "|{% trans count=n %}one item{% plural %}{{ count }} items{% endtrans %}"
    )
    assert (
        _render_three_ways(template, n=3)
        == "Bonjour|%(count)s articles|Bonjour, monde !|3 articles"
    )


def test_install_gettext_callables_sets_the_underscore_globals() -> None:
    env = Environment()
    before = env.from_string('{{ _("Hello") }}')
    assert _render_three_ways(before) == "Hello"
    env.install_gettext_callables(gettext=str.upper, ngettext=lambda s, p, n: p.upper())
    assert _render_three_ways(env.from_string('{{ _("Hello") }}')) == "HELLO"


# usage/loading-templates.md, "Bytecode Cache": a fresh environment loads what another stored.
def test_bytecode_cache_under_kidas_name(tmp_path: Path) -> None:
    from kida.bytecode_cache import BytecodeCache

    cache_dir = tmp_path / "__pycache__" / "kida"
    loader = DictLoader({"page.html": "Hello, {{ name }}!"})
    first = Environment(loader=loader, bytecode_cache=BytecodeCache(str(cache_dir)))
    assert _render_three_ways(first.get_template("page.html"), name="A") == "Hello, A!"
    assert list(cache_dir.glob("*.kidac"))
    second = Environment(loader=loader, bytecode_cache=BytecodeCache(str(cache_dir)))
    assert _render_three_ways(second.get_template("page.html"), name="B") == "Hello, B!"


# usage/framework-integration.md, "render_with_blocks": a layout filled from Python.
def test_render_with_blocks_injects_pre_rendered_html() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "_layout.html": "<title>{{ title }}</title>"
                "<main>{% block content %}default{% end %}</main>{% block aside %}A{% end %}",
                "page.html": '{% extends "_layout.html" %}{% block aside %}child{% end %}',
            }
        )
    )
    layout = env.get_template("_layout.html")
    inner_html = "<h1>Hello</h1><p>Content here.</p>"
    html = layout.render_with_blocks({"content": inner_html}, title="Page Title")
    assert html == f"<title>Page Title</title><main>{inner_html}</main>A"
    assert layout.render(title="T") == "<title>T</title><main>default</main>A"
    child = env.get_template("page.html").render_with_blocks(
        {"content": "<b>x</b>"}, {"title": "C"}
    )
    assert child == "<title>C</title><main><b>x</b></main>child"


# usage/framework-integration.md, "Composition Module".
def test_composition_helpers_answer_before_rendering() -> None:
    from kida.composition import block_role_for_framework, get_structure, validate_block_exists

    env = Environment(
        loader=DictLoader(
            {
                "base.html": "{% block page_root %}<div>"
                "{% block sidebar %}S{% end %}</div>{% end %}",
                "skills/page.html": '{% extends "base.html" %}'
                "{% block page_content %}{{ skill }}{% end %}",
                "broken.html": "{% if %}",
            }
        )
    )
    assert validate_block_exists(env, "skills/page.html", "page_content")
    assert validate_block_exists(env, "skills/page.html", "sidebar")  # inherited
    assert not validate_block_exists(env, "skills/page.html", "nope")
    assert not validate_block_exists(env, "missing.html", "page_content")
    assert not validate_block_exists(env, "broken.html", "x")
    html = env.get_template("skills/page.html").render_block("page_content", skill="<b>")
    assert html == "&lt;b&gt;"

    struct = get_structure(env, "base.html")
    assert struct is not None
    assert "page_root" in struct.block_names
    assert get_structure(env, "missing.html") is None

    base = env.get_template("base.html").template_metadata()
    page = env.get_template("skills/page.html").template_metadata()
    assert base is not None
    assert page is not None
    assert block_role_for_framework(base.blocks["page_root"]) == "page_root"
    assert block_role_for_framework(base.blocks["sidebar"]) is None
    assert block_role_for_framework(page.blocks["page_content"]) == "fragment"


def test_render_block_of_an_unknown_block_is_a_key_error() -> None:
    # framework-integration.md catches KeyError around render_block.
    template = Environment().from_string("{% block a %}x{% end %}")
    with pytest.raises(KeyError, match="no block 'b'"):
        template.render_block("b")
    with pytest.raises(TemplateRuntimeError, match="no block 'b'"):
        template.render_block("b")


# advanced/csp.md, "csp_nonce Filter": without an argument the nonce is the render's metadata.
def test_csp_nonce_filter_reads_the_nonce_set_as_render_metadata() -> None:
    from markupsafe import Markup

    from kida.render_context import render_context

    template = Environment().from_string("{{ content | csp_nonce }}|{{ csp_nonce() }}")
    with render_context() as ctx:
        ctx.set_meta("csp_nonce", "r4nd0m")
        text = _render_three_ways(template, content=Markup("<script>x</script>"))
    assert text == '<script nonce="r4nd0m">x</script>|r4nd0m'


# advanced/workers.md, "Template Scheduling": weights read from the source, heaviest first.
def test_template_weights_order_heavy_templates_first() -> None:
    from kida.utils.workers import estimate_template_weight, order_by_complexity

    env = Environment(
        loader=DictLoader(
            {
                "base.html": "{% block a %}{% end %}",
                "plain.html": "<p>{{ x }}</p>",
                "page.html": (
                    '{%- extends "base.html" %}{% block a %}{% include "plain.html" %}'
                    "{% def card(t) %}{{ t }}{% end %}{% end %}"
                ),
            }
        )
    )
    plain, page = env.get_template("plain.html"), env.get_template("page.html")
    assert estimate_template_weight(plain) == 1.0
    assert estimate_template_weight(page) == pytest.approx(1.0 + 0.5 + 0.15 + 0.2)
    assert order_by_complexity([plain, page]) == [page, plain]
    assert order_by_complexity([page, plain], descending=False) == [plain, page]
    assert _render_three_ways(page, x="hi") == "<p>hi</p>"


# advanced/sandbox.md, "Plugin System": a policy's blocked_attributes, named as the reason.
def test_sandbox_names_blocked_attributes_as_the_reason() -> None:
    from kida import SecurityError
    from kida.sandbox import SandboxedEnvironment, SandboxPolicy

    policy = SandboxPolicy(blocked_attributes=frozenset({"password", "api_key"}))
    template = SandboxedEnvironment(sandbox_policy=policy).from_string("{{ user.password }}")

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(user=user)])

    user = {"password": "hunter2"}
    for render in (
        lambda: template.render(user=user),
        lambda: "".join(template.render_stream(user=user)),
        lambda: asyncio.run(stream_async()),
    ):
        with pytest.raises(SecurityError, match=r"SandboxPolicy\(blocked_attributes=") as caught:
            render()
        assert "interpreter internals" not in str(caught.value)


# advanced/t-strings.md, "The r Tag": composed patterns, each part in a group of its own.
def test_r_tag_and_composable_patterns() -> None:
    from types import SimpleNamespace

    from kida.tstring import ComposablePattern, PatternError, r

    name, integer = r"[a-zA-Z_][a-zA-Z0-9_]*", r"\d+"
    combined = ComposablePattern(name) | ComposablePattern(integer)
    assert combined.pattern == r"(?:[a-zA-Z_][a-zA-Z0-9_]*)|(?:\d+)"
    assert combined.compile().match("hello")
    # r(t"{NAME}|{INTEGER}") on Python 3.14; an object of the same shape before it.
    tstring = SimpleNamespace(
        strings=("", "|", ""),
        interpolations=(SimpleNamespace(value=name), SimpleNamespace(value=combined)),
    )
    match = r(tstring).compile().match("variable_123")
    assert match is not None
    assert match.group() == "variable_123"
    with pytest.raises(PatternError, match="ReDoS"):
        ComposablePattern(r"(a+)+")
    assert ComposablePattern(r"(a+)+", validate=False).pattern == "(a+)+"
    with pytest.raises(PatternError, match="invalid regular expression"):
        ComposablePattern("(")


# advanced/security.md: the context escapers of kida.utils.html, with the page's own examples.
def test_security_helpers_escape_per_context() -> None:
    from markupsafe import Markup

    from kida.utils.html import (
        JSString,
        css_escape,
        format_html,
        html_escape,
        js_escape,
        safe_url,
        url_is_safe,
    )

    assert (
        js_escape('Hello "World" </script><script>alert(1)')
        == 'Hello \\"World\\" \\x3c\\/script\\x3e\\x3cscript\\x3ealert(1)'
    )
    assert js_escape("`${x}`\n\u2028\x00") == "\\`\\${x}\\`\\n\\u2028"
    assert isinstance(JSString(js_escape("x")), str)
    assert (
        css_escape("red; background: url(javascript:alert(1))")
        == "red; background: url\\(javascript:alert\\(1\\)\\)"
    )
    assert "<" not in css_escape("</style>")
    for url in ("https://example.com", "/path/to/page", "?next=javascript:x"):
        assert url_is_safe(url), url
    for url in ("javascript:alert(1)", "  javascript:alert(1)  ", "java\tscript:x", "\x01data:x"):
        assert not url_is_safe(url), url
    assert not url_is_safe("data:text/html,<h1>Hi</h1>")
    assert url_is_safe("data:image/png;base64,...", allow_data=True)
    assert safe_url("https://example.com") == "https://example.com"
    assert safe_url("javascript:alert(1)") == "#"
    assert safe_url("javascript:void(0)", fallback="/home") == "/home"
    assert html_escape("safe\x00<script>") == "safe&lt;script&gt;"
    assert format_html("<p>Hello, {name}!</p>", name="<script>") == Markup(
        "<p>Hello, &lt;script&gt;!</p>"
    )


# reference/configuration.md, "pure_filters": a @pure filter added with add_filter() joins
# pure_filters, so with static_context it runs once, at compile time.
def test_pure_filter_added_with_add_filter_joins_pure_filters() -> None:
    from kida import pure

    seen: list[Any] = []

    @pure
    def currency(value: float, symbol: str = "$") -> str:
        seen.append(value)
        return f"{symbol}{value:,.2f}"

    env = Environment(static_context={"price": 1234.5})
    env.add_filter("currency", currency)
    env.add_filter("plain_upper", str.upper)
    assert "currency" in env.pure_filters
    assert "plain_upper" not in env.pure_filters
    template = env.from_string("{{ price | currency }} / {{ tip | currency }}")
    assert _render_three_ways(template, tip=2) == "$1,234.50 / $2.00"
    assert seen.count(1234.5) == 1
    assert seen.count(2) == 3


# reference/api.md, "UndefinedError": ``kind`` tells a missing variable, attribute or key apart.
@pytest.mark.parametrize(
    ("source", "kind"),
    [("{{ missing }}", "variable"), ("{{ user.typo }}", "attribute"), ('{{ user["k"] }}', "key")],
)
def test_undefined_error_kind(source: str, kind: str) -> None:
    from kida import UndefinedError

    template = Environment().from_string(source)
    user = {"name": "Ada"}

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(user=user)])

    for render in (
        lambda: template.render(user=user),
        lambda: "".join(template.render_stream(user=user)),
        lambda: asyncio.run(stream_async()),
    ):
        with pytest.raises(UndefinedError) as caught:
            render()
        assert caught.value.kind == kind


# advanced/security.md, "Attribute Validation": xmlattr() from Python, and the filter's names.
def test_xmlattr_helper_validates_names_and_event_handlers() -> None:
    from markupsafe import Markup

    from kida.utils.html import xmlattr

    attrs = {"class": "btn primary", "data-id": "123", "disabled": True, "id": None}
    assert xmlattr(attrs) == Markup('class="btn primary" data-id="123" disabled="True"')
    with pytest.warns(UserWarning, match="'onclick' can execute JavaScript"):
        assert xmlattr({"onclick": "go()"}) == Markup('onclick="go()"')
    assert xmlattr({"onclick": "go()"}, allow_events=True) == Markup('onclick="go()"')
    assert xmlattr({"onclick": "go()", "class": "btn"}, strip_events=True) == Markup('class="btn"')
    with pytest.raises(ValueError, match="invalid HTML attribute name"):
        xmlattr({"invalid name": "value"})
    with pytest.warns(UserWarning, match="skipped invalid attribute name"):
        assert xmlattr({"invalid name": "value"}, strict=False) == Markup("")
    template = Environment().from_string("<div{{ attrs | xmlattr }}></div>")
    assert _render_three_ways(template, attrs={"id": "x", "title": "a<b"}) == (
        '<div id="x" title="a&lt;b"></div>'
    )
    with pytest.raises(TemplateRuntimeError, match="invalid attribute name"):
        template.render(attrs={"a\x00b": 1})


# advanced/compiler.md, "The @pure decorator": also a filter set with env.filters[name] = func.
def test_pure_filter_set_in_the_filters_dict_is_folded_at_compile_time() -> None:
    from kida import pure

    seen: list[str] = []

    @pure
    def clean(value: str) -> str:
        seen.append(value)
        return value.strip().lower()

    env = Environment(static_context={"site": {"name": "  My Site "}})
    env.filters["clean"] = clean
    template = env.from_string("{{ site.name | clean }}|{{ user | clean }}")
    assert _render_three_ways(template, user=" ADA ") == "my site|ada"
    assert seen.count("  My Site ") == 1
