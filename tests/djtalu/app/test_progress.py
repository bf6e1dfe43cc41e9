"""What ``talu_models install`` prints while it works: each step on a line with its duration,
counted steps as a bar (redrawn in place on a terminal, written once in a log)."""

from io import StringIO

from django.core.management.base import OutputWrapper

from djtalu.management.progress import ProgressLine, bar


def test_a_bar_shows_how_much_is_done() -> None:
    assert bar(0, 4) == "[" + "." * 30 + "] 0/4"
    assert bar(2, 4) == "[" + "#" * 15 + "." * 15 + "] 2/4"
    assert bar(4, 4) == "[" + "#" * 30 + "] 4/4"


def steps(terminal: bool) -> str:
    stream = StringIO()
    progress = ProgressLine(OutputWrapper(stream), terminal=terminal)
    progress("downloading")
    for done in range(4):
        progress("dequantizing", done, 3)
    progress("quantizing")
    progress.end()
    return stream.getvalue()


def test_a_log_gets_each_step_once_without_carriage_returns() -> None:
    lines = steps(terminal=False).split("\n")[:-1]
    assert [line.rsplit(" (", 1)[0] for line in lines] == [
        "downloading …",
        f"dequantizing {bar(3, 3)}",
        "quantizing …",
    ]
    assert all(line.endswith(" s)") for line in lines)
    assert "\r" not in steps(terminal=False)


def test_a_terminal_sees_the_bar_redrawn_in_place() -> None:
    lines = steps(terminal=True).split("\n")
    assert len(lines) == 4  # three steps, each ended by a newline
    # Each state of the bar is drawn over the previous one, on the same line.
    drawn = [part for part in lines[1].split("\r") if part.strip()]
    assert drawn[:3] == [f"dequantizing {bar(done, 3)}" for done in range(3)]
    assert drawn[3].startswith(f"dequantizing {bar(3, 3)} (")
    assert len(drawn) == 4
