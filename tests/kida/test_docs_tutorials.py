"""Examples of kida-templates' get-started, tutorials and about pages, rendered through our engine.

Each test names the page its example comes from and checks what the page documents, through
render(), render_stream() and render_stream_async() alike (``_render_three_ways``).
"""

import asyncio
import warnings
from collections import ChainMap
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from kida import (
    ComponentWarning,
    DictLoader,
    Environment,
    FileSystemLoader,
    Markup,
    TemplateNotFoundError,
    TemplateRuntimeError,
    UndefinedError,
)
from tests.kida.test_docs_examples import _render_three_ways


def _lines(text: str) -> list[str]:
    """The non-blank lines, stripped: the docs show output without the blank lines that
    statement-only lines leave (kida's defaults keep them, as ours do)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _raises_undefined(env: Environment, source: str, **ctx: Any) -> UndefinedError:
    """The UndefinedError of rendering ``source``, the same through each renderer."""
    template = env.from_string(source)

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**ctx)])

    with pytest.raises(UndefinedError) as raised:
        template.render(**ctx)
    with pytest.raises(UndefinedError):
        "".join(template.render_stream(**ctx))
    with pytest.raises(UndefinedError):
        asyncio.run(stream_async())
    return raised.value


# --- get-started/quickstart.md ---------------------------------------------------------------

_HELLO = """<!DOCTYPE html>
<html>
<head>
    <title>{{ title }}</title>
</head>
<body>
    <h1>Hello, {{ name }}!</h1>

    {% if items %}
    <ul>
        {% for item in items %}
        <li>{{ item }}</li>
        {% end %}
    </ul>
    {% end %}
</body>
</html>
"""


def test_quickstart_renders_a_file_template(tmp_path: Path) -> None:
    (tmp_path / "hello.html").write_text(_HELLO)
    env = Environment(loader=FileSystemLoader(str(tmp_path) + "/"))
    template = env.get_template("hello.html")
    html = _render_three_ways(
        template, title="My Page", name="World", items=["Apple", "Banana", "Cherry"]
    )
    assert _lines(html) == [
        "<!DOCTYPE html>", "<html>", "<head>", "<title>My Page</title>", "</head>", "<body>",
        "<h1>Hello, World!</h1>", "<ul>", "<li>Apple</li>", "<li>Banana</li>",
        "<li>Cherry</li>", "</ul>", "</body>", "</html>",
    ]  # fmt: skip
    assert "<ul>" not in _render_three_ways(template, title="t", name="n", items=[])


def test_quickstart_key_concepts_table() -> None:
    template = Environment().from_string(
        "{# ignore me #}{{ name | upper }}|{{ title |> escape |> upper }}|"
        '{% match status %}{% case "ok" %}fine{% case _ %}other{% end %}'
    )
    assert _render_three_ways(template, name="ada", title="<b>", status="ok") == (
        "ADA|&LT;B&GT;|fine"
    )


# --- get-started/first-project.md ------------------------------------------------------------

_FIRST_PROJECT = {
    "base.html": """<!DOCTYPE html>
<html>
<head>
    <title>{% block title %}Notification{% end %}</title>
</head>
<body>
    <header>
        <h1>{{ company }}</h1>
    </header>

    <main>
        {% block content %}{% end %}
    </main>

    <footer>
        <p>Sent by {{ company }} on {{ date }}</p>
    </footer>
</body>
</html>
""",
    "welcome.html": """{% extends "base.html" %}

{% block title %}Welcome, {{ user.name }}!{% end %}

{% block content %}
<h2>Welcome aboard, {{ user.name | title }}!</h2>

<p>Here's what you can do:</p>

<ul>
    {% for feature in features %}
    <li>{{ feature }}</li>
    {% end %}
</ul>

{% if user.role == "admin" %}
<p><strong>Admin panel:</strong> {{ admin_url }}</p>
{% end %}
{% end %}
""",
    "invoice.html": """{% extends "base.html" %}

{% block title %}Invoice #{{ invoice.id }}{% end %}

{% block content %}
<h2>Invoice #{{ invoice.id }}</h2>

<table>
    <thead>
        <tr><th>Item</th><th>Qty</th><th>Price</th></tr>
    </thead>
    <tbody>
        {% for item in invoice.items %}
        <tr>
            <td>{{ item.name }}</td>
            <td>{{ item.qty }}</td>
            <td>${{ item.price }}</td>
        </tr>
        {% end %}
    </tbody>
</table>

<p><strong>Total: ${{ invoice.total }}</strong></p>
{% end %}
""",
}


def test_first_project_children_fill_the_base_layout(tmp_path: Path) -> None:
    for name, source in _FIRST_PROJECT.items():
        (tmp_path / name).write_text(source)
    env = Environment(loader=FileSystemLoader(str(tmp_path) + "/"))
    env.add_filter("currency", lambda v: f"${v:,.2f}")
    welcome = _lines(
        _render_three_ways(
            env.get_template("welcome.html"),
            company="Acme Inc",
            date="2026-02-08",
            user={"name": "alice", "role": "admin"},
            features=["Dashboard", "Reports", "API Access"],
            admin_url="https://admin.example.com",
        )
    )
    assert "<title>Welcome, alice!</title>" in welcome
    assert "<h1>Acme Inc</h1>" in welcome
    assert "<h2>Welcome aboard, Alice!</h2>" in welcome
    items = [line for line in welcome if line.startswith("<li>")]
    assert items == ["<li>Dashboard</li>", "<li>Reports</li>", "<li>API Access</li>"]
    assert "<p><strong>Admin panel:</strong> https://admin.example.com</p>" in welcome
    assert "<p>Sent by Acme Inc on 2026-02-08</p>" in welcome
    invoice = _lines(
        _render_three_ways(
            env.get_template("invoice.html"),
            company="Acme Inc",
            date="2026-02-08",
            invoice={
                "id": "INV-001",
                "items": [
                    {"name": "Widget", "qty": 3, "price": 9.99},
                    {"name": "Gadget", "qty": 1, "price": 24.99},
                ],
                "total": 54.96,
            },
        )
    )
    assert "<title>Invoice #INV-001</title>" in invoice
    assert invoice[invoice.index("<td>Widget</td>") :][:3] == [
        "<td>Widget</td>", "<td>3</td>", "<td>$9.99</td>",
    ]  # fmt: skip
    assert "<p><strong>Total: $54.96</strong></p>" in invoice
    assert "Admin panel" not in " ".join(invoice)
    assert env.from_string("{{ 1234.5 | currency }}").render() == "$1,234.50"


# --- get-started/coming-from-jinja2.md -------------------------------------------------------


def test_jinja2_syntax_that_stays_the_same() -> None:
    env = Environment(loader=DictLoader({"partial.html": "[{{ variable }}]"}))
    template = env.from_string(
        "{{ variable }}|{{ user.name }}|{{ items | join(', ') }}|"
        "{% if condition %}yes{% endif %}|{% for item in items %}{{ item }}{% endfor %}|"
        '{% block content %}B{% endblock %}|{% include "partial.html" %}{# comments #}'
    )
    assert _render_three_ways(
        template, variable="v", user={"name": "Ada"}, items=[1, 2], condition=True
    ) == ("v|Ada|1, 2|yes|12|B|[v]")


def test_explicit_closers_and_end_are_interchangeable() -> None:
    explicit = Environment().from_string(
        "{% if user %}u{% endif %}{% for x in items %}{{ x }}{% endfor %}"
        "{% block nav %}N{% endblock %}"
    )
    unified = Environment().from_string(
        "{% if user %}u{% end %}{% for x in items %}{{ x }}{% end %}{% block nav %}N{% end %}"
    )
    ctx = {"user": "a", "items": [1, 2]}
    assert _render_three_ways(explicit, **ctx) == _render_three_ways(unified, **ctx) == "u12N"


def test_pipeline_reads_left_to_right() -> None:
    template = Environment().from_string(
        "{{ title | truncate(50) | upper | escape }}~{{ title |> escape |> upper |> truncate(50) }}"
    )
    # escape first, then upper: the entities are upper-cased too (and not escaped again).
    assert _render_three_ways(template, title="a <b> title") == (
        "A &lt;B&gt; TITLE~A &LT;B&GT; TITLE"
    )


_STATUS = """{% match status %}
    {% case "active" %}<span class="green">Active</span>
    {% case "pending" %}<span class="yellow">Pending</span>
    {% case "inactive" %}<span class="red">Inactive</span>
    {% case _ %}<span>Unknown</span>
{% end %}"""

_STATUS_IF = """{% if status == "active" %}
    <span class="green">Active</span>
{% elif status == "pending" %}
    <span class="yellow">Pending</span>
{% elif status == "inactive" %}
    <span class="red">Inactive</span>
{% else %}
    <span>Unknown</span>
{% endif %}"""


@pytest.mark.parametrize(
    ("status", "span"),
    [
        ("active", '<span class="green">Active</span>'),
        ("pending", '<span class="yellow">Pending</span>'),
        ("inactive", '<span class="red">Inactive</span>'),
        ("gone", "<span>Unknown</span>"),
    ],
)
def test_match_replaces_an_elif_chain(status: str, span: str) -> None:
    env = Environment()
    matched = _render_three_ways(env.from_string(_STATUS), status=status)
    chained = _render_three_ways(env.from_string(_STATUS_IF), status=status)
    assert matched.strip() == chained.strip() == span


def test_scoping_keywords_and_nullish_assignment() -> None:
    template = Environment().from_string(
        '{% if true %}{% set name = "inner" %}{% end %}{{ name }}|'
        '{% if true %}{% export who = "Alice" %}{% end %}{{ who }}|'
        '{% if true %}{% promote alias = "Bob" %}{% end %}{{ alias }}|'
        '{% let title ??= "Untitled" %}{{ title }}'
    )
    assert _render_three_ways(template, name="outer") == "outer|Alice|Bob|Untitled"
    assert _render_three_ways(template, name="outer", title="Kept") == "outer|Alice|Bob|Kept"
    assert _render_three_ways(template, name="outer", title=None) == "outer|Alice|Bob|Untitled"


def test_null_safe_filter_chains() -> None:
    template = Environment().from_string(
        '{{ value ?| upper ?? "N/A" }}|{{ user?.name ?|> upper ?|> trim ?? "Anonymous" }}'
    )
    assert _render_three_ways(template, value=None, user=None) == "N/A|Anonymous"
    assert _render_three_ways(template, value="x", user={"name": " bob "}) == "X|BOB"
    assert _render_three_ways(template, value="x", user={"name": None}) == "X|Anonymous"


def test_builtin_block_cache_renders_once_per_key() -> None:
    calls: list[str] = []

    def title(item: dict[str, str]) -> str:
        calls.append(item["title"])
        return item["title"]

    env = Environment()
    template = env.from_string(
        '{% cache "sidebar" %}{% for item in nav_items %}'
        '<a href="{{ item.url }}">{{ title(item) }}</a>{% end %}{% end %}'
    )
    nav = [{"url": "/", "title": "Home"}]
    assert _render_three_ways(template, nav_items=nav, title=title) == '<a href="/">Home</a>'
    assert calls == ["Home"]


def test_api_comparison_table() -> None:
    env = Environment(loader=DictLoader({"page.html": "{% block body %}<p>{{ x }}</p>{% end %}"}))
    env.add_filter("twice", lambda v: v * 2)
    env.add_test("big", lambda v: v > 3)
    template = env.get_template("page.html")
    assert template.render(x=1) == "<p>1</p>"
    assert "".join(template.render_stream(x=2)) == "<p>2</p>"
    assert template.render_block("body", x=3) == "<p>3</p>"
    assert env.from_string("{{ 2 | twice }} {{ 5 is big }}").render() == "4 True"
    metadata = template.template_metadata()
    assert metadata is not None
    assert "body" in metadata.blocks


# --- get-started/tstring-templates.md (fallback for Pythons before 3.14) ----------------------


def test_tstring_fallback_renders_through_render_string() -> None:
    env = Environment()
    assert env.render_string("Hello, {{ name }}!", name="<World>") == "Hello, &lt;World&gt;!"


# --- get-started/installation.md --------------------------------------------------------------


def test_one_template_rendered_from_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    template = Environment().from_string("Hello, {{ name }}!")
    names = ["Alice", "Bob", "Charlie", "Diana"]
    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(lambda n: template.render(name=n), names))
    assert results == [f"Hello, {name}!" for name in names]


# --- tutorials/migrate-from-jinja2.md --------------------------------------------------------


def test_migrated_environment_filters_tests_and_globals() -> None:
    env = Environment(loader=DictLoader({}), autoescape=True, cache_size=400, fragment_ttl=300.0)

    @env.filter()
    def format_money(value: float, currency: str = "$") -> str:
        return f"{currency}{value:,.2f}"

    @env.test()
    def is_prime(n: int) -> bool:
        return n > 1 and all(n % i for i in range(2, n))

    env.add_global("site", "Acme")
    template = env.from_string(
        "{{ 1234.5 | format_money }} {{ 3 | format_money('€') }} "
        "{{ 7 is is_prime }} {{ 8 is is_prime }} {{ site }}"
    )
    assert _render_three_ways(template) == "$1,234.50 €3.00 True False Acme"
    assert format_money(2) == "$2.00"  # the decorators hand the function back


def test_migrated_side_effect_through_set_and_markup_from_kida() -> None:
    template = Environment().from_string("{% set _ = items.append(4) %}{{ items | length }}")
    assert template.render(items=[1]) == "2"
    assert Environment().from_string("{{ html }}").render(html=Markup("<b>ok</b>")) == ("<b>ok</b>")


def test_migration_verification_snippet() -> None:
    template = Environment().from_string("Hello, {{ name }}!")
    assert _render_three_ways(template, name="World") == "Hello, World!"
    assert asyncio.run(template.render_async(name="World")) == "Hello, World!"


def test_cache_key_built_with_tilde_and_a_call() -> None:
    calls: list[int] = []

    def render_sidebar(user: dict[str, int]) -> Markup:
        calls.append(user["id"])
        return Markup(f"<nav>{user['id']}</nav>")

    template = Environment().from_string(
        '{% cache "sidebar-" ~ user.id %}{{ render_sidebar(user) }}{% end %}'
    )
    first = _render_three_ways(template, user={"id": 1}, render_sidebar=render_sidebar)
    second = _render_three_ways(template, user={"id": 2}, render_sidebar=render_sidebar)
    assert (first, second, calls) == ("<nav>1</nav>", "<nav>2</nav>", [1, 2])


# --- tutorials/upgrade-to-v0.7.md ------------------------------------------------------------


class _User:
    """An object with a schema: a missing attribute is a typo."""

    name = "Ada"


def test_strict_undefined_is_the_default_and_names_the_kind() -> None:
    env = Environment()
    assert _raises_undefined(env, "{{ nope }}").kind == "variable"
    assert _raises_undefined(env, "{{ page.title }}", page={}).kind == "attribute"
    assert _raises_undefined(env, "{{ page['title'] }}", page={}).kind == "key"
    assert _raises_undefined(env, "{% if x %}a{% end %}").kind == "variable"


def test_three_fix_patterns_under_strict_undefined() -> None:
    env = Environment()
    guarded = env.from_string(
        "{% if user.nickname is defined and user.nickname %}Hello, {{ user.nickname }}!{% end %}"
    )
    assert _render_three_ways(guarded, user={}) == ""
    assert _render_three_ways(guarded, user=_User()) == ""
    assert _render_three_ways(guarded, user={"nickname": "Ace"}) == "Hello, Ace!"
    chained = env.from_string("{% if a.b.c is defined %}y{% else %}n{% end %}")
    assert _render_three_ways(chained, a={}) == "n"
    coalesced = env.from_string("<meta content=\"{{ page.description ?? '' }}\">")
    assert _render_three_ways(coalesced, page={}) == '<meta content="">'
    defaulted = env.from_string('<title>{{ page.title | default("Untitled") }}</title>')
    assert _render_three_ways(defaulted, page=_User()) == "<title>Untitled</title>"
    avatar = env.from_string("<img src=\"{{ user.avatar ?? '/default-avatar.png' }}\">")
    assert _render_three_ways(avatar, user={}) == '<img src="/default-avatar.png">'


def test_escape_hatch_renders_missing_attributes_empty() -> None:
    env = Environment(strict_undefined=False)
    template = env.from_string("[{{ user.nickname }}]{% for x in user.tags %}{{ x }}{% end %}")
    assert _render_three_ways(template, user=_User()) == "[]"
    assert _render_three_ways(template, user={}) == "[]"


def test_preferred_null_safe_idioms() -> None:
    env = Environment()
    template = env.from_string(
        "[{{ config?.theme }}]"
        '[{{ config?.theme ?? "" }}]'
        '[{{ config | get("theme", "") }}]'
        "[{{ page?.author?.avatar }}]"
        '[{{ page?.author?.avatar ?? "/default.png" }}]'
        '[{{ settings?["theme"] }}]'
        '[{{ settings?["theme"] ?? "light" }}]'
        "[{{ items?[0] }}]"
        '[{{ user?.profile?.bio ?? "No bio yet" }}]'
        '[{{ config ?| get("theme") ?? "light" }}]'
    )
    assert (
        _render_three_ways(template, config=None, page=None, settings=None, items=None, user=None)
        == "[][][][][/default.png][][light][][No bio yet][light]"
    )
    assert (
        _render_three_ways(
            template, config=None, page={"author": None}, settings={}, items=None, user={}
        )
        == "[][][][][/default.png][][light][][No bio yet][light]"
    )
    upper = env.from_string('{{ config | get("theme", "light") | upper }}')
    assert _render_three_ways(upper, config={}) == "LIGHT"
    assert _render_three_ways(upper, config={"theme": "dark"}) == "DARK"


# --- tutorials/upgrade-to-v0.8.md: ?. and ?[...] are soft on Mappings, strict elsewhere ----


class _DefaultingDict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"default-{key}"


@pytest.mark.parametrize(
    "receiver",
    [None, {}, MappingProxyType({}), ChainMap({}), {"nickname": None}],
    ids=["none", "dict", "mappingproxy", "chainmap", "none-value"],
)
def test_optional_chaining_on_a_mapping_miss_is_none(receiver: Any) -> None:
    env = Environment()
    template = env.from_string(
        '[{{ user?.nickname }}][{{ user?["nickname"] }}]'
        "[{{ user?.nickname is none }}][{{ user?.nickname ?? 'anon' }}]"
    )
    assert _render_three_ways(template, user=receiver) == "[][][True][anon]"


def test_optional_chaining_on_a_mapping_hit_and_missing() -> None:
    env = Environment()
    template = env.from_string('{{ cfg?.theme }}|{{ cfg?["theme"] }}|{{ cfg?["a"]?["b"] }}')
    assert _render_three_ways(template, cfg=ChainMap({}, {"theme": "t", "a": {}})) == "t|t|"
    assert _render_three_ways(template, cfg=_DefaultingDict(a={})) == (  # __missing__ honoured
        "default-theme|default-theme|"
    )


def test_optional_chaining_stays_strict_on_objects_and_sequences() -> None:
    env = Environment()
    error = _raises_undefined(env, "{{ user?.nickname }}", user=_User())
    assert error.kind == "attribute"
    assert _raises_undefined(env, "{{ items?[5] }}", items=[1, 2, 3]).kind == "key"
    assert _raises_undefined(env, "{{ user.nickname }}", user={}).kind == "attribute"
    soft = env.from_string('{{ user?.nickname ?? "anon" }}|{{ items?[5] ?? "none" }}')
    assert _render_three_ways(soft, user=_User(), items=[1]) == "anon|none"
    assert _render_three_ways(env.from_string('{{ user | get("nickname") }}'), user={}) == ""


def test_optional_chaining_mapping_miss_in_the_sandbox() -> None:
    from kida.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment()
    template = env.from_string('[{{ cfg?.theme }}][{{ cfg?["theme"] }}][{{ cfg?.a?.b }}]')
    assert _render_three_ways(template, cfg={"a": {}}) == "[][][]"
    assert _raises_undefined(env, "{{ u?.nickname }}", u=_User()).kind == "attribute"


# --- tutorials/refactor-safe-templates.md ----------------------------------------------------

_TREE = {
    "library/skills/page.html": '{% include "./_status.html" %}|{% include "./_trust.html" %}',
    "library/skills/_status.html": "status",
    "library/skills/_trust.html": "trust",
    "pages/post.html": '{% include "./partials/card.html" %}',
    "pages/partials/card.html": 'card[{% include "./_tag.html" %}]',
    "pages/partials/_tag.html": "tag",
    "pages/card.html": "page card",
    "pages/interior.html": '{% include "./foo/../card.html" %}',
    "pages/about.html": '{% extends "@layouts/base.html" %}{% block main %}'
    '{% include "@components/card.html" %}|{% from "@components/nav.html" import nav %}'
    '{{ nav() }}|{% embed "@layouts/shell.html" %}{% block inner %}E{% end %}{% end %}'
    "{% end %}",
    "pages/up.html": '{% extends "../ui/layouts/base.html" %}{% block main %}'
    '{% from "./lib.html" import f %}{{ f() }}{% import "./lib.html" as lib %}{{ lib.f() }}'
    "{% end %}",
    "pages/lib.html": "{% def f() %}F{% end %}",
    "pages/noop.html": '{% include "@components/./card.html" %}',
    "pages/escape.html": '{% include "../../../etc/passwd" %}',
    "pages/widgets.html": '{% include "@widgets/card.html" %}',
    "ui/layouts/base.html": "<body>{% block main %}{% end %}</body>",
    "ui/layouts/shell.html": "<shell>{% block inner %}{% end %}</shell>",
    "ui/components/card.html": "ui card",
    "ui/components/nav.html": "{% def nav() %}<nav/>{% end %}",
}
_ALIASES = {"components": "ui/components", "layouts": "ui/layouts"}


def _tree_env(tmp_path: Path) -> Environment:
    for name, source in _TREE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return Environment(loader=FileSystemLoader(str(tmp_path)), template_aliases=_ALIASES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("library/skills/page.html", "status|trust"),  # the folder moved: no edit needed
        ("pages/post.html", "card[tag]"),  # relative to the included template, not the caller
        ("pages/interior.html", "page card"),
        ("pages/about.html", "<body>ui card|<nav/>|<shell>E</shell></body>"),
        ("pages/up.html", "<body>FF</body>"),
        ("pages/noop.html", "ui card"),  # alias first, then ./ is a no-op segment
    ],
)
def test_relative_names_and_aliases(tmp_path: Path, name: str, expected: str) -> None:
    env = _tree_env(tmp_path)
    assert _render_three_ways(env.get_template(name)) == expected


def test_relative_names_belong_to_the_template_that_writes_them(tmp_path: Path) -> None:
    """A child's block renders under its parent and an imported def under its importer; their
    ``./`` names still start from the child's and the def's own directory."""
    env = _tree_env(tmp_path)
    (tmp_path / "pages" / "_part.html").write_text("part")
    (tmp_path / "ui" / "widgets.html").write_text(
        '{% def widget() %}[{% include "./components/card.html" %}]{% end %}'
    )
    (tmp_path / "pages" / "dynamic.html").write_text(
        '{% extends "../ui/layouts/base.html" %}{% block main %}'
        '{% include "./" ~ part %}|{% include ["./missing.html", "./_part.html"] %}|'
        '{% from "../ui/widgets.html" import widget %}{{ widget() }}{% end %}'
    )
    template = env.get_template("pages/dynamic.html")
    assert _render_three_ways(template, part="_part.html") == "<body>part|part|[ui card]</body>"
    assert template.render_block("main", part="_part.html") == "part|part|[ui card]"
    assert env.get_template("pages/up.html").render_block("main") == "FF"


def test_aliases_are_one_line_of_configuration(tmp_path: Path) -> None:
    env = _tree_env(tmp_path)
    env.template_aliases = {"components": "pages", "layouts": "ui/layouts"}
    assert _render_three_ways(env.get_template("pages/noop.html")) == "page card"
    assert env.get_template("@layouts/shell.html").render() == "<shell></shell>"  # from Python


def test_relative_name_climbing_above_the_root_is_not_found(tmp_path: Path) -> None:
    env = _tree_env(tmp_path)
    with pytest.raises(TemplateNotFoundError, match="climbs above the template root") as raised:
        env.get_template("pages/escape.html").render()
    assert "pages/escape.html" in str(raised.value)


def test_unknown_alias_lists_the_configured_ones(tmp_path: Path) -> None:
    env = _tree_env(tmp_path)
    with pytest.raises(
        TemplateNotFoundError, match=r"unknown template alias '@widgets/'"
    ) as raised:
        env.get_template("pages/widgets.html").render()
    assert raised.value.hint == "configured aliases: @components/, @layouts/"


def test_relative_name_from_python_needs_a_calling_template(tmp_path: Path) -> None:
    env = _tree_env(tmp_path)
    with pytest.raises(
        TemplateNotFoundError, match="a relative name needs the template that names it"
    ) as raised:
        env.get_template("./card.html")
    assert raised.value.hint is not None
    assert "from the template root" in raised.value.hint


def test_resolve_template_name_helper() -> None:
    from kida.utils.template_keys import resolve_template_name

    assert resolve_template_name("./_card.html", "pages/about.html") == "pages/_card.html"
    assert resolve_template_name("../shared/nav.html", "pages/about.html") == "shared/nav.html"
    assert resolve_template_name("@c/x.html", None, {"c": "ui/c"}) == "ui/c/x.html"
    assert resolve_template_name("pages/card.html", "other/x.html") == "pages/card.html"
    with pytest.raises(TemplateNotFoundError):
        resolve_template_name("../x.html", "top.html")


# --- tutorials/custom-filters.md --------------------------------------------------------------


def _filters_env() -> Environment:
    env = Environment()
    env.add_filter("double", lambda value: value * 2)

    def truncate_words(value: Any, count: int = 10, end: str = "...") -> Any:
        words = str(value).split()
        return value if len(words) <= count else " ".join(words[:count]) + end

    env.add_filter("truncate_words", truncate_words)

    @env.filter()
    def format_price(value: float, currency: str = "$", decimals: int = 2) -> str:
        return f"{currency}{value:,.{decimals}f}"

    @env.filter("money")
    def format_money(value: float) -> str:
        return f"${value:,.2f}"

    @env.filter()
    def highlight(value: Any, term: str) -> Any:
        if not term or not value:
            return value
        escaped = str(Markup.escape(str(value)))
        return Markup(escaped.replace(term, f"<mark>{Markup.escape(term)}</mark>"))

    @env.filter()
    def filesize(value: float | None, binary: bool = False) -> str:
        if value is None:
            return "0 B"
        size, base = float(value), 1024 if binary else 1000
        for unit in ["", "K", "M", "G", "T"]:
            if abs(size) < base:
                return f"{size:.1f} {unit}{'iB' if binary else 'B'}"
            size /= base
        return f"{size:.1f} P{'iB' if binary else 'B'}"

    @env.filter()
    def pluralize(count: int, singular: str, plural: str | None = None) -> str:
        return singular if count == 1 else (plural or singular + "s")

    return env


def test_custom_filters_tutorial() -> None:
    env = _filters_env()
    template = env.from_string(
        "{{ 21 | double }}|{{ text | truncate_words(5) }}|"
        '{{ text | truncate_words(3, end="[more]") }}|{{ 1234.5 | format_price }}|'
        "{{ 3 | money }}|{{ words | highlight('term') }}|{{ size | filesize }}|"
        "{{ size | filesize(binary=true) }}|{{ items | length }} "
        '{{ items | length | pluralize("item") }}'
    )
    ctx = {
        "text": "one two three four five six",
        "words": "a <b> term",
        "size": 1536,
        "items": [1, 2, 3],
    }
    assert _render_three_ways(template, **ctx) == (
        "42|one two three four five...|one two three[more]|$1,234.50|$3.00|"
        "a &lt;b&gt; <mark>term</mark>|1.5 KB|1.5 KiB|3 items"
    )
    one = env.from_string('{{ items | length }} {{ items | length | pluralize("item") }}')
    assert _render_three_ways(one, items=[1]) == "1 item"  # a registered filter wins


def test_custom_filters_testing_section() -> None:
    env = Environment()

    @env.filter()
    def format_price(value: float, currency: str = "$") -> str:
        return f"{currency}{value:,.2f}"

    assert env.from_string("{{ amount | format_price }}").render(amount=1234.5) == "$1,234.50"
    assert env.from_string("{{ amount | format_price('€') }}").render(amount=100) == "€100.00"


# --- tutorials/component-comparison.md and usage/components.md ------------------------------

_CARD = """{% def card(title: str, subtitle: str | None = none, variant: str = "default") %}
{% push "styles" %}<style>.card { border: 1px solid; }</style>{% end %}
<article class="card card--{{ variant }}">
  <header class="card__header">
    <div>
      <h3>{{ title }}</h3>
      {% if subtitle %}<p class="card__subtitle">{{ subtitle }}</p>{% end %}
    </div>
    {% slot header_actions %}
  </header>
  <div class="card__body">
    {% slot %}
  </div>
  {% if has_slot("footer") %}
  <footer class="card__footer">
    {% slot footer %}
  </footer>
  {% end %}
</article>
{% end %}"""

_DASHBOARD = """{% from "components/card.html" import card %}
{% provide theme = "dark" %}
{% call card("Settings", subtitle="Manage preferences", variant="elevated") %}
  {% slot header_actions %}
    <button class="btn btn--icon" aria-label="Save">Save</button>
  {% end %}
  <form>
    <select name="theme">
      <option {% if consume("theme") == "light" %}selected{% end %}>Light</option>
      <option {% if consume("theme") == "dark" %}selected{% end %}>Dark</option>
    </select>
  </form>
  {% slot footer %}
    <button type="submit">Apply</button>
  {% end %}
{% end %}
{% end %}"""


def _components_env() -> Environment:
    return Environment(
        loader=DictLoader(
            {
                "components/card.html": _CARD,
                "dashboard.html": _DASHBOARD,
                "head.html": '<head>{% stack "styles" %}</head>{% include "dashboard.html" %}',
            }
        )
    )


def test_component_with_named_slots_provide_and_consume() -> None:
    lines = _lines(_render_three_ways(_components_env().get_template("dashboard.html")))
    assert lines == [
        '<article class="card card--elevated">',
        '<header class="card__header">',
        "<div>",
        "<h3>Settings</h3>",
        '<p class="card__subtitle">Manage preferences</p>',
        "</div>",
        '<button class="btn btn--icon" aria-label="Save">Save</button>',
        "</header>",
        '<div class="card__body">',
        "<form>",
        '<select name="theme">',
        "<option >Light</option>",
        "<option selected>Dark</option>",
        "</select>",
        "</form>",
        "</div>",
        '<footer class="card__footer">',
        '<button type="submit">Apply</button>',
        "</footer>",
        "</article>",
    ]


def test_component_styles_reach_the_stack_in_the_head() -> None:
    # render(): the streaming renderers' stacks have their own tests (stacks placed before
    # their pushes are a separate piece of work).
    html = _components_env().get_template("head.html").render()
    assert html.startswith("<head><style>.card { border: 1px solid; }</style></head>")


def test_component_introspection_api() -> None:
    template = _components_env().get_template("components/card.html")
    assert template.list_defs() == ["card"]
    card = template.def_metadata()["card"]
    assert [(p.name, p.annotation, p.is_required) for p in card.params] == [
        ("title", "str", True), ("subtitle", "str | None", False), ("variant", "str", False),
    ]  # fmt: skip
    assert card.slots == ("header_actions", "footer")
    assert card.has_default_slot is True
    assert card.depends_on == frozenset()


def test_set_is_block_scoped_and_export_reaches_out() -> None:
    template = Environment(jinja2_compat_warnings=False).from_string(
        "{% let count = 0 %}{% for s in sections %}{% set count = count + 1 %}{% end %}"
        "count={{ count }} "
        "{% let total = 0 %}{% for s in sections %}{% export total = total + 1 %}{% end %}"
        "total={{ total }}"
    )
    assert _render_three_ways(template, sections=[1, 2, 3]) == "count=0 total=3"


def test_theme_read_from_context_without_prop_drilling() -> None:
    template = Environment().from_string(
        "{% def page_shell() %}{{ sidebar_nav() }}<main>{% slot %}</main>{% end %}"
        "{% def sidebar_nav() %}<nav class=\"sidebar--{{ consume('theme') }}\">"
        '{{ sidebar_item("Home", "/") }}</nav>{% end %}'
        "{% def sidebar_item(label: str, url: str) %}"
        '<a class="item--{{ consume(\'theme\') }}" href="{{ url }}">{{ label }}</a>{% end %}'
        '{% provide theme = "dark" %}{% call page_shell() %}Main{% end %}{% end %}'
    )
    assert _render_three_ways(template) == (
        '<nav class="sidebar--dark"><a class="item--dark" href="/">Home</a></nav><main>Main</main>'
    )


def test_error_boundary_renders_the_fallback_and_the_rest() -> None:
    def render_activity(user_id: int) -> str:
        raise LookupError(f"no activity for {user_id}")

    template = Environment().from_string(
        "{% def card(title) %}<div>{{ title }}{% slot %}</div>{% end %}"
        "{% try %}{% call card(user.profile.display_name) %}{{ render_activity(user.id) }}"
        '{% end %}{% fallback error %}<div class="card card--error" role="alert">'
        "{{ error.type }}</div>{% end %}|after"
    )
    ctx = {"user": {"profile": None, "id": 1}, "render_activity": render_activity}
    assert _render_three_ways(template, **ctx) == (
        '<div class="card card--error" role="alert">UndefinedError</div>|after'
    )
    ctx["user"] = {"profile": {"display_name": "Ada"}, "id": 1}
    assert _render_three_ways(template, **ctx) == (
        '<div class="card card--error" role="alert">LookupError</div>|after'
    )


def test_components_guide_slot_patterns() -> None:
    template = Environment().from_string(
        '{% def alert(message: str, variant: str = "info") %}<div class="alert--{{ variant }}">'
        '{{ message }}{% if has_slot() %}<div class="actions">{% slot %}</div>{% end %}</div>'
        "{% end %}"
        "{% def data_table(items: list) %}<table>{% for item in items %}<tr>"
        "{% slot row let:item=item let:index=loop.index %}<td>{{ item }}</td>{% end %}"
        "</tr>{% end %}</table>{% end %}"
        "{% def selection_bar() %}<nav>{{ caller() }}</nav>{% end %}"
        "{% def resource_index() %}{% call selection_bar() %}{% yield selection %}{% end %}"
        "{% end %}"
        '{{ alert("m") }}|{% call alert("n") %}Undo{% end %}|'
        "{% call data_table(users) %}{% slot row %}<td>{{ index }}. {{ item.name }}</td>"
        "{% end %}{% end %}|{{ data_table([7]) }}|"
        "{% call resource_index() %}{% slot selection %}Badges{% end %}Cards{% end %}"
    )
    assert _render_three_ways(template, users=[{"name": "Ada"}, {"name": "Bo"}]) == (
        '<div class="alert--info">m</div>|'
        '<div class="alert--info">n<div class="actions">Undo</div></div>|'
        "<table><tr><td>1. Ada</td></tr><tr><td>2. Bo</td></tr></table>|"
        "<table><tr><td>7</td></tr></table>|<nav>Badges</nav>"
    )


# --- tutorials/flask-, django- and starlette-integration.md: the templates ------------------

_COMPONENTS_PAGE = """{% def panel(title: str) %}
<section class="panel">
  <h1>{{ title }}</h1>
  {% slot %}
</section>
{% enddef %}

{% def text_field(name: str, label: str, value: str = "") %}
<label>
  {{ label }}
  <input name="{{ name }}" value="{{ value }}">
</label>
{% enddef %}

{% block form %}
{% call panel("Component form") %}
<form method="post" action="/preview">
  {{ text_field("title", "Title", title) }}
  {{ text_field("summary", "Summary", summary) }}
  <button type="submit">Preview</button>
</form>
{% endcall %}
{% endblock %}

{% block preview %}
<article id="preview">
  <h2>{{ title }}</h2>
  <p>{{ summary }}</p>
</article>
{% endblock %}
"""


def test_framework_tutorial_page_and_fragment() -> None:
    env = Environment(loader=DictLoader({"components.html": _COMPONENTS_PAGE}))
    template = env.get_template("components.html")
    page = _lines(_render_three_ways(template, title="First <component>", summary="Edit me"))
    assert page[:3] == ['<section class="panel">', "<h1>Component form</h1>", (
        '<form method="post" action="/preview">'
    )]  # fmt: skip
    assert '<input name="title" value="First &lt;component&gt;">' in page
    assert page[-4:] == [
        '<article id="preview">', "<h2>First &lt;component&gt;</h2>", "<p>Edit me</p>",
        "</article>",
    ]  # fmt: skip
    assert _lines(template.render_block("preview", title="T", summary="S")) == [
        '<article id="preview">', "<h2>T</h2>", "<p>S</p>", "</article>",
    ]  # fmt: skip


def test_starlette_tutorial_nested_block_as_a_fragment() -> None:
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "<main>{% block content %}{% end %}</main>",
                "items.html": '{% extends "base.html" %}{% block content %}<h1>Items</h1>'
                '{% block items_list %}<ul id="items">{% for item in items %}'
                "<li>{{ item.name }}</li>{% end %}</ul>{% end %}{% end %}",
            }
        )
    )
    template = env.get_template("items.html")
    items = [{"name": "a"}, {"name": "b"}]
    fragment = '<ul id="items"><li>a</li><li>b</li></ul>'
    assert template.render_block("items_list", items=items) == fragment

    async def streamed() -> str:
        stream = template.render_block_stream_async("items_list", items=items)
        return "".join([chunk async for chunk in stream])

    assert asyncio.run(streamed()) == fragment
    page = asyncio.run(template.render_async(items=items))
    assert page == f"<main><h1>Items</h1>{fragment}</main>"


# --- usage/agent-templates.md: the template patterns ----------------------------------------

_FINDINGS = """{% set min_confidence = min_confidence | default(0.5) %}
{% set repository = repository | default("") %}
{% set sha = sha | default("") %}
{% for finding in findings %}
{% if repository and sha %}
[`{{ finding.file }}#L{{ finding.line }}`](https://github.com/{{ repository }}/blob/{{ sha }}/{{ finding.file }}#L{{ finding.line }})
{% else %}
`{{ finding.file }}:{{ finding.line }}`
{% endif %}
{% if finding.confidence < min_confidence %}
<details>
<summary>{{ finding.title }} (low confidence: {{ (finding.confidence * 100) | round | int }}%)</summary>

{{ finding.message }}

</details>
{% endif %}
{% endfor %}"""  # noqa: E501


def test_agent_template_patterns() -> None:
    template = Environment(autoescape=False).from_string(_FINDINGS)
    finding = {"file": "src/db.py", "line": 42, "title": "SQL", "message": "M", "confidence": 0.44}
    linked = _lines(_render_three_ways(template, findings=[finding], repository="o/r", sha="abc"))
    assert linked == [
        "[`src/db.py#L42`](https://github.com/o/r/blob/abc/src/db.py#L42)",
        "<details>", "<summary>SQL (low confidence: 44%)</summary>", "M", "</details>",
    ]  # fmt: skip
    plain = _lines(_render_three_ways(template, findings=[{**finding, "confidence": 0.9}]))
    assert plain == ["`src/db.py:42`"]


# --- about/faq.md, about/architecture.md, about/thread-safety.md -----------------------------


def test_debug_filter_passes_the_value_through(capsys: pytest.CaptureFixture[str]) -> None:
    template = Environment().from_string('{{ posts | debug }}|{{ posts | debug("my posts") }}')
    assert template.render(posts=[1, 2]) == "[1, 2]|[1, 2]"
    err = capsys.readouterr().err
    assert "[1, 2]" in err
    assert "my posts" in err


def test_profiled_render_summary() -> None:
    from kida.render_accumulator import profiled_render

    page = "{% block a %}{% include 'i.html' %}{{ x | upper }}{% end %}"
    env = Environment(loader=DictLoader({"p.html": page, "i.html": "I"}))
    with profiled_render() as metrics:
        html = env.get_template("p.html").render(x="y")
    summary = metrics.summary()
    assert html == "IY"
    assert summary["includes"] == {"i.html": 1}
    assert summary["filters"] == {"upper": 1}
    assert set(summary) >= {"total_ms", "blocks", "includes"}


def test_template_and_fragment_cache_info() -> None:
    env = Environment(
        loader=DictLoader({"a.html": "A"}),
        cache_size=400,
        fragment_cache_size=1000,
        fragment_ttl=300.0,
    )
    env.get_template("a.html")
    env.get_template("a.html")
    info = env.cache_info()
    assert {k: info["template"][k] for k in ("size", "max_size", "hits", "misses")} == {
        "size": 1, "max_size": 400, "hits": 1, "misses": 1,
    }  # fmt: skip
    assert info["fragment"]["max_size"] == 1000


def test_bytecode_cache_get_and_set_by_name_and_source_hash(tmp_path: Path) -> None:
    from kida.bytecode_cache import BytecodeCache

    cache = BytecodeCache(tmp_path / ".kida-cache")
    code = compile("answer = 42", "page.html", "exec")
    assert cache.get("page.html", "h1") is None
    cache.set("page.html", "h1", code)
    assert cache.get("page.html", "h1") == code
    assert cache.get("page.html", "h2") is None  # another source: another entry
    assert BytecodeCache(tmp_path / ".kida-cache").get("page.html", "h1") == code
    cache.clear()
    assert cache.get("page.html", "h1") is None


def test_free_threading_marker_and_threaded_renders() -> None:
    import kida

    assert kida._Py_mod_gil == 0
    template = Environment(loader=DictLoader({"page.html": "Hi {{ user }}"})).get_template(
        "page.html"
    )

    async def render_many() -> list[str]:
        return list(
            await asyncio.gather(
                *(asyncio.to_thread(template.render, user=f"User {i}") for i in range(20))
            )
        )

    assert asyncio.run(render_many()) == [f"Hi User {i}" for i in range(20)]


def test_importing_a_missing_macro_names_its_error_code() -> None:
    from kida import ErrorCode

    env = Environment(
        loader=DictLoader(
            {
                "partials/x.html": "{% def shown() %}{% end %}",
                "page.html": '{% from "partials/x.html" import hidden %}',
            }
        )
    )
    with pytest.raises(TemplateRuntimeError, match="hidden") as raised:
        env.get_template("page.html").render()
    assert raised.value.code is ErrorCode.MACRO_NOT_FOUND


# --- usage/components.md, "Validation": calls of imported components --------------------


def _validated(templates: dict[str, str], name: str) -> list[str]:
    env = Environment(loader=DictLoader(templates), validate_calls=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.get_template(name)
    assert all(issubclass(w.category, ComponentWarning) for w in caught)
    return [str(w.message) for w in caught]


_LIBRARY = {
    "components/card.html": '{% def card(title: str, variant: str = "default") %}{% end %}',
}


def test_validation_follows_literal_component_imports() -> None:
    page = '{% from "components/card.html" import card %}\n\n{{ card(titl="Settings") }}'
    found = _validated({**_LIBRARY, "page.html": page}, "page.html")
    assert [message.splitlines()[0] for message in found] == [
        "[K-CMP-001] call to 'card': unknown parameter 'titl' (page.html:3)",
        "[K-CMP-001] call to 'card': missing required argument 'title' (page.html:3)",
    ]
    relative = '{% from "../components/card.html" import card as c %}{{ c() }}'
    found = _validated({**_LIBRARY, "pages/p.html": relative}, "pages/p.html")
    assert [message.splitlines()[0] for message in found] == [
        "[K-CMP-001] call to 'c': missing required argument 'title' (pages/p.html:1)"
    ]


@pytest.mark.parametrize(
    "source",
    [
        '{% from "components/card.html" import card %}{{ card("Settings") }}',
        "{% from name import card %}{{ card(1, 2, 3) }}",  # dynamic: the target is unknown
        '{% from "missing.html" import card %}{{ card(1, 2, 3) }}',  # the render reports it
        '{% from "../../above.html" import card %}{{ card(1, 2, 3) }}',  # so it does this one
        '{% from "components/card.html" import card %}{% def card(a) %}{% end %}{{ card(1, 2) }}',
        '{% from "components/card.html" import nope %}{{ nope(1, 2) }}',
    ],
)
def test_validation_leaves_unknowable_imports_alone(source: str) -> None:
    assert _validated({**_LIBRARY, "page.html": source}, "page.html") == []


# --- about/architecture.md: the lexer and parser stages -------------------------------------


def test_lexer_with_kidas_config_object() -> None:
    from kida.lexer import Lexer, LexerConfig, TokenType

    tokens = list(Lexer("Hello, {{ name }}!", LexerConfig()).tokenize())
    assert [(t.type, t.value) for t in tokens] == [
        (TokenType.DATA, "Hello, "), (TokenType.VARIABLE_BEGIN, "{{"), (TokenType.NAME, "name"),
        (TokenType.VARIABLE_END, "}}"), (TokenType.DATA, "!"), (TokenType.EOF, ""),
    ]  # fmt: skip
    erb = LexerConfig(
        variable_start="<%=", variable_end="%>", block_start="<%", block_end="%>",
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    values = [t.value for t in Lexer("  <% if x %>\n<%= x %>", erb).tokenize()]
    assert values == ["<%", "if", "x", "%>", "<%=", "x", "%>", ""]  # lstripped and trimmed


def test_parser_takes_name_filename_and_source() -> None:
    from kida import TemplateSyntaxError
    from kida.lexer import Lexer, LexerConfig
    from kida.parser import Parser

    source = "Hello, {{ name }}!"
    tokens = list(Lexer(source, LexerConfig()).tokenize())
    tree = Parser(tokens, name="template.html", filename="template.html", source=source).parse()
    assert [type(node).__name__ for node in tree.body] == ["Data", "Output", "Data"]
    broken = "{% if %}"
    with pytest.raises(TemplateSyntaxError, match=r"in f\.html, line 1"):
        Parser(
            list(Lexer(broken, LexerConfig()).tokenize()), filename="f.html", source=broken
        ).parse()


def test_a_call_that_does_not_fit_names_the_def() -> None:
    """usage/components.md's misspelt prop, without validate_calls: the render's error names
    the def as the template wrote it, not the generated function."""
    env = Environment(
        loader=DictLoader(
            {
                "components/card.html": "{% def card(title: str) %}{{ title }}{% end %}",
                "page.html": '{% from "components/card.html" import card %}'
                '{{ card(titl="Settings") }}',
            }
        )
    )
    template = env.get_template("page.html")
    with pytest.raises(TypeError, match=r"^TypeError: card\(\) got an unexpected keyword"):
        template.render()
    with pytest.raises(TypeError, match=r"card\(\) got an unexpected keyword"):
        "".join(template.render_stream())


class _Named:
    def name(self) -> str:
        return "Ada"


@pytest.mark.parametrize("sandboxed", [False, True])
def test_optional_method_call_short_circuits(sandboxed: bool) -> None:
    """``obj?.method()`` is not called when ``obj?.method`` is missing (None receiver, or a
    Mapping without the key), as kida-templates' optional call does."""
    from kida.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment() if sandboxed else Environment()
    template = env.from_string('[{{ u?.name() }}][{{ u?.name() ?? "anon" }}][{{ d?.name() }}]')
    assert _render_three_ways(template, u=_Named(), d={}) == "[Ada][Ada][]"
    assert _render_three_ways(template, u=None, d=None) == "[][anon][]"
    assert _raises_undefined(env, "{{ u?.nope() }}", u=_Named()).kind == "attribute"


def test_a_relative_parent_answers_the_static_questions(tmp_path: Path) -> None:
    from kida.composition import validate_block_exists

    env = _tree_env(tmp_path)
    (tmp_path / "ui" / "layouts" / "async_base.html").write_text(
        "{% block main %}{% async for x in xs %}{{ x }}{% end %}{% end %}"
    )
    (tmp_path / "ui" / "layouts" / "child.html").write_text(
        '{% extends "./async_base.html" %}{% block extra %}{% end %}'
    )
    child = env.get_template("ui/layouts/child.html")
    assert child.parent_name == "ui/layouts/async_base.html"
    assert child.list_blocks() == ["extra", "main"]
    assert child.is_async
    assert validate_block_exists(env, "ui/layouts/child.html", "main")
    page = env.get_template("pages/up.html")
    metadata = page.template_metadata()
    assert metadata is not None
    assert metadata.extends == "ui/layouts/base.html"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% def inner(y) %}{% end %}{{ inner(1, 2) }}", "inner() takes 1 positional argument "
         "but 2 were given"),
        ("{% def f(a, b=1) %}{% end %}{{ f(1, 2, 3) }}", "f() takes from 1 to 2 positional "
         "arguments but 3 were given"),
        ("{% def f() %}{% end %}{{ f(1) }}", "f() takes 0 positional arguments but 1 was given"),
        ("{% def f(a) %}{% end %}{{ f() }}", "f() missing 1 required positional argument: 'a'"),
        ("{% def f() %}{{ g(1) }}{% end %}{{ f() }}", "takes 0 positional arguments but 1 was"),
    ],
)  # fmt: skip
def test_too_many_arguments_are_counted_as_the_template_wrote_them(
    source: str, message: str
) -> None:
    template = Environment().from_string(source)
    for render in (template.render, lambda **ctx: "".join(template.render_stream(**ctx))):
        with pytest.raises(TypeError) as raised:
            render(g=lambda: 1)
        assert message in str(raised.value)
