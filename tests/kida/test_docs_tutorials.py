"""Examples of kida-templates' get-started, tutorials and about pages, rendered through our engine.

Each test names the page its example comes from and checks what the page documents, through
render(), render_stream() and render_stream_async() alike (``_render_three_ways``).
"""

import asyncio
from collections import ChainMap
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from kida import DictLoader, Environment, FileSystemLoader, Markup, UndefinedError
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
