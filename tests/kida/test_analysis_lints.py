"""The static lints and checks of kida's analysis, a11y-linting and type-checking pages, used
as those pages show: context contracts (K-CTX), literal attributes, the escape audit (K-ESC),
the privacy lint (K-PRI), accessibility (K-A11Y), template declarations (K-TYP) and
``BlockAnalyzer`` call validation (K-CMP)."""

import pytest

from kida import AnalysisConfig, ComponentWarning, DictLoader, Environment, ErrorCode
from kida.analysis import (
    BlockAnalyzer,
    CallValidation,
    ContextContractIssue,
    LiteralAttribute,
    TypeMismatch,
    audit_escaping,
    check_context_contract,
    extract_literal_attributes,
    lint_privacy,
)
from kida.analysis.a11y import A11yIssue, check_a11y
from kida.analysis.context_contracts import check_context_contract as by_module_path
from kida.analysis.fragile_paths import FragilePathIssue, check_fragile_paths
from kida.analysis.type_checker import check_types


def test_analysis_codes_are_error_codes_with_kida_values() -> None:
    assert ErrorCode.CONTEXT_MISSING == "K-CTX-001"
    assert ErrorCode.ESCAPE_TRUSTED_XMLATTR.value == "K-ESC-005"
    assert ErrorCode.PRIVACY_DYNAMIC_TEMPLATE_NAME.value == "K-PRI-005"
    assert ErrorCode.A11Y_INPUT_LABEL.value == "K-A11Y-004"
    assert ErrorCode.TYPE_TYPO_SUGGESTION.value == "K-TYP-003"
    assert ErrorCode.COMPONENT_TYPE_MISMATCH.value == "K-CMP-002"
    assert ErrorCode.FRAGILE_TEMPLATE_PATH.value == "K-PATH-001"
    categories = {
        ErrorCode.A11Y_IMG_ALT.category,
        ErrorCode.TYPE_UNUSED_DECLARATION.category,
        ErrorCode.CONTEXT_UNUSED.category,
        ErrorCode.PRIVACY_SECRET_LITERAL.category,
        ErrorCode.ESCAPE_ESCAPED_OUTPUT.category,
        ErrorCode.COMPONENT_CALL_SIGNATURE.category,
        ErrorCode.FRAGILE_TEMPLATE_PATH.category,
    }
    assert categories == {
        "accessibility",
        "type",
        "context",
        "privacy",
        "escape",
        "component",
        "path",
    }
    assert ErrorCode.A11Y_HEADING_ORDER.docs_url.endswith("/errors/#k-a11y-002")


# --- context contracts --------------------------------------------------------------------


def _page(source: str) -> object:
    return Environment().from_string(source, name="page.html")


def test_contract_of_dotted_paths_optional_and_globals() -> None:
    template = _page(
        "{{ page.title }} {{ page.author.name }} {{ flash.message }} {{ csrf_token() }}"
        "{{ site.name }}"
    )
    issues = check_context_contract(
        template,  # type: ignore[arg-type]
        provided={"page.title", "page.author.name"},
        globals={"csrf_token"},
        optional={"flash.message"},
    )
    assert issues == [
        ContextContractIssue(
            ErrorCode.CONTEXT_MISSING,
            "error",
            "site.name",
            "the template reads 'site.name' but the context contract does not provide it",
            "page.html",
            suggestion="add 'site.name' to the route context contract, or mark it optional",
        )
    ]
    assert issues[0].code == "K-CTX-001"  # still the string kida's field always held
    assert by_module_path is check_context_contract


def test_contract_as_nested_mapping_and_top_level_keys() -> None:
    template = _page("{{ page.title }} {{ page.author.name }}{% def d() %}{% end %}{{ d() }}")
    nested = {"page": {"title": str, "author": {"name": str}}}
    assert check_context_contract(template, nested) == []  # type: ignore[arg-type]
    # A provided top-level key does not promise the paths under it.
    missing = check_context_contract(template, {"page"})  # type: ignore[arg-type]
    assert [issue.path for issue in missing] == ["page.author.name", "page.title"]
    # ... but a global does.
    assert check_context_contract(template, [], globals={"page"}) == []  # type: ignore[arg-type]


def test_contract_check_extra_reports_unread_paths_quietly_for_parents() -> None:
    template = _page("{{ page.title }}")
    provided = {"page": {"title": str}, "user": {"name": str}}
    assert check_context_contract(template, provided) == []  # type: ignore[arg-type]
    extra = check_context_contract(template, provided, check_extra=True)  # type: ignore[arg-type]
    assert [(issue.code, issue.severity, issue.path) for issue in extra] == [
        ("K-CTX-002", "warning", "user"),
        ("K-CTX-002", "warning", "user.name"),
    ]


# --- literal attributes -------------------------------------------------------------------


def test_literal_attributes_with_positions_and_filters() -> None:
    template = _page(
        '<form hx-post="/save" data-kind=report>\n'
        '  <button hx-target="#out" id="{{ ident }}" disabled>{{ label }}</button>\n'
        "</form>"
    )
    attrs = extract_literal_attributes(template, prefixes=("data-", "hx-"))
    assert attrs == [
        LiteralAttribute("hx-post", "/save", "form", "page.html", 1, 6),
        LiteralAttribute("data-kind", "report", "form", "page.html", 1, 22),
        LiteralAttribute("hx-target", "#out", "button", "page.html", 2, 10),
    ]
    by_name = extract_literal_attributes(template, names=["id", "disabled"])
    # id's value comes from {{ }}: not a literal, not reported.
    assert [(a.name, a.value, a.lineno) for a in by_name] == [("disabled", None, 2)]


def test_literal_attributes_skip_dynamic_attributes_comments_and_control_flow() -> None:
    source = (
        "<!-- <a href='/old'> -->"
        "<div {{ attrs }} class=\"a {{ b }}\">{% if x %}<a href='/x?a=1&b=2'>{% end %}"
    )
    attrs = extract_literal_attributes(Environment().from_string(source))
    assert [(a.tag, a.name, a.value, a.template_name) for a in attrs] == [
        ("a", "href", "/x?a=1&b=2", None)
    ]
    # a bare tree works too, and a template without its tree answers empty
    tree_attrs = extract_literal_attributes(Environment().from_string(source)._optimized_ast)
    assert [a.name for a in tree_attrs] == ["href"]
    dropped = Environment(preserve_ast=False).from_string(source)
    assert dropped._optimized_ast is None
    assert extract_literal_attributes(dropped) == []


# --- escape audit --------------------------------------------------------------------------


def test_escape_audit_inventory() -> None:
    template = _page(
        '{{ user.name }}{{ body | safe }}{{ html | safe(reason="sanitized by bleach") }}'
        "{{ data | tojson }}{{ attrs | xmlattr }}"
    )
    found = [(f.code, f.kind, f.expression) for f in audit_escaping(template)]
    assert found == [
        ("K-ESC-001", "escaped-output", "user.name"),
        ("K-ESC-001", "escaped-output", "body"),
        ("K-ESC-002", "safe-filter", "body"),
        ("K-ESC-001", "escaped-output", "html"),
        ("K-ESC-002", "safe-filter", "html"),
        ("K-ESC-001", "escaped-output", "data"),
        ("K-ESC-004", "tojson", "data"),
        ("K-ESC-001", "escaped-output", "attrs"),
        ("K-ESC-005", "xmlattr", "attrs"),
    ]
    safe = [
        f for f in audit_escaping(template, include_output_sites=False) if f.kind == "safe-filter"
    ]
    assert safe[0].suggestion is not None
    assert "reason" in safe[0].suggestion
    assert safe[1].message.endswith("sanitized by bleach")
    assert safe[1].suggestion is None
    assert (safe[0].lineno, safe[0].col_offset, safe[0].template_name) == (1, 25, "page.html")


def test_escape_audit_flags_outputs_of_unescaped_templates() -> None:
    env = Environment(autoescape=False)
    findings = audit_escaping(env.from_string("{{ comment }}"))
    assert [(f.code, f.severity, f.expression) for f in findings] == [
        ("K-ESC-003", "warning", "comment")
    ]
    # without output sites an escaped template with no trusted markup has nothing to say
    assert audit_escaping(Environment().from_string("{{ x }}"), include_output_sites=False) == []


# --- privacy lint ---------------------------------------------------------------------------


def test_privacy_lint_findings_never_echo_secrets() -> None:
    template = _page(
        "{{ user.password }}{{ profile.email | safe }}{{ request }}{{ debug | pprint }}"
        '{% set note = "api_key=sk_live_0123456789" %}'
        '{% include partial %}{% include "footer.html" ignore missing %}'
        '{% include ["a.html", "b.html"] ignore missing %}'
    )
    findings = lint_privacy(template)
    assert [(f.code, f.kind, f.path) for f in findings] == [
        ("K-PRI-001", "sensitive-context-path", "profile.email"),
        ("K-PRI-001", "sensitive-context-path", "user.password"),
        ("K-PRI-003", "safe-sensitive-value", "profile.email"),
        ("K-PRI-004", "broad-context-output", "request"),
        ("K-PRI-004", "broad-context-output", "debug"),
        ("K-PRI-002", "secret-like-literal", None),
        ("K-PRI-005", "dynamic-template-name", None),
    ]
    assert all("sk_live" not in f.message for f in findings)
    secret = findings[5]
    assert (secret.severity, secret.lineno, secret.template_name) == ("error", 1, "page.html")


def test_privacy_lint_is_quiet_on_ordinary_templates() -> None:
    clean = "{{ page.title }}{{ user.name }}{% include 'nav.html' ignore missing %}"
    assert lint_privacy(Environment().from_string(clean)) == []


# --- accessibility ---------------------------------------------------------------------------


A11Y_PAGE = """
            <html>
            <body>
                <img src="photo.jpg">
                <h1>Title</h1>
                <h3>Skipped h2</h3>
                <input type="text" name="email">
            </body>
            </html>
        """


def test_a11y_example_of_the_docs() -> None:
    env = Environment(loader=DictLoader({"page.html": A11Y_PAGE}), preserve_ast=True)
    template = env.get_template("page.html")
    issues = check_a11y(template._optimized_ast)
    assert [f"Line {i.lineno}: [{i.rule}] {i.message}" for i in issues] == [
        "Line 2: [html-lang] <html> missing lang attribute",
        "Line 4: [img-alt] <img> missing alt attribute",
        "Line 6: [heading-order] Heading level skipped: <h3> after <h1> (expected <h2>)",
        "Line 7: [input-label] Form element missing associated <label> or aria-label",
    ]
    assert [i.code for i in issues] == ["K-A11Y-003", "K-A11Y-001", "K-A11Y-002", "K-A11Y-004"]
    assert [i.severity for i in issues] == ["warning", "error", "warning", "warning"]
    assert issues[1] == A11yIssue(4, 16, "img-alt", "<img> missing alt attribute", "error")


@pytest.mark.parametrize(
    "markup",
    [
        '<html lang="en">',
        '<img src="hero.jpg" alt="Mountain landscape at sunset">',
        '<img src="{{ url }}" alt="{{ caption }}">',
        '<img src="divider.png" role="presentation">',
        '<img src="spacer.gif" role="none">',
        '<img src="x.png" {{ attrs }}>',
        "<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2><h1>e</h1>",
        '<label for="email">Email</label><input type="text" name="email" id="email">',
        '<input type="text" name="email" aria-label="Email address">',
        '<select aria-labelledby="l"></select><textarea title="Notes"></textarea>',
        '<input type="hidden" name="csrf_token" value="abc">',
    ],
)
def test_a11y_fixes_of_the_docs_pass(markup: str) -> None:
    assert check_a11y(Environment().from_string(markup)) == []


def test_a11y_sees_tags_with_dynamic_values_and_nested_branches() -> None:
    source = '<h1>x</h1>{% if a %}<h4>y</h4>{% end %}<img src="{{ url }}"><textarea></textarea>'
    issues = check_a11y(Environment().from_string(source))
    assert [(i.rule, i.col_offset) for i in issues] == [
        ("heading-order", 20),
        ("img-alt", 39),
        ("input-label", 60),
    ]


# --- template declarations ------------------------------------------------------------------


def _issues(source: str) -> list[str]:
    tree = Environment().from_string(source)._optimized_ast
    return [f"Line {i.lineno}: [{i.code}] {i.message}" for i in check_types(tree)]


def test_type_check_examples_of_the_docs() -> None:
    typo = (
        "{% template user: User, items: list %}\n\n<h1>{{ usr.name }}</h1>\n<ul>\n"
        "  {% for item in items %}\n    <li>{{ item.title }}</li>\n  {% endfor %}\n</ul>"
    )
    assert _issues(typo) == [
        "Line 1: [K-TYP-002] Declared variable 'user' is never used",
        "Line 3: [K-TYP-003] Variable 'usr' used but not declared in {% template %} "
        "(did you mean 'user'?)",
    ]
    undeclared = (
        "{% template page: Page %}\n\n<h1>{{ page.title }}</h1>\n<p>{{ site.description }}</p>"
    )
    assert _issues(undeclared) == [
        "Line 4: [K-TYP-001] Variable 'site' used but not declared in {% template %}"
    ]
    unused = "{% template page: Page, nav_items: list, footer: dict %}\n\n<h1>{{ page.title }}</h1>"
    assert _issues(unused) == [
        "Line 1: [K-TYP-002] Declared variable 'nav_items' is never used",
        "Line 1: [K-TYP-002] Declared variable 'footer' is never used",
    ]


def test_type_check_knows_local_names_scopes_and_builtins() -> None:
    source = (
        "{% template page: Page %}"
        "{% set total = page.items | length %}{% let count = 0 %}{% export title = 'Home' %}"
        "{% capture side %}{{ total }}{% end %}"
        "{% for item in page.items %}{{ item }}{{ loop.index }}{% end %}"
        "{% with x = 1, y = 2 %}{{ x + y }}{% end %}"
        "{% def button(text, url) %}{{ text }}{{ url }}{% end %}{{ button('a', '/') }}"
        '{% import "macros.html" as macros %}{% from "m.html" import card %}'
        "{{ macros.x() }}{{ card() }}{{ range(3) | list }}{{ len(side) }}{{ title }}{{ count }}"
        "{{ item }}{{ text }}"
    )
    # item and text are bound only inside their for / def: outside, they are undeclared
    assert [i.message for i in check_types(Environment().from_string(source))] == [
        "Variable 'item' used but not declared in {% template %}",
        "Variable 'text' used but not declared in {% template %}",
    ]
    assert check_types(Environment().from_string("{{ anything }}")) == []
    # a top-level def may be called before the line that defines it
    hoisted = "{% template page: Page %}{{ card(page) }}{% def card(p) %}{{ p }}{% end %}"
    assert check_types(Environment().from_string(hoisted)) == []


def test_type_check_accepts_environment_globals_of_a_template() -> None:
    env = Environment(globals={"site_name": "kida"})
    template = env.from_string("{% template page: Page %}{{ page }}{{ site_name }}")
    assert check_types(template) == []
    assert [i.rule for i in check_types(template._optimized_ast)] == ["undeclared-var"]


# --- BlockAnalyzer ---------------------------------------------------------------------------

CALLS = """
    {% def button(text: str, url: str, style="primary") %}
        <a href="{{ url }}" class="btn btn-{{ style }}">{{ text }}</a>
    {% end %}

    {{ button(text="Save", urll="/save") }}
    {{ button("Save", "/save") }}
    {% def row(*cells, **attrs) %}{% end %}{{ row(1, 2, id="r") }}
    {% call button(url="/x") %}{% end %}
    {{ button(text=5, url="/y", style=none) }}
    {{ button(**options) }}
    {% def flag(on: int, ratio: float | None) %}{% end %}{{ flag(true, 1) }}{{ flag(2, none) }}
"""


def test_block_analyzer_validate_calls() -> None:
    env = Environment(loader=DictLoader({"page.html": CALLS}), preserve_ast=True)
    template = env.get_template("page.html")
    issues = BlockAnalyzer().validate_calls(template._optimized_ast)
    assert issues == [
        CallValidation("button", 6, 7, ("urll",), ("url",)),
        CallValidation("button", 9, 12, (), ("text",)),
    ]
    assert not any(issue.is_valid for issue in issues)
    assert CallValidation("button", 1, 0).is_valid
    mismatches = BlockAnalyzer().validate_call_types(template._optimized_ast)
    assert mismatches == [
        TypeMismatch("button", "text", "str", "int", 5, 10, 7),
        TypeMismatch("flag", "on", "int", "bool", True, 12, 60),
    ]


def test_block_analyzer_analyze_with_config() -> None:
    config = AnalysisConfig(page_prefixes=frozenset({"post"}))
    env = Environment()
    source = (
        '{% extends "base.html" %}{% block nav %}<nav>{{ site.menu | length }}</nav>{% end %}'
        "{% block content %}{{ post.body | upper }}{% end %}"
    )
    tree = env.from_string(source)._optimized_ast
    meta = BlockAnalyzer(config=config, filters=env.filters).analyze(tree)
    assert meta.extends == "base.html"
    assert (meta.blocks["nav"].cache_scope, meta.blocks["content"].cache_scope) == ("site", "page")
    assert meta.blocks["nav"].emits_landmarks == frozenset({"nav"})
    # without the environment's filters kida's built-in ones are trusted, a user's are not
    assert BlockAnalyzer(config).analyze(tree).blocks["nav"].is_pure == "pure"
    env.add_filter("shout", str.upper)
    custom = env.from_string("{% block nav %}{{ x | shout }}{% end %}")._optimized_ast
    assert BlockAnalyzer(config).analyze(custom).blocks["nav"].is_pure == "unknown"


def test_validate_calls_environment_warns_with_component_codes() -> None:
    env = Environment(validate_calls=True)
    source = "{% def badge(count: int) %}{{ count }}{% end %}\n{{ badge('five') }}{{ badge(5) }}"
    with pytest.warns(ComponentWarning) as caught:
        env.from_string(source, name="badge.html")
    assert [str(w.message).splitlines()[0] for w in caught] == [
        "[K-CMP-002] call to 'badge': parameter 'count' expects int, got str ('five') "
        "(badge.html:2)"
    ]


# --- fragile paths ---------------------------------------------------------------------------


def test_fragile_paths_suggest_relative_names_for_siblings_only() -> None:
    source = (
        '{% extends "pages/base.html" %}\n'
        '{% block b %}{% include "pages/card.html" %}{% include "./card.html" %}'
        '{% include "partials/nav.html" %}{% include ["pages/a.html", "x.html"] %}'
        '{% from "pages/macros.html" import m %}{% include name %}{% include "@ui/card.html" %}'
        "{% end %}"
    )
    tree = Environment().from_string(source)._optimized_ast
    issues = check_fragile_paths(tree, "pages/about.html")
    assert [(i.statement, i.target, i.suggestion, i.lineno) for i in issues] == [
        ("extends", "pages/base.html", "./base.html", 1),
        ("include", "pages/card.html", "./card.html", 2),
        ("include", "pages/a.html", "./a.html", 2),
        ("from", "pages/macros.html", "./macros.html", 2),
    ]
    assert issues[0] == FragilePathIssue(1, 11, "extends", "pages/base.html", "./base.html")
    assert issues[0].code == "K-PATH-001"
    # at the root nothing is gained
    root = Environment().from_string('{% include "card.html" ignore missing %}')
    assert check_fragile_paths(root, "about.html") == []


def test_region_parameters_are_not_context_and_defaults_are() -> None:
    source = (
        "{% template page: Page %}"
        "{% region stats(count, label=page.title) %}{{ count }} {{ label }}{% end %}"
        "{{ stats(1) }}"
    )
    template = Environment().from_string(source)
    assert template.depends_on() == frozenset({"page.title"})
    assert template.validate_context({"page": {}}) == []
    assert template.block_metadata()["stats"].depends_on == frozenset({"page.title"})
    assert check_types(template) == []
