"""Which template lines ran: line coverage of templates, reported as text, LCOV or Cobertura.

While a collector is started, ``sys.monitoring`` LINE events of template code are recorded for
the renders of the current context (thread or task); other code is switched off at its first
event, and nothing is monitored while no collector runs.

Example::

    with CoverageCollector() as cov:
        env.get_template("page.html").render(title="Hi")
    print(cov.summary())
    cov.write_lcov("templates.lcov")
"""

import threading
import xml.etree.ElementTree as ET
from contextvars import Token
from dataclasses import dataclass
from types import TracebackType

from kida.instrumentation import ACTIVE, LINE_EVENT, MONITOR, Instruments


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """The coverage of one template."""

    template_name: str
    executed_lines: frozenset[int]
    total_lines: frozenset[int]

    @property
    def hit_count(self) -> int:
        """Lines of ``total_lines`` that ran."""
        return len(self.executed_lines & self.total_lines)

    @property
    def total_count(self) -> int:
        return len(self.total_lines)

    @property
    def missed_count(self) -> int:
        return self.total_count - self.hit_count

    @property
    def percentage(self) -> float:
        """Share of lines that ran, 100.0 for a template without lines."""
        return 100.0 if not self.total_lines else self.hit_count * 100.0 / self.total_count


class CoverageCollector:
    """Collects the template lines run between ``start()`` and ``stop()`` (or in a ``with``)."""

    def __init__(self) -> None:
        self._data: dict[str, set[int]] = {}
        self._lock = threading.Lock()
        self._token: Token[Instruments | None] | None = None

    def record_line(self, template_name: str, line: int) -> None:
        """Note that ``line`` of ``template_name`` ran."""
        with self._lock:
            self._data.setdefault(template_name, set()).add(line)

    def start(self) -> None:
        """Collect the lines of renders in the current context from now on."""
        if self._token is not None:
            return
        current = ACTIVE.get() or Instruments()
        self._token = ACTIVE.set(
            Instruments(current.scope, current.capture, current.accumulator, self)
        )
        MONITOR.acquire(LINE_EVENT)

    def stop(self) -> None:
        """Stop collecting (what was collected stays)."""
        if self._token is None:
            return
        ACTIVE.reset(self._token)
        self._token = None
        MONITOR.release(LINE_EVENT)

    def __enter__(self) -> "CoverageCollector":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def clear(self) -> None:
        """Forget what was collected."""
        with self._lock:
            self._data.clear()

    @property
    def data(self) -> dict[str, set[int]]:
        """Template name → lines that ran."""
        return self._data

    def get_results(
        self, source_map: dict[str, frozenset[int]] | None = None
    ) -> list[CoverageResult]:
        """Per template, by name; ``source_map`` gives each template's coverable lines
        (without it, a template's total is the lines that ran)."""
        results = []
        for name, lines in sorted(self._data.items()):
            executed = frozenset(lines)
            total = (source_map or {}).get(name, executed)
            results.append(CoverageResult(name, executed, total))
        return results

    def summary(self, source_map: dict[str, frozenset[int]] | None = None) -> str:
        """A text table: lines, lines hit and percentage per template, and the total."""
        results = self.get_results(source_map)
        if not results:
            return "No templates rendered."
        rule = "-" * 71
        rows = [f"{'Template':<50} {'Lines':>6} {'Hit':>6} {'Cover':>7}", rule]
        rows += [
            f"{r.template_name:<50} {r.total_count:>6} {r.hit_count:>6} {r.percentage:>6.1f}%"
            for r in results
        ]
        total = sum(r.total_count for r in results)
        hit = sum(r.hit_count for r in results)
        percentage = hit * 100.0 / total if total else 100.0
        rows += [rule, f"{'TOTAL':<50} {total:>6} {hit:>6} {percentage:>6.1f}%"]
        return "\n".join(rows)

    def format_lcov(self) -> str:
        """The lines that ran, as an LCOV tracefile."""
        out = []
        for name, lines in sorted(self._data.items()):
            out.append(f"SF:{name}")
            out += [f"DA:{line},1" for line in sorted(lines)]
            out += [f"LH:{len(lines)}", f"LF:{len(lines)}", "end_of_record"]
        return "".join(f"{line}\n" for line in out)

    def write_lcov(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.format_lcov())

    def format_cobertura(self) -> str:
        """The lines that ran, as Cobertura XML."""
        root = ET.Element("coverage", version="1.0")
        classes = ET.SubElement(
            ET.SubElement(ET.SubElement(root, "packages"), "package", name="templates"),
            "classes",
        )
        for name, lines in sorted(self._data.items()):
            cls = ET.SubElement(classes, "class", name=name, filename=name)
            cls.set("line-rate", "1.0")
            xml_lines = ET.SubElement(cls, "lines")
            for line in sorted(lines):
                ET.SubElement(xml_lines, "line", number=str(line), hits="1")
        root.set("line-rate", "1.0")
        return ET.tostring(root, encoding="unicode", xml_declaration=True)

    def write_cobertura(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.format_cobertura())
