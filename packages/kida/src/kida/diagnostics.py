"""Findings about templates as immutable facts, for editors, framework adapters and codemods
(kida-templates 0.12's public ``kida.diagnostics``; not re-exported from :mod:`kida`).

A :class:`Diagnostic` says what, where and how sure, never what to do about it: ordering and
de-duplication are done here, exit codes and output formats are the caller's. Lines are
1-based, columns 0-based, range ends exclusive.

Example::

    >>> from kida.diagnostics import diagnose_source
    >>> report = diagnose_source("{% if x %}", name="page.html")
    >>> [(d.code, d.span.start.line) for d in report.diagnostics], report.partial
    ([('K-PAR-002', 1)], True)

What a report covers: syntax and compile errors of the source, compile-time warnings
(K-WARN-001, K-WARN-002), the findings of the environment's extensions that declare a
``diagnostic_namespace`` and, with :class:`DiagnosticOptions`:

- ``validate_calls``: component calls (K-CMP-001/002, imports resolved through the environment's
  loader);
- ``strict``: each bare ``{% end %}`` (K-PAR-007, a warning with a safe edit to the explicit
  ``{% endif %}``…);
- ``typed``: :func:`~kida.analysis.type_checker.check_types` (K-TYP-*);
- ``lint_fragile_paths``: :func:`~kida.analysis.fragile_paths.check_fragile_paths`
  (K-PATH-001);
- ``a11y``: :func:`~kida.analysis.a11y.check_a11y` (K-A11Y-*).

Heuristic findings (accessibility, fragile paths, a typo suggestion) are ``conservative``,
the others ``proven``.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, final

from kida.analysis.a11y import A11yIssue, check_a11y
from kida.analysis.fragile_paths import FragilePathIssue, check_fragile_paths
from kida.analysis.type_checker import TypeIssue, check_types
from kida.compiler import call_validation
from kida.environment import Environment, FileSystemLoader
from kida.exceptions import ErrorCode, TemplateError, TemplateSyntaxError, TemplateWarning
from kida.extensions import ExtensionDiagnosticContext
from kida.lexer import Token
from kida.runtime.composition import resolve_name_in
from kida.template import Template


class DiagnosticSeverity(StrEnum):
    """How bad the producer judges a finding."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class DiagnosticConfidence(StrEnum):
    """How sure kida is of a finding: proven, a conservative heuristic, only knowable while
    rendering, or unknown."""

    PROVEN = "proven"
    CONSERVATIVE = "conservative"
    RUNTIME_ONLY = "runtime-only"
    UNKNOWN = "unknown"


def _not_blank(value: str, what: str) -> None:
    if not value.strip():
        raise ValueError(f"{what} must not be empty")


@final
@dataclass(frozen=True, slots=True)
class SourcePosition:
    """A place in a template: 1-based ``line``, optional 0-based ``column``."""

    line: int
    column: int | None = None

    def __post_init__(self) -> None:
        if self.line < 1:
            raise ValueError("line must be 1-based")
        if self.column is not None and self.column < 0:
            raise ValueError("column must be 0-based")


@final
@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A template (``path``) and, when known, a half-open range in it."""

    path: str | None = None
    start: SourcePosition | None = None
    end: SourcePosition | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            _not_blank(self.path, "path")
        if self.end is None:
            return
        if self.start is None:
            raise ValueError("an end position needs a start position")
        start, end = self.start, self.end
        same_line_backwards = (
            end.line == start.line
            and start.column is not None
            and end.column is not None
            and end.column < start.column
        )
        if end.line < start.line or same_line_backwards:
            raise ValueError("the end position comes before the start position")

    @property
    def is_exact(self) -> bool:
        """Whether the span pins a range exactly enough to edit it: path, both ends, both
        columns."""
        return (
            self.path is not None
            and self.start is not None
            and self.end is not None
            and self.start.column is not None
            and self.end.column is not None
        )


@final
@dataclass(frozen=True, slots=True)
class RelatedLocation:
    """Another place that explains a finding (``label`` says how: "included from", ...)."""

    label: str
    span: SourceSpan

    def __post_init__(self) -> None:
        _not_blank(self.label, "related location label")


@final
@dataclass(frozen=True, slots=True)
class SafeEdit:
    """Replace exactly ``span`` with ``replacement``: only offered when that is certainly right."""

    span: SourceSpan
    replacement: str
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.span.is_exact:
            raise ValueError("a safe edit needs a path and a range with both columns")
        if self.description is not None:
            _not_blank(self.description, "safe edit description")


@final
@dataclass(frozen=True, slots=True)
class DiagnosticSnippet:
    """The source lines around a finding, as ``(line, text)`` in increasing line order."""

    lines: tuple[tuple[int, str], ...]
    error_line: int
    column: int | None = None

    def __post_init__(self) -> None:
        if self.error_line < 1:
            raise ValueError("error_line must be 1-based")
        if self.column is not None and self.column < 0:
            raise ValueError("column must be 0-based")
        numbers = [line for line, _text in self.lines]
        if any(n < 1 for n in numbers) or numbers != sorted(set(numbers)):
            raise ValueError("snippet lines must be positive and increasing")


@final
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a stable ``code`` (``"K-PAR-001"``), where, how bad, how sure."""

    code: str
    category: str
    severity: DiagnosticSeverity
    message: str
    span: SourceSpan = field(default_factory=SourceSpan)
    title: str | None = None
    kind: str | None = None
    suggestion: str | None = None
    safe_edit: SafeEdit | None = None
    related_locations: tuple[RelatedLocation, ...] = ()
    confidence: DiagnosticConfidence = DiagnosticConfidence.UNKNOWN
    notes: tuple[str, ...] = ()
    documentation_url: str | None = None
    source_snippet: DiagnosticSnippet | None = None
    metadata: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for value, what in (
            (self.code, "code"),
            (self.category, "category"),
            (self.message, "message"),
            *((note, "note") for note in self.notes),
        ):
            _not_blank(value, f"diagnostic {what}")
        for optional, what in (
            (self.title, "title"),
            (self.kind, "kind"),
            (self.suggestion, "suggestion"),
            (self.documentation_url, "documentation URL"),
        ):
            if optional is not None:
                _not_blank(optional, f"diagnostic {what}")
        keys = [key for key, _value in self.metadata]
        for key in keys:
            _not_blank(key, "diagnostic metadata key")
        if len(keys) != len(set(keys)):
            raise ValueError("diagnostic metadata keys must be unique")


class DiagnosticConverter[SourceT](Protocol):
    """Turns one producer's record into a :class:`Diagnostic`."""

    def __call__(self, source: SourceT, /) -> Diagnostic: ...


@final
@dataclass(frozen=True, slots=True)
class DiagnosticOptions:
    """The opt-in checks of a diagnosis (the module docstring says what each adds)."""

    strict: bool = False
    validate_calls: bool = False
    a11y: bool = False
    typed: bool = False
    lint_fragile_paths: bool = False


@final
@dataclass(frozen=True, slots=True)
class DiagnosticReport:
    """The findings, ordered and without duplicates; ``partial`` when some requested analysis
    could not run (a syntax error stops the later ones)."""

    diagnostics: tuple[Diagnostic, ...]
    partial: bool = False


_DEFAULT = DiagnosticOptions()


def diagnose_source(
    source: str,
    *,
    name: str = "<string>",
    environment: Environment | None = None,
    options: DiagnosticOptions = _DEFAULT,
) -> DiagnosticReport:
    """Diagnose an unsaved buffer: ``environment`` (else a default one) gives delimiters,
    extensions, autoescape and the loader that resolves ``{% from %}`` imports; the buffer
    itself enters neither its template cache nor its bytecode cache."""
    if not isinstance(source, str):
        raise TypeError("source must be a string")
    _not_blank(name, "template name")
    if environment is not None and not isinstance(environment, Environment):
        raise TypeError("environment must be a kida.Environment")
    env = environment or Environment()
    found: list[Diagnostic] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reported as findings instead
        try:
            template = env.compile_template(source, name, None, None, cache=False)
        except TemplateError as error:
            found.append(diagnostic_from_exception(error, path=name))
            return _report(found, partial=True)
        compiled = list(template.warnings)
        if options.validate_calls and not env.validate_calls:
            compiled += call_validation.check(
                template.tree, name, lambda other: env._defs_of(name, other)
            )
    found.extend(_from_warning(warning, name, source) for warning in compiled)
    found.extend(_analysis_findings(env, source, name, options))
    hooked, failed = _extension_findings(env, template, name, source)
    return _report(found + hooked, partial=failed)


def diagnose_directory(
    root: str | PathLike[str], *, options: DiagnosticOptions = _DEFAULT
) -> DiagnosticReport:
    """Diagnose every template under ``root`` (names relative to it, imports resolved in it);
    a file that cannot be read as UTF-8 makes the report partial."""
    if not isinstance(root, str | PathLike):
        raise TypeError("root must be a string or a path")
    loader = FileSystemLoader(Path(root))
    env = Environment(loader=loader)
    found: list[Diagnostic] = []
    partial = False
    for name in sorted(loader.list_templates()):
        try:
            source = (Path(root) / name).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            partial = True
            continue
        report = diagnose_source(source, name=name, environment=env, options=options)
        found.extend(report.diagnostics)
        partial = partial or report.partial
    return _report(found, partial=partial)


def diagnostic_from_exception(error: Exception, *, path: str | None = None) -> Diagnostic:
    """The finding of a caught kida error (``path`` overrides the template it names); any
    other exception is a ``TypeError``: an application's failure is not a template finding."""
    if not isinstance(error, TemplateError):
        raise TypeError(f"not a kida error: {type(error).__name__}")
    code: ErrorCode = error.code
    where = path or error.name
    start = None
    if error.lineno is not None and error.lineno >= 1:
        column = error.col - 1 if error.col else None
        start = SourcePosition(error.lineno, column)
    related = tuple(
        RelatedLocation("reached through", SourceSpan(frame_name, SourcePosition(line)))
        for frame_name, line in error.template_stack[:-1]
        if frame_name and line >= 1
    )
    return Diagnostic(
        code=code.value,
        category=code.category,
        severity=DiagnosticSeverity.ERROR,
        message=error.message or type(error).__name__,
        span=SourceSpan(where, start),
        title=type(error).__name__,
        kind=getattr(error, "kind", None),
        suggestion=error.hint or None,
        related_locations=related,
        confidence=(
            DiagnosticConfidence.PROVEN
            if isinstance(error, TemplateSyntaxError)
            else DiagnosticConfidence.RUNTIME_ONLY
        ),
        documentation_url=code.docs_url,
        source_snippet=_snippet(error.source, error.lineno, start.column if start else None),
    )


def apply_safe_edits(source: str, diagnostics: Iterable[Diagnostic], *, path: str) -> str:
    """``source`` with the safe edits of ``diagnostics`` that target ``path`` applied.

    Each edit is checked against its finding's snippet first: if a line it touches changed
    since the diagnosis, or its snippet does not cover those lines, or two edits overlap,
    ``ValueError`` is raised and nothing is applied."""
    if not isinstance(source, str) or not isinstance(path, str):
        raise TypeError("source and path must be strings")
    _not_blank(path, "template path")
    lines = source.split("\n")
    plain = [line.removesuffix("\r") for line in lines]
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: SourcePosition) -> int:
        if position.line > len(plain) or (position.column or 0) > len(plain[position.line - 1]):
            raise ValueError(f"stale safe edit for {path}:{position.line}: no such position")
        return starts[position.line - 1] + (position.column or 0)

    edits: list[tuple[int, int, str]] = []
    for diagnostic in diagnostics:
        if not isinstance(diagnostic, Diagnostic):
            raise TypeError("diagnostics must be Diagnostic records")
        edit = diagnostic.safe_edit
        if edit is None or edit.span.path != path:
            continue
        first, last = edit.span.start, edit.span.end
        assert first is not None  # an exact span: SafeEdit checks it
        assert last is not None
        snapshot = dict(diagnostic.source_snippet.lines) if diagnostic.source_snippet else {}
        for number in range(first.line, last.line + 1):
            if number not in snapshot:
                raise ValueError(f"safe edit for {path}:{number} has no snapshot of that line")
            if number > len(plain) or plain[number - 1] != snapshot[number]:
                raise ValueError(f"stale safe edit for {path}:{number}: the line changed")
        edits.append((offset(first), offset(last), edit.replacement))
    edits.sort()
    for (start, end, _), (next_start, _, _) in itertools.pairwise(edits):
        if next_start < end or next_start == start:
            raise ValueError(f"overlapping safe edits for {path}")
    for start, end, replacement in reversed(edits):
        source = source[:start] + replacement + source[end:]
    return source


#: Code namespaces of kida's own findings, which extensions may not take.
_KIDA_NAMESPACES = frozenset(
    {"LEX", "PAR", "RUN", "TPL", "SEC", "CMP", "WARN", "PRI", "CTX", "ESC", "A11Y", "TYP"}
    | {"PATH", "MOD"}
)
_NAMESPACE = re.compile(r"[A-Z][A-Z0-9]{1,11}")


def _extension_findings(
    env: Environment, template: Template, name: str, source: str
) -> tuple[list[Diagnostic], bool]:
    """The findings of the environment's extensions that declare a ``diagnostic_namespace``,
    checked; a hook that fails or returns an invalid finding is itself reported (K-RUN-007)
    and makes the report partial, without stopping the others."""
    hooks = [ext for ext in env.extensions if ext.diagnostic_namespace is not None]
    if not hooks:
        return [], False
    components = dict(template.def_metadata())
    for imported, names in call_validation.literal_imports(template.tree):
        try:
            available = env.get_template(resolve_name_in(env.template_aliases, name, imported))
        except TemplateError:
            continue
        metadata = available.def_metadata()
        components.update({local: metadata[d] for d, local in names if d in metadata})
    context = ExtensionDiagnosticContext(name, source, template.tree, MappingProxyType(components))
    found: list[Diagnostic] = []
    failed = False
    taken: set[str] = set()
    for extension in hooks:
        namespace = extension.diagnostic_namespace
        try:
            if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
                raise ValueError(f"invalid diagnostic namespace {namespace!r}")
            if namespace in _KIDA_NAMESPACES or namespace in taken:
                raise ValueError(f"diagnostic namespace {namespace!r} is already taken")
            taken.add(namespace)
            found.extend(
                _checked(finding, namespace, name, source)
                for finding in extension.diagnose(context)
            )
        except Exception as error:  # the extension's failure is a finding, not a crash
            failed = True
            found.append(
                Diagnostic(
                    code=ErrorCode.RUNTIME_ERROR.value,
                    category=ErrorCode.RUNTIME_ERROR.category,
                    severity=DiagnosticSeverity.ERROR,
                    message=f"diagnostic extension {type(extension).__name__} failed: {error}",
                    span=SourceSpan(name),
                    confidence=DiagnosticConfidence.PROVEN,
                    documentation_url=ErrorCode.RUNTIME_ERROR.docs_url,
                )
            )
    return found, failed


def _checked(finding: object, namespace: str, path: str, source: str) -> Diagnostic:
    """An extension's finding, owned by it and located in this template, with the path and
    snippet filled in; ``ValueError`` when it is not."""
    if not isinstance(finding, Diagnostic):
        raise ValueError(f"{type(finding).__name__} is not a Diagnostic")
    if not re.fullmatch(rf"K-{namespace}-\d{{3}}", finding.code):
        raise ValueError(f"code {finding.code!r} is not K-{namespace}-NNN")
    if finding.category != "extension" or finding.confidence is DiagnosticConfidence.UNKNOWN:
        raise ValueError(f"{finding.code}: category 'extension' and a confidence are required")
    span = finding.span
    if span.path not in (None, path):
        raise ValueError(f"{finding.code}: located in {span.path!r}, not in {path!r}")
    lines = source.split("\n")
    for position in (span.start, span.end):
        if position is not None and position.line > len(lines):
            raise ValueError(f"{finding.code}: line {position.line} is not in {path!r}")
    snippet = finding.source_snippet
    if snippet is None and span.start is not None:
        snippet = _snippet(source, span.start.line, span.start.column)
    checked = replace(finding, span=replace(span, path=path), source_snippet=snippet)
    if checked.safe_edit is not None:
        if checked.safe_edit.span.path != path:
            raise ValueError(f"{finding.code}: its safe edit targets another template")
        apply_safe_edits(source, [checked], path=path)  # raises if the snapshot is stale
    return checked


def _analysis_findings(
    env: Environment, source: str, name: str, options: DiagnosticOptions
) -> list[Diagnostic]:
    """The findings of the opt-in static analyses, on a fresh parse of ``source`` (the
    compiled template may have dropped its tree, and only the parser sees bare ends)."""
    if not (options.strict or options.typed or options.lint_fragile_paths or options.a11y):
        return []
    parser = env._parser_for(source, name)
    tree = parser.parse()
    found: list[Diagnostic] = []
    if options.strict:
        found.extend(_from_bare_end(token, tag, name, source) for token, tag in parser.bare_ends)
    if options.typed:
        found.extend(_from_type_issue(issue, name, source) for issue in check_types(tree))
    if options.lint_fragile_paths:
        found.extend(
            _from_fragile_path(issue, name, source) for issue in check_fragile_paths(tree, name)
        )
    if options.a11y:
        found.extend(_from_a11y_issue(issue, name, source) for issue in check_a11y(tree))
    return found


def _from_bare_end(token: Token, tag: str, path: str, source: str) -> Diagnostic:
    """K-PAR-007: a bare ``{% end %}``; the safe edit spells out what it closes."""
    code = ErrorCode.UNSUPPORTED_SYNTAX
    start = SourcePosition(token.lineno, token.col - 1)
    explicit = f"end{tag}"
    return Diagnostic(
        code=code.value,
        category=code.category,
        severity=DiagnosticSeverity.WARNING,
        message=f"bare {{% end %}} closes {{% {tag} %}}",
        span=SourceSpan(path, start),
        title="Bare closing tag",
        kind="strict-closing-tag",
        suggestion=f"write {{% {explicit} %}} so the closed tag is visible",
        safe_edit=SafeEdit(
            SourceSpan(path, start, SourcePosition(start.line, token.col - 1 + len("end"))),
            explicit,
            f"spell out {{% {explicit} %}}",
        ),
        confidence=DiagnosticConfidence.PROVEN,
        documentation_url=code.docs_url,
        source_snippet=_snippet(source, start.line, start.column),
    )


def _analysis_finding(
    issue: TypeIssue | A11yIssue | FragilePathIssue,
    path: str,
    source: str,
    message: str,
    title: str,
    kind: str,
    confidence: DiagnosticConfidence,
    suggestion: str | None = None,
    metadata: tuple[tuple[str, str], ...] = (),
) -> Diagnostic:
    """A finding of an analysis record: its line, 0-based column, code and severity."""
    code = ErrorCode(issue.code)
    start = SourcePosition(issue.lineno, issue.col_offset)
    return Diagnostic(
        code=code.value,
        category=code.category,
        severity=DiagnosticSeverity(issue.severity),
        message=message,
        span=SourceSpan(path, start),
        title=title,
        kind=kind,
        suggestion=suggestion,
        confidence=confidence,
        documentation_url=code.docs_url,
        source_snippet=_snippet(source, start.line, start.column),
        metadata=metadata,
    )


def _from_type_issue(issue: TypeIssue, path: str, source: str) -> Diagnostic:
    return _analysis_finding(
        issue,
        path,
        source,
        message=issue.message,
        title="Template declaration type finding",
        kind=issue.rule,
        confidence=(
            DiagnosticConfidence.CONSERVATIVE
            if issue.rule == "typo-suggestion"
            else DiagnosticConfidence.PROVEN
        ),
    )


def _from_a11y_issue(issue: A11yIssue, path: str, source: str) -> Diagnostic:
    return _analysis_finding(
        issue,
        path,
        source,
        message=issue.message,
        title="Accessibility finding",
        kind=issue.rule,
        confidence=DiagnosticConfidence.CONSERVATIVE,
    )


def _from_fragile_path(issue: FragilePathIssue, path: str, source: str) -> Diagnostic:
    return _analysis_finding(
        issue,
        path,
        source,
        message=f'{{% {issue.statement} "{issue.target}" %}} names a template in its own folder',
        title="Fragile template path",
        kind="fragile-template-path",
        suggestion=f'write "{issue.suggestion}" so the folder can move without edits',
        confidence=DiagnosticConfidence.CONSERVATIVE,
        metadata=(
            ("statement", issue.statement),
            ("target", issue.target),
            ("replacement", issue.suggestion),
        ),
    )


def _from_warning(warning: TemplateWarning, path: str, source: str) -> Diagnostic:
    start = SourcePosition(warning.lineno) if warning.lineno else None
    return Diagnostic(
        code=warning.code.value,
        category=warning.code.category,
        severity=DiagnosticSeverity.WARNING,
        message=warning.message,
        span=SourceSpan(path, start),
        suggestion=warning.suggestion or None,
        confidence=(
            DiagnosticConfidence.CONSERVATIVE
            if warning.code is ErrorCode.JINJA2_SET_SCOPING
            else DiagnosticConfidence.PROVEN
        ),
        documentation_url=warning.code.docs_url,
        source_snippet=_snippet(source, warning.lineno, None),
    )


def _snippet(source: str | None, line: int | None, column: int | None) -> DiagnosticSnippet | None:
    """Up to two lines either side of ``line``."""
    if source is None or line is None:
        return None
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        return None
    first, last = max(1, line - 2), min(len(lines), line + 2)
    around = tuple((n, lines[n - 1].removesuffix("\r")) for n in range(first, last + 1))
    return DiagnosticSnippet(around, line, column)


def _sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    start = diagnostic.span.start
    return (
        diagnostic.span.path or "",
        start.line if start else 0,
        start.column or 0 if start else 0,
        diagnostic.code,
        diagnostic.message,
    )


def _report(found: list[Diagnostic], *, partial: bool) -> DiagnosticReport:
    return DiagnosticReport(tuple(sorted(set(found), key=_sort_key)), partial)


__all__ = [
    "Diagnostic",
    "DiagnosticConfidence",
    "DiagnosticConverter",
    "DiagnosticOptions",
    "DiagnosticReport",
    "DiagnosticSeverity",
    "DiagnosticSnippet",
    "RelatedLocation",
    "SafeEdit",
    "SourcePosition",
    "SourceSpan",
    "apply_safe_edits",
    "diagnose_directory",
    "diagnose_source",
    "diagnostic_from_exception",
]
