"""A caught error as plain data for framework debug pages (``error.to_diagnostic()``,
kida-templates 0.10): what, where, the source around it, ordered hints and the template and
component paths, plus escaped HTML and Markdown renderings that need no terminal parsing."""

from dataclasses import dataclass
from html import escape

from kida.source_snippet import SourceSnippet


@dataclass(frozen=True, slots=True)
class DiagnosticLocation:
    """Template, 1-based line and 0-based column of an error."""

    template: str
    line: int | None = None
    column: int | None = None
    filename: str | None = None

    def format(self) -> str:
        """``template[:line[:column]]``."""
        text = self.template
        if self.line:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, slots=True)
class DiagnosticFrame:
    """One step of a template path (``name`` None) or of a component path (the def's name)."""

    template: str
    line: int
    name: str | None = None

    def format(self) -> str:
        """``template:line`` or ``template:line -> name()``."""
        where = f"{self.template}:{self.line}"
        return f"{where} -> {self.name}()" if self.name else where


def _markdown_text(text: str) -> str:
    """Backslash the characters that would format inline Markdown."""
    return "".join(f"\\{char}" if char in "\\`*_[]<>" else char for char in text)


@dataclass(frozen=True, slots=True)
class TemplateDiagnostic:
    """The fields of one error, as plain strings and tuples; escaping belongs to the
    ``format_*`` renderings."""

    code: str | None
    title: str
    message: str
    kind: str
    location: DiagnosticLocation
    source_snippet: SourceSnippet | None = None
    hints: tuple[str, ...] = ()
    docs_url: str | None = None
    suggestion: str | None = None
    template_stack: tuple[DiagnosticFrame, ...] = ()
    component_stack: tuple[DiagnosticFrame, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()

    def metadata_dict(self) -> dict[str, str]:
        """:attr:`metadata` as a dict."""
        return dict(self.metadata)

    def _snippet_lines(self) -> list[str]:
        snippet = self.source_snippet
        if snippet is None:
            return []
        lines = [
            f"{'>' if number == snippet.error_line else ' '}{number:4} | {text}"
            for number, text in snippet.lines
        ]
        if snippet.column is not None:
            lines.append(f"     | {' ' * snippet.column}^")
        return lines

    def format_html_fragment(self) -> str:
        """An unstyled, escaped ``<section>`` for a framework's own error page."""
        code = f'<span class="kida-error-code">{escape(self.code)}</span> ' if self.code else ""
        parts = [
            '<section class="kida-diagnostic" data-kida-diagnostic="true">',
            f"<h1>{code}{escape(self.title)}</h1>",
            f'<p class="kida-diagnostic-message">{escape(self.message)}</p>',
            f'<dl class="kida-diagnostic-facts"><dt>Location</dt>'
            f"<dd>{escape(self.location.format())}</dd>",
        ]
        if self.suggestion:
            parts.append(f"<dt>Suggestion</dt><dd>{escape(self.suggestion)}</dd>")
        parts.append("</dl>")
        snippet = self._snippet_lines()
        if snippet:
            body = "".join(escape(line) + "\n" for line in snippet)
            parts.append(f'<pre class="kida-source-snippet"><code>{body}</code></pre>')
        if self.hints:
            items = "".join(f"<li>{escape(hint)}</li>" for hint in self.hints)
            parts.append(f'<ol class="kida-diagnostic-hints">{items}</ol>')
        for title, frames in (
            ("Component stack", self.component_stack),
            ("Template stack", self.template_stack),
        ):
            if frames:
                items = "".join(f"<li>{escape(frame.format())}</li>" for frame in frames)
                parts.append(f"<h2>{title}</h2><ol>{items}</ol>")
        if self.docs_url:
            parts.append(
                f'<p class="kida-diagnostic-docs"><a href="{escape(self.docs_url)}">'
                "Documentation</a></p>"
            )
        parts.append("</section>")
        return "".join(parts)

    def format_html_page(self, *, page_title: str = "Kida Template Error") -> str:
        """A standalone page around :meth:`format_html_fragment`."""
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(page_title)}</title></head>"
            f"<body><main>{self.format_html_fragment()}</main></body></html>"
        )

    def format_markdown(self) -> str:
        """GitHub-flavoured Markdown: heading, message, location, source, hints, paths."""
        title = _markdown_text(self.title)
        heading = f"### {_markdown_text(self.code)}: {title}" if self.code else f"### {title}"
        parts = [
            heading,
            "",
            _markdown_text(self.message),
            "",
            f"**Location:** `{self.location.format()}`",
        ]
        snippet = self._snippet_lines()
        if snippet:
            parts += ["", "```text", *snippet, "```"]
        if self.hints:
            parts += ["", "**Hints:**", *(f"- {_markdown_text(hint)}" for hint in self.hints)]
        for title_text, frames in (
            ("Component stack", self.component_stack),
            ("Template stack", self.template_stack),
        ):
            if frames:
                parts += ["", f"**{title_text}:**", *(f"- `{f.format()}`" for f in frames)]
        if self.docs_url:
            parts += ["", f"[Documentation]({self.docs_url})"]
        return "\n".join(parts)
