"""Progress of a long management command: each step on a line, counted steps as a bar."""

import time

from django.core.management.base import OutputWrapper

#: Characters of a full bar.
BAR_WIDTH = 30


class ProgressLine:
    """A :class:`djtalu.engine.convert.Progress` writing to a command's output.

    On a terminal a counted step is one line redrawn as it advances; elsewhere (a log, a pipe)
    only its last state is written, so logs get no carriage returns. A step's line ends with
    the seconds it took once the next one starts.

    Example::

        convert_gguf(gguf, destination, progress=ProgressLine(self.stdout))
    """

    def __init__(self, out: OutputWrapper, *, terminal: bool | None = None) -> None:
        self.out = out
        self.terminal = out.isatty() if terminal is None else terminal
        self.step: str | None = None
        self.started = 0.0
        self.drawn = ""

    def __call__(self, step: str, done: int = 0, total: int = 0) -> None:
        if step != self.step:
            self.end()
            self.step, self.started = step, time.monotonic()
        if total and (self.terminal or done == total):
            self.draw(f"{step} {bar(done, total)}")
        elif not total and not self.drawn:
            self.draw(f"{step} …")

    def draw(self, line: str) -> None:
        """Write ``line`` over the one drawn before (terminal) or after it (a log)."""
        if self.drawn and self.terminal:
            self.out.write("\r" + " " * len(self.drawn) + "\r", ending="")
        elif self.drawn:
            self.out.write("")
        self.out.write(line, ending="")
        self.out.flush()
        self.drawn = line

    def end(self) -> None:
        """Finish the current step's line with how long it took."""
        if self.drawn:
            self.out.write(f" ({time.monotonic() - self.started:.1f} s)")
            self.drawn = ""


def bar(done: int, total: int) -> str:
    """``[#######.......] 12/30`` for ``done`` of ``total``."""
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"
