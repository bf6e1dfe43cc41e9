"""Errors raised by kida, each able to point at the template, line and column at fault.

The message a user sees is built only when the error is printed (``__str__``), so raising one on a
cold path stays cheap and the location can be filled in late, by the frame that knows it. Every
error carries an :class:`ErrorCode` (``error.code.value`` is the searchable ``"K-RUN-001"``).
"""

from dataclasses import dataclass
from enum import StrEnum

from kida.error_diagnostic import DiagnosticFrame, DiagnosticLocation, TemplateDiagnostic
from kida.source_snippet import build_source_snippet

#: Where the codes are documented, one anchor per code.
DOCS_URL = "https://lbliii.github.io/kida/docs/errors"

_CATEGORIES = {
    "LEX": "lexer",
    "PAR": "parser",
    "RUN": "runtime",
    "TPL": "template",
    "SEC": "security",
    "CMP": "component",
    "WARN": "warning",
    "PRI": "privacy",
    "CTX": "context",
    "ESC": "escape",
    "A11Y": "accessibility",
    "TYP": "type",
    "PATH": "path",
}


class ErrorCode(StrEnum):
    """Searchable codes of kida's errors and warnings: ``K-<category>-<number>``.

    A ``str`` enum, so a code compares equal to its text (``error.code == "K-SEC-001"``)."""

    # Lexer
    UNCLOSED_TAG = "K-LEX-001"
    UNCLOSED_COMMENT = "K-LEX-002"
    UNCLOSED_VARIABLE = "K-LEX-003"
    TOKEN_LIMIT = "K-LEX-004"
    # Parser
    UNEXPECTED_TOKEN = "K-PAR-001"
    UNCLOSED_BLOCK = "K-PAR-002"
    INVALID_EXPRESSION = "K-PAR-003"
    INVALID_FILTER = "K-PAR-004"
    INVALID_TEST = "K-PAR-005"
    INVALID_IDENTIFIER = "K-PAR-006"
    UNSUPPORTED_SYNTAX = "K-PAR-007"
    # Runtime
    UNDEFINED_VARIABLE = "K-RUN-001"
    FILTER_ERROR = "K-RUN-002"
    TEST_ERROR = "K-RUN-003"
    REQUIRED_VALUE = "K-RUN-004"
    NONE_COMPARISON = "K-RUN-005"
    INCLUDE_DEPTH = "K-RUN-006"
    RUNTIME_ERROR = "K-RUN-007"
    MACRO_NOT_FOUND = "K-RUN-008"
    KEY_ERROR = "K-RUN-009"
    ATTRIBUTE_ERROR = "K-RUN-010"
    ZERO_DIVISION = "K-RUN-011"
    TYPE_ERROR = "K-RUN-012"
    MACRO_ITERATION = "K-RUN-013"
    ENV_GARBAGE_COLLECTED = "K-RUN-014"
    NOT_COMPILED = "K-RUN-015"
    NO_LOADER = "K-RUN-016"
    NOT_IN_RENDER_CONTEXT = "K-RUN-017"
    # Template loading
    TEMPLATE_NOT_FOUND = "K-TPL-001"
    SYNTAX_ERROR = "K-TPL-002"
    CIRCULAR_IMPORT = "K-TPL-003"
    #: A ``{% def %}``/``{% region %}`` inside a conditional, loop or other scoped tag.
    DEFINITION_NOT_TOPLEVEL = "K-TPL-004"
    # Security (the sandbox)
    BLOCKED_ATTRIBUTE = "K-SEC-001"
    BLOCKED_TYPE = "K-SEC-002"
    RANGE_LIMIT = "K-SEC-003"
    BLOCKED_CALLABLE = "K-SEC-004"
    OUTPUT_LIMIT = "K-SEC-005"
    #: Ours: a template object from an environment with another sandbox policy.
    FOREIGN_TEMPLATE = "K-SEC-006"
    # Component calls (``validate_calls`` and ``BlockAnalyzer``)
    COMPONENT_CALL_SIGNATURE = "K-CMP-001"
    COMPONENT_TYPE_MISMATCH = "K-CMP-002"
    # Warnings
    FILTER_PRECEDENCE = "K-WARN-001"
    JINJA2_SET_SCOPING = "K-WARN-002"
    # Static-analysis findings (``kida.analysis``): the ``code`` of each finding record
    PRIVACY_SENSITIVE_CONTEXT = "K-PRI-001"
    PRIVACY_SECRET_LITERAL = "K-PRI-002"
    PRIVACY_SAFE_SENSITIVE_VALUE = "K-PRI-003"
    PRIVACY_BROAD_CONTEXT_OUTPUT = "K-PRI-004"
    PRIVACY_DYNAMIC_TEMPLATE_NAME = "K-PRI-005"
    CONTEXT_MISSING = "K-CTX-001"
    CONTEXT_UNUSED = "K-CTX-002"
    ESCAPE_ESCAPED_OUTPUT = "K-ESC-001"
    ESCAPE_TRUSTED_MARKUP = "K-ESC-002"
    ESCAPE_UNESCAPED_OUTPUT = "K-ESC-003"
    ESCAPE_TRUSTED_JSON = "K-ESC-004"
    ESCAPE_TRUSTED_XMLATTR = "K-ESC-005"
    A11Y_IMG_ALT = "K-A11Y-001"
    A11Y_HEADING_ORDER = "K-A11Y-002"
    A11Y_HTML_LANG = "K-A11Y-003"
    A11Y_INPUT_LABEL = "K-A11Y-004"
    TYPE_UNDECLARED_VARIABLE = "K-TYP-001"
    TYPE_UNUSED_DECLARATION = "K-TYP-002"
    TYPE_TYPO_SUGGESTION = "K-TYP-003"
    FRAGILE_TEMPLATE_PATH = "K-PATH-001"

    @property
    def docs_url(self) -> str:
        """The documentation of this code."""
        return f"{DOCS_URL}/#{self.value.lower()}"

    @property
    def category(self) -> str:
        """``lexer``, ``parser``, ``runtime``, ``template``, ``security``, ``component``,
        ``warning``, or for analysis findings ``privacy``, ``context``, ``escape``,
        ``accessibility``, ``type``, ``path``."""
        return _CATEGORIES.get(self.value.split("-")[1], "unknown")


#: One frame of a template stack: template name (None for ``from_string``) and 1-based line.
StackFrame = tuple[str | None, int]
#: One frame of a component stack: template, line in the def's body, def name.
ComponentFrame = tuple[str | None, int, str]


class TemplateError(Exception):
    """Base of every kida error.

    ``name``, ``lineno`` (1-based), ``col`` (1-based) and ``source`` locate the fault; ``hint``
    says what to do about it; ``code`` classifies it; ``template_stack`` lists, outermost
    first, the (template, line) frames that led to it through include, import, extends and
    def calls (filled in as the error leaves the render).
    """

    code: ErrorCode = ErrorCode.RUNTIME_ERROR
    template_stack: list[StackFrame] = []  # replaced per error, never mutated
    #: The ``{% def %}`` calls the error passed through, outermost first.
    component_stack: list[ComponentFrame] = []

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
        source: str | None = None,
        hint: str | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.lineno = lineno
        self.col = col
        self.source = source
        self.hint = hint
        if code is not None:
            self.code = code

    @property
    def template_name(self) -> str | None:
        """kida's name for :attr:`name`: the template at fault."""
        return self.name

    def locate(
        self,
        *,
        name: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
        source: str | None = None,
    ) -> "TemplateError":
        """Fill in whatever part of the location is still unknown; returns ``self``."""
        if self.name is None:
            self.name = name
        if self.lineno is None:
            self.lineno = lineno
        if self.col is None:
            self.col = col
        if self.source is None:
            self.source = source
        return self

    def excerpt(self) -> str:
        """The faulty source line with a caret under the column, or "" when unknown."""
        if self.source is None or self.lineno is None:
            return ""
        lines = self.source.splitlines()
        if not 0 < self.lineno <= len(lines):
            return ""
        gutter = f"{self.lineno:>4} | "
        text = f"{gutter}{lines[self.lineno - 1]}"
        if self.col is not None:
            text += "\n" + " " * (len(gutter) - 2) + "| " + " " * (self.col - 1) + "^"
        return text

    def _where(self, separator: tuple[str, str]) -> str:
        where = self.name or "<string>"
        if self.lineno is not None:
            where += f"{separator[0]}{self.lineno}"
            if self.col is not None:
                where += f"{separator[1]}{self.col}"
        return where

    def stack_text(self) -> str:
        """The template stack as ``outer.html:3 → inner.html:1`` ("" with one frame or none)."""
        if len(self.template_stack) < 2:
            return ""
        return " → ".join(f"{name or '<string>'}:{line}" for name, line in self.template_stack)

    def __str__(self) -> str:
        parts = [f"{self.message}\n  in {self._where((', line ', ', column '))}"]
        excerpt = self.excerpt()
        if excerpt:
            parts.append(excerpt)
        stack = self.stack_text()
        if stack:
            parts.append(f"  template stack: {stack}")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)

    def format_compact(self) -> str:
        """A short diagnostic for terminals and logs: code, message, location, source line,
        template stack, hint and the code's documentation link, without a traceback."""
        parts = [f"{self.code.value}: {self.message}", f"  --> {self._where((':', ':'))}"]
        excerpt = self.excerpt()
        if excerpt:
            parts.append(excerpt)
        stack = self.stack_text()
        if stack:
            parts.append(f"  Template stack: {stack}")
        if self.hint:
            parts.append(f"  Hint: {self.hint}")
        parts.append(f"  Docs: {self.code.docs_url}")
        return "\n".join(parts)

    def to_diagnostic(self) -> TemplateDiagnostic:
        """This error as plain data for a framework's debug view (and its escaped HTML or
        Markdown renderings), so nothing has to parse the printed message."""
        template = self.name or "<string>"
        column = self.col - 1 if self.col else None
        snippet = None
        if self.source is not None and self.lineno is not None:
            snippet = build_source_snippet(self.source, self.lineno, column=column)
        kind = getattr(self, "kind", None) or self.code.category
        title = f"Undefined {kind}" if isinstance(self, UndefinedError) else type(self).__name__
        metadata = (("kind", kind),) if isinstance(self, UndefinedError) else ()
        return TemplateDiagnostic(
            code=self.code.value,
            title=title,
            message=self.message,
            kind=kind,
            location=DiagnosticLocation(template, self.lineno, column),
            source_snippet=snippet,
            hints=(self.hint,) if self.hint else (),
            docs_url=self.code.docs_url,
            suggestion=self.hint if self.hint and self.hint.startswith("did you mean") else None,
            template_stack=tuple(
                DiagnosticFrame(name or "<string>", line) for name, line in self.template_stack
            ),
            component_stack=tuple(
                DiagnosticFrame(name or "<string>", line, component)
                for name, line, component in self.component_stack
            ),
            metadata=metadata,
        )


class TemplateSyntaxError(TemplateError):
    """The template source is not valid kida."""

    code = ErrorCode.SYNTAX_ERROR


class TemplateRuntimeError(TemplateError):
    """Rendering failed: a bad operation, a wrong renderer for the template, a failed source."""


class RenderLimitError(TemplateRuntimeError):
    """A limit that ends the render: includes nested past ``max_include_depth``, an extends
    chain past ``max_extends_depth``. ``{% try %}`` does not catch it (nor ``RecursionError``
    and ``MemoryError``): a fallback at each level of a runaway recursion would make the
    render grow exponentially instead of stopping."""

    code = ErrorCode.INCLUDE_DEPTH


class RequiredValueError(TemplateRuntimeError):
    """``| require`` met a missing or None value."""

    code = ErrorCode.REQUIRED_VALUE


class NoneComparisonError(TemplateRuntimeError):
    """``sort`` under ``Environment(strict_none=True)`` met a None (or missing) sort key."""

    code = ErrorCode.NONE_COMPARISON


class RenderContextError(TemplateRuntimeError, RuntimeError):
    """``get_render_context_required()`` called outside a render (still caught by ``except
    RuntimeError``, what kida-templates raises there)."""

    code = ErrorCode.NOT_IN_RENDER_CONTEXT


class UndefinedError(TemplateRuntimeError):
    """A name or attribute the template reads does not exist."""

    code = ErrorCode.UNDEFINED_VARIABLE
    #: What was missing: ``"variable"`` (a name), ``"attribute"`` (``x.name``) or ``"key"``
    #: (``x["name"]``).
    kind: str = "variable"


class TemplateNotFoundError(TemplateError, LookupError):
    """No loader could find the template."""

    code = ErrorCode.TEMPLATE_NOT_FOUND


class TemplateKeyError(TemplateRuntimeError, KeyError):
    """A ``KeyError`` raised while rendering, with the template position, code and hint (still
    caught by ``except KeyError``); the original is its ``__cause__``."""

    code = ErrorCode.KEY_ERROR


class TemplateAttributeError(TemplateRuntimeError, AttributeError):
    """An ``AttributeError`` raised while rendering (still caught by ``except AttributeError``)."""

    code = ErrorCode.ATTRIBUTE_ERROR


class TemplateZeroDivisionError(TemplateRuntimeError, ZeroDivisionError):
    """A ``ZeroDivisionError`` raised while rendering (still caught as one)."""

    code = ErrorCode.ZERO_DIVISION


class TemplateTypeError(TemplateRuntimeError, TypeError):
    """A ``TypeError`` raised while rendering (still caught by ``except TypeError``)."""

    code = ErrorCode.TYPE_ERROR


@dataclass(frozen=True, slots=True)
class TemplateWarning:
    """A compile-time warning as kept on ``Template.warnings`` (it is also issued through
    :mod:`warnings` as a :class:`KidaWarning` subclass)."""

    code: ErrorCode
    message: str
    template_name: str | None = None
    lineno: int | None = None
    suggestion: str | None = None

    def format_message(self) -> str:
        """``[K-…] message (template:line)`` and the hint on a second line, for logs."""
        where = f"{self.template_name or ''}{f':{self.lineno}' if self.lineno else ''}"
        text = f"[{self.code.value}] {self.message}" + (f" ({where})" if where else "")
        return text + (f"\n  Hint: {self.suggestion}" if self.suggestion else "")


class KidaWarning(UserWarning):
    """Base of kida's warnings (``warnings.filterwarnings("ignore", category=KidaWarning)``)."""


class PrecedenceWarning(KidaWarning):
    """An operator binds differently than the layout suggests (``x ?? [] | length``)."""


class CoercionWarning(KidaWarning):
    """A filter silently coerced a value it could not convert (``"abc" | float`` is ``0.0``)."""


class ComponentWarning(KidaWarning):
    """A call of a ``{% def %}`` that does not fit its signature (``validate_calls``)."""


class MigrationWarning(KidaWarning):
    """A construct that means something else in Jinja2: kida's meaning applies, check it is the
    one intended (``Environment(jinja2_compat_warnings=False)`` silences it)."""


class SecurityError(TemplateError):
    """A sandboxed template tried something its :class:`~kida.sandbox.SandboxPolicy` forbids.

    ``code`` says what: ``K-SEC-001`` a blocked attribute, ``K-SEC-002`` a blocked type,
    ``K-SEC-003`` a range or repetition over ``max_range``, ``K-SEC-004`` a blocked call,
    ``K-SEC-005`` output over ``max_output_size``, ``K-SEC-006`` a template object of an
    environment with another policy.
    """

    def __init__(self, message: str, *, code: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, code=ErrorCode(code))

    def __str__(self) -> str:
        return f"{self.code}: {super().__str__()}"
