"""The lines of template source around an error, for messages and editor integrations."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceSnippet:
    """Numbered source lines around ``error_line`` (1-based), with an optional 0-based
    ``column`` for a caret."""

    lines: tuple[tuple[int, str], ...]
    error_line: int
    column: int | None = None

    def format(self) -> str:
        """The lines as ``>  3 | text`` (``>`` on the error line) and a caret line."""
        width = len(str(self.lines[-1][0])) if self.lines else 1
        out = []
        for number, text in self.lines:
            marker = ">" if number == self.error_line else " "
            out.append(f"{marker}{number:>{width + 1}} | {text}")
            if number == self.error_line and self.column is not None:
                out.append(f" {'':>{width + 1}} | {' ' * self.column}^")
        return "\n".join(out)


def build_source_snippet(
    source: str, error_line: int, *, context_lines: int = 2, column: int | None = None
) -> SourceSnippet:
    """The snippet of ``source`` around ``error_line``, ``context_lines`` either side.

    Example::

        >>> build_source_snippet("a\\nb\\nc", 2, context_lines=0).lines
        ((2, 'b'),)
    """
    lines = source.splitlines()
    start = max(0, error_line - 1 - context_lines)
    end = min(len(lines), error_line + context_lines)
    return SourceSnippet(
        tuple((index + 1, lines[index]) for index in range(start, end)), error_line, column
    )
