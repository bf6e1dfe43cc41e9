"""kida.diagnostics (kida-templates 0.12, reference/api.md "Programmatic Diagnostics"): findings
as immutable facts from unsaved sources, directories and caught errors; verified safe edits."""

import asyncio
from pathlib import Path

import pytest

import kida
from kida import DictLoader, Environment, FileSystemBytecodeCache, TemplateError
from kida.diagnostics import (
    Diagnostic,
    DiagnosticConfidence,
    DiagnosticOptions,
    DiagnosticReport,
    DiagnosticSeverity,
    DiagnosticSnippet,
    RelatedLocation,
    SafeEdit,
    SourcePosition,
    SourceSpan,
    apply_safe_edits,
    diagnose_directory,
    diagnose_source,
    diagnostic_from_exception,
)
from kida.exceptions import DiagnosticFrame, DiagnosticLocation, TemplateDiagnostic
from kida.extensions import Extension, ExtensionDiagnosticContext


def test_the_module_stays_out_of_the_root_namespace() -> None:
    assert "diagnose_source" not in kida.__all__
    assert "Diagnostic" not in kida.__all__


def test_a_syntax_error_is_one_proven_finding_and_a_partial_report() -> None:
    report = diagnose_source("<p>\n{% if x %}\n", name="pages/account.html")
    assert isinstance(report, DiagnosticReport)
    assert report.partial
    (finding,) = report.diagnostics
    assert (finding.code, finding.category) == ("K-PAR-002", "parser")
    assert finding.severity is DiagnosticSeverity.ERROR
    assert finding.confidence is DiagnosticConfidence.PROVEN
    assert finding.span.path == "pages/account.html"
    assert finding.span.start == SourcePosition(2, 3)  # 1-based line, 0-based column
    assert finding.suggestion
    assert finding.documentation_url == "https://lbliii.github.io/kida/docs/errors/#k-par-002"
    assert finding.source_snippet is not None
    assert (2, "{% if x %}") in finding.source_snippet.lines


def test_compile_time_warnings_are_findings_and_nothing_is_cached(tmp_path: Path) -> None:
    cache = FileSystemBytecodeCache(tmp_path / "bytecode")
    env = Environment(loader=DictLoader({}), bytecode_cache=cache)
    source = "{{ x ?? [] | length }}\n{% let n = 1 %}{% if a %}{% set n = 2 %}{% end %}"
    report = diagnose_source(source, name="page.html", environment=env)
    assert not report.partial
    assert [(d.code, d.span.start.line if d.span.start else 0) for d in report.diagnostics] == [
        ("K-WARN-001", 1),
        ("K-WARN-002", 2),
    ]
    assert {d.severity for d in report.diagnostics} == {DiagnosticSeverity.WARNING}
    assert env.cache_info()["template"]["size"] == 0

    def cached_files() -> list[Path]:
        return [p for p in (tmp_path / "bytecode").rglob("*") if p.is_file()]

    assert cached_files() == []
    with pytest.warns(kida.KidaWarning):
        env.from_string(source, name="page.html")  # an ordinary compile does use the cache
    assert cached_files() != []


def test_call_validation_resolves_imports_through_the_environment() -> None:
    env = Environment(
        loader=DictLoader({"card.html": "{% def card(title: str) %}{{ title }}{% end %}"})
    )
    source = '{% from "card.html" import card %}\n{{ card(titl="x") }}{{ card(5) }}'
    assert diagnose_source(source, name="page.html", environment=env).diagnostics == ()
    report = diagnose_source(
        source,
        name="page.html",
        environment=env,
        options=DiagnosticOptions(validate_calls=True),
    )
    assert [d.code for d in report.diagnostics] == ["K-CMP-001", "K-CMP-001", "K-CMP-002"]
    assert all(d.span == SourceSpan("page.html", SourcePosition(2)) for d in report.diagnostics)


def test_strict_reports_each_bare_end_with_a_safe_edit_to_the_explicit_tag() -> None:
    source = (
        "{% if a %}\n  {% for x in xs %}{{ x }}{% end %}\n{%- end %}\n"
        "{% block b %}{% endblock %}{% match v %}{% case 1 %}one{% end %}"
        "{% trans %}Hi{% end %}"
    )
    assert diagnose_source(source, name="t.html").diagnostics == ()  # opt-in
    report = diagnose_source(source, name="t.html", options=DiagnosticOptions(strict=True))
    assert not report.partial
    found = [(d.code, d.span.start, d.message) for d in report.diagnostics]
    assert found == [
        ("K-PAR-007", SourcePosition(2, 29), "bare {% end %} closes {% for %}"),
        ("K-PAR-007", SourcePosition(3, 4), "bare {% end %} closes {% if %}"),
        ("K-PAR-007", SourcePosition(4, 58), "bare {% end %} closes {% match %}"),
        ("K-PAR-007", SourcePosition(4, 80), "bare {% end %} closes {% trans %}"),
    ]
    first = report.diagnostics[0]
    assert first.severity is DiagnosticSeverity.WARNING
    assert first.confidence is DiagnosticConfidence.PROVEN
    assert (first.category, first.kind) == ("parser", "strict-closing-tag")
    fixed = apply_safe_edits(source, report.diagnostics, path="t.html")
    assert fixed == (
        "{% if a %}\n  {% for x in xs %}{{ x }}{% endfor %}\n{%- endif %}\n"
        "{% block b %}{% endblock %}{% match v %}{% case 1 %}one{% endmatch %}"
        "{% trans %}Hi{% endtrans %}"
    )
    env = Environment()
    assert env.from_string(fixed).render(a=True, xs=[1, 2], v=1) == env.from_string(source).render(
        a=True, xs=[1, 2], v=1
    )
    again = diagnose_source(fixed, name="t.html", options=DiagnosticOptions(strict=True))
    assert again.diagnostics == ()


def test_typed_reports_the_declaration_findings() -> None:
    source = "{% template user: User, title: str %}\n{{ usr.name }}{{ title }}"
    assert diagnose_source(source).diagnostics == ()
    report = diagnose_source(source, name="p.html", options=DiagnosticOptions(typed=True))
    assert not report.partial
    found = [(d.code, d.kind, d.confidence, d.severity) for d in report.diagnostics]
    assert found == [
        ("K-TYP-002", "unused-declared", DiagnosticConfidence.PROVEN, DiagnosticSeverity.WARNING),
        (
            "K-TYP-003",
            "typo-suggestion",
            DiagnosticConfidence.CONSERVATIVE,
            DiagnosticSeverity.WARNING,
        ),
    ]
    typo = report.diagnostics[1]
    assert typo.span == SourceSpan("p.html", SourcePosition(2, 3))
    assert typo.category == "type"
    assert "user" in typo.message
    assert typo.source_snippet is not None
    assert (2, "{{ usr.name }}{{ title }}") in typo.source_snippet.lines


def test_a11y_reports_markup_findings_as_conservative() -> None:
    source = '<html>\n<img src="a.png">\n<h1>A</h1><h3>C</h3>'
    report = diagnose_source(source, name="p.html", options=DiagnosticOptions(a11y=True))
    found = [(d.code, d.kind, d.severity, d.span.start) for d in report.diagnostics]
    assert found == [
        ("K-A11Y-003", "html-lang", DiagnosticSeverity.WARNING, SourcePosition(1, 0)),
        ("K-A11Y-001", "img-alt", DiagnosticSeverity.ERROR, SourcePosition(2, 0)),
        ("K-A11Y-002", "heading-order", DiagnosticSeverity.WARNING, SourcePosition(3, 10)),
    ]
    assert {d.confidence for d in report.diagnostics} == {DiagnosticConfidence.CONSERVATIVE}
    assert {d.category for d in report.diagnostics} == {"accessibility"}


def test_lint_fragile_paths_reports_same_folder_references() -> None:
    source = '{% include "pages/card.html" %}{% include "./card.html" %}{% extends "base.html" %}'
    options = DiagnosticOptions(lint_fragile_paths=True)
    (finding,) = diagnose_source(source, name="pages/about.html", options=options).diagnostics
    assert finding.code == "K-PATH-001"
    assert finding.confidence is DiagnosticConfidence.CONSERVATIVE
    assert finding.severity is DiagnosticSeverity.WARNING
    assert finding.span.path == "pages/about.html"
    assert '"./card.html"' in (finding.suggestion or "")
    assert dict(finding.metadata) == {
        "statement": "include",
        "target": "pages/card.html",
        "replacement": "./card.html",
    }
    assert diagnose_source(source, name="about.html", options=options).diagnostics == ()


def test_the_analyses_read_the_source_even_when_templates_drop_their_tree() -> None:
    env = Environment(preserve_ast=False)
    options = DiagnosticOptions(a11y=True, typed=True)
    report = diagnose_source('<img src="a">', name="p.html", environment=env, options=options)
    assert [d.code for d in report.diagnostics] == ["K-A11Y-001"]


def test_diagnose_directory(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "bad.html").write_text("{% for x in y %}")
    (tmp_path / "good.html").write_text("{{ x ?? [] | length }}")
    (tmp_path / "part.html").write_text("{% def p(a) %}{% end %}")
    (tmp_path / "uses.html").write_text('{% from "part.html" import p %}{{ p(b=1) }}')
    report = diagnose_directory(tmp_path, options=DiagnosticOptions(validate_calls=True))
    assert report.partial  # bad.html stopped at its syntax error
    found = [(d.span.path, d.code) for d in report.diagnostics]
    assert found == [
        ("good.html", "K-WARN-001"),
        ("pages/bad.html", "K-PAR-002"),
        ("uses.html", "K-CMP-001"),
        ("uses.html", "K-CMP-001"),
    ]
    with pytest.raises(TypeError):
        diagnose_directory(3)  # type: ignore[arg-type]


def test_diagnostic_from_a_caught_render_error() -> None:
    env = Environment(
        loader=DictLoader({"page.html": '{% include "part.html" %}', "part.html": "\n{{ usre }}"})
    )
    with pytest.raises(TemplateError) as info:
        env.get_template("page.html").render(user=1)
    finding = diagnostic_from_exception(info.value)
    assert (finding.code, finding.kind) == ("K-RUN-001", "variable")
    assert finding.confidence is DiagnosticConfidence.RUNTIME_ONLY
    assert finding.span == SourceSpan("part.html", SourcePosition(2, 3))
    assert finding.related_locations == (
        RelatedLocation("reached through", SourceSpan("page.html", SourcePosition(1))),
    )
    assert "user" in (finding.suggestion or "")
    assert diagnostic_from_exception(info.value, path="other.html").span.path == "other.html"
    with pytest.raises(TypeError):
        diagnostic_from_exception(ValueError("an application's own failure"))


def _edit(path: str, line: int, start: int, end: int, text: str, snapshot: str) -> Diagnostic:
    span = SourceSpan(path, SourcePosition(line, start), SourcePosition(line, end))
    return Diagnostic(
        code="K-PAR-001",
        category="parser",
        severity=DiagnosticSeverity.WARNING,
        message="use the explicit closer",
        span=span,
        safe_edit=SafeEdit(span, text),
        source_snippet=DiagnosticSnippet(((line, snapshot),), line),
    )


def test_apply_safe_edits() -> None:
    source = "{% if a %}\r\nx{% end %}\n"
    first = _edit("t.html", 2, 1, 10, "{% endif %}", "x{% end %}")
    elsewhere = _edit("other.html", 1, 0, 1, "!", "{% if a %}")
    assert apply_safe_edits(source, [first, elsewhere], path="t.html") == (
        "{% if a %}\r\nx{% endif %}\n"
    )
    stale = _edit("t.html", 2, 1, 10, "{% endif %}", "y{% end %}")
    with pytest.raises(ValueError, match="stale"):
        apply_safe_edits(source, [stale], path="t.html")
    overlapping = _edit("t.html", 2, 0, 2, "z", "x{% end %}")
    with pytest.raises(ValueError, match="overlapping"):
        apply_safe_edits(source, [first, overlapping], path="t.html")
    assert apply_safe_edits(source, [], path="t.html") == source


@pytest.mark.parametrize(
    "build",
    [
        lambda: SourcePosition(0),
        lambda: SourcePosition(1, -1),
        lambda: SourceSpan(" "),
        lambda: SourceSpan("t", None, SourcePosition(1)),
        lambda: SourceSpan("t", SourcePosition(2), SourcePosition(1)),
        lambda: SourceSpan("t", SourcePosition(1, 5), SourcePosition(1, 2)),
        lambda: SafeEdit(SourceSpan("t", SourcePosition(1)), "x"),
        lambda: DiagnosticSnippet(((2, "b"), (1, "a")), 1),
        lambda: RelatedLocation("", SourceSpan()),
        lambda: Diagnostic("K-X-001", "x", DiagnosticSeverity.INFO, " "),
        lambda: Diagnostic(
            "K-X-001", "x", DiagnosticSeverity.INFO, "m", metadata=(("a", "1"), ("a", "2"))
        ),
    ],
)
def test_the_model_refuses_impossible_facts(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_records_are_frozen_and_exact_spans_are_known() -> None:
    span = SourceSpan("t.html", SourcePosition(1, 0), SourcePosition(1, 3))
    assert span.is_exact
    assert not SourceSpan("t.html", SourcePosition(1)).is_exact
    with pytest.raises(AttributeError):
        span.path = "x"  # type: ignore[misc]


# --- error.to_diagnostic() (0.10) and component_stack (reference/api.md) -------------------

COMPONENTS = {
    "components/card.html": "{% def card(t) %}\n<h3>{{ t.titel }}</h3>{% end %}",
    "page.html": '{% from "components/card.html" import card %}\n{% def dashboard() %}\n'
    "{{ card(item) }}{% end %}\n{{ dashboard() }}",
}


def _render_error(mode: str) -> TemplateError:
    template = Environment(loader=DictLoader(COMPONENTS)).get_template("page.html")
    renderers = {
        "render": template.render,
        "stream": lambda **ctx: "".join(template.render_stream(**ctx)),
        "async": lambda **ctx: asyncio.run(template.render_async(**ctx)),
    }
    with pytest.raises(TemplateError) as info:
        renderers[mode](item={"title": "<x>"})
    return info.value


@pytest.mark.parametrize("mode", ["render", "stream", "async"])
def test_component_stack_lists_the_def_calls(mode: str) -> None:
    error = _render_error(mode)
    assert error.component_stack == [
        ("page.html", 3, "dashboard"),
        ("components/card.html", 2, "card"),
    ]
    assert error.template_stack[-1] == ("components/card.html", 2)


def test_to_diagnostic_is_plain_data() -> None:
    diagnostic = _render_error("render").to_diagnostic()
    assert isinstance(diagnostic, TemplateDiagnostic)
    assert (diagnostic.code, diagnostic.title, diagnostic.kind) == (
        "K-RUN-001",
        "Undefined attribute",
        "attribute",
    )
    assert diagnostic.location == DiagnosticLocation("components/card.html", 2, 8)
    assert diagnostic.location.format() == "components/card.html:2:8"
    assert diagnostic.source_snippet is not None
    assert diagnostic.source_snippet.error_line == 2
    assert diagnostic.hints == ("did you mean 'title'?",)
    assert diagnostic.suggestion == "did you mean 'title'?"
    assert diagnostic.component_stack[1] == DiagnosticFrame("components/card.html", 2, "card")
    assert diagnostic.component_stack[1].format() == "components/card.html:2 -> card()"
    assert diagnostic.template_stack[0] == DiagnosticFrame("page.html", 4)
    assert diagnostic.metadata_dict() == {"kind": "attribute"}
    assert diagnostic.docs_url == "https://lbliii.github.io/kida/docs/errors/#k-run-001"


def test_to_diagnostic_renderings_escape_what_they_show() -> None:
    render = Environment().from_string("<b>\n<i>{{ 1 // x }}", name="<p>.html").render
    with pytest.raises(TemplateError) as info:
        render(x=0)
    diagnostic = info.value.to_diagnostic()
    fragment = diagnostic.format_html_fragment()
    assert fragment.startswith('<section class="kida-diagnostic"')
    assert "&lt;p&gt;.html:2" in fragment
    assert "&lt;i&gt;{{ 1 // x }}" in fragment  # the source line, escaped
    assert "<i>" not in fragment
    page = diagnostic.format_html_page(page_title="Oops <1>")
    assert page.startswith("<!doctype html>")
    assert "<title>Oops &lt;1&gt;</title>" in page
    markdown = diagnostic.format_markdown()
    assert markdown.startswith("### K-RUN-011: TemplateZeroDivisionError")
    assert "```text\n    1 | <b>\n>   2 | <i>{{ 1 // x }}" in markdown


# --- Extension.diagnose() hooks (extending/extensions.md, 0.12) -----------------------------


class DesignSystem(Extension):
    diagnostic_namespace = "DESIGN"

    def diagnose(self, context: ExtensionDiagnosticContext) -> tuple[Diagnostic, ...]:
        seen.append(context)
        if "legacy-button" not in context.source:
            return ()
        line = next(i for i, t in enumerate(context.source.split("\n"), 1) if "legacy" in t)
        return (
            Diagnostic(
                code="K-DESIGN-001",
                category="extension",
                severity=DiagnosticSeverity.WARNING,
                message="Use the button component instead of legacy-button.",
                span=SourceSpan(start=SourcePosition(line, 0)),
                suggestion="Replace the legacy markup with a component call.",
                confidence=DiagnosticConfidence.CONSERVATIVE,
            ),
        )


seen: list[ExtensionDiagnosticContext] = []


def test_an_extension_diagnoses_the_source_with_its_components() -> None:
    seen.clear()
    env = Environment(
        extensions=[DesignSystem],
        loader=DictLoader({"ui.html": "{% def button(label: str) %}{{ label }}{% end %}"}),
    )
    source = '{% from "ui.html" import button as b %}{% def card() %}{% end %}\n<legacy-button>'
    report = diagnose_source(source, name="page.html", environment=env)
    assert not report.partial
    (finding,) = report.diagnostics
    assert finding.code == "K-DESIGN-001"
    assert finding.span == SourceSpan("page.html", SourcePosition(2, 0))  # path filled in
    assert finding.source_snippet is not None
    assert (2, "<legacy-button>") in finding.source_snippet.lines
    context = seen[-1]
    assert (context.template_name, context.source) == ("page.html", source)
    assert set(context.components) == {"card", "b"}
    assert context.components["b"].params[0].annotation == "str"
    with pytest.raises(TypeError):
        context.components["x"] = context.components["b"]  # type: ignore[index]
    env.from_string(source).render()  # rendering never calls the hook
    assert len(seen) == 1


class Broken(Extension):
    diagnostic_namespace = "BROKEN"

    def diagnose(self, context: ExtensionDiagnosticContext) -> tuple[Diagnostic, ...]:
        raise RuntimeError("boom")


class Impostor(Extension):
    diagnostic_namespace = "IMP"

    def diagnose(self, context: ExtensionDiagnosticContext) -> tuple[Diagnostic, ...]:
        return (
            Diagnostic(
                "K-PAR-001",
                "extension",
                DiagnosticSeverity.ERROR,
                "not mine",
                confidence=DiagnosticConfidence.PROVEN,
            ),
        )


class Reserved(Extension):
    diagnostic_namespace = "PAR"


@pytest.mark.parametrize("extension", [Broken, Impostor, Reserved])
def test_a_failing_or_invalid_extension_makes_a_partial_report(extension: type) -> None:
    env = Environment(extensions=[extension, DesignSystem])
    report = diagnose_source("<legacy-button>", name="p.html", environment=env)
    assert report.partial
    codes = [d.code for d in report.diagnostics]
    assert sorted(codes) == ["K-DESIGN-001", "K-RUN-007"]  # the later extension still ran


def test_diagnose_directory_runs_the_requested_analyses(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_text('{% if x %}<img src="i">{% end %}')
    options = DiagnosticOptions(strict=True, a11y=True)
    report = diagnose_directory(tmp_path, options=options)
    assert not report.partial
    assert [(d.span.path, d.code) for d in report.diagnostics] == [
        ("pages/a.html", "K-A11Y-001"),
        ("pages/a.html", "K-PAR-007"),
    ]


def test_the_analyses_parse_with_the_environment_s_extensions_and_end_keywords() -> None:
    """The analyses' own parse is the environment's: an extension tag closed by its declared
    end keyword is not a syntax error there either."""
    from tests.kida.test_extension_protocol import FramedExtension

    env = Environment(extensions=[FramedExtension])
    source = "{% framed 'x' %}{% if a %}y{% end %}{% endframed %}"
    assert env.from_string(source).render(a=True) == "[x]y[/x]"
    report = diagnose_source(
        source, name="t.html", environment=env, options=DiagnosticOptions(strict=True)
    )
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("K-PAR-007", "bare {% end %} closes {% if %}")
    ]
