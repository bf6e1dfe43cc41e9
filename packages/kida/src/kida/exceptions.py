"""Errors raised by kida, each able to point at the template, line and column at fault.

The message a user sees is built only when the error is printed (``__str__``), so raising one on a
cold path stays cheap and the location can be filled in late, by the frame that knows it.
"""


class TemplateError(Exception):
    """Base of every kida error.

    ``name``, ``lineno`` (1-based), ``col`` (1-based) and ``source`` locate the fault; ``hint``
    says what to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
        source: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.lineno = lineno
        self.col = col
        self.source = source
        self.hint = hint

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

    def __str__(self) -> str:
        where = self.name or "<string>"
        if self.lineno is not None:
            where += f", line {self.lineno}"
            if self.col is not None:
                where += f", column {self.col}"
        parts = [f"{self.message}\n  in {where}"]
        excerpt = self.excerpt()
        if excerpt:
            parts.append(excerpt)
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class TemplateSyntaxError(TemplateError):
    """The template source is not valid kida."""


class TemplateRuntimeError(TemplateError):
    """Rendering failed: a bad operation, a wrong renderer for the template, a failed source."""


class UndefinedError(TemplateRuntimeError):
    """A name or attribute the template reads does not exist."""


class TemplateNotFoundError(TemplateError, LookupError):
    """No loader could find the template."""


class MigrationWarning(UserWarning):
    """A construct that means something else in Jinja2: kida's meaning applies, check it is the
    one intended (``Environment(jinja2_compat_warnings=False)`` silences it)."""


class SecurityError(TemplateError):
    """A sandboxed template tried something its :class:`~kida.sandbox.SandboxPolicy` forbids.

    ``code`` says what: ``K-SEC-001`` a blocked attribute, ``K-SEC-002`` a blocked type,
    ``K-SEC-003`` a range or repetition over ``max_range``, ``K-SEC-004`` a blocked call,
    ``K-SEC-005`` output over ``max_output_size``.
    """

    def __init__(self, message: str, *, code: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {super().__str__()}"
