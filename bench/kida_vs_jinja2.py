"""Render time of kida against Jinja2 3.1, measured in the same run on the same data.

Each workload renders one template source in both engines (the common subset of the two
languages, so the sources are identical) with autoescape on, checks the outputs are equal
modulo whitespace, then times both with ``timeit`` repeats and prints min and median times and
the kida/jinja2 ratios. The ``strict_undefined=False`` row reads missing attributes plainly (no
``default``), against Jinja2's default ``Undefined`` doing the same; the last render row runs the
page in both engines' sandboxed environments. Times are CPU time (``time.process_time``), the
two engines' repeats interleaved, so other work on a shared machine disturbs the ratio as little
as possible. Goal: ratio <= 0.80 on every render workload.

    .venv/bin/python bench/kida_vs_jinja2.py [--quick]
"""

import argparse
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe._speedups import _escape_inner as escape_text

import kida

GOAL = 0.80

BASE = """<!doctype html>
<html><head><title>{% block title %}Shop{% endblock %}</title></head>
<body><nav>{% for link in nav %}<a href="{{ link.url }}">{{ link.label }}</a>{% endfor %}</nav>
<main>{% block content %}{% endblock %}</main>
<footer>{{ footer|default("(c) shop") }}</footer></body></html>
"""

PAGE = """{% extends "base.html" %}
{% block title %}{{ title|upper }} - {{ super_title|default("Shop") }}{% endblock %}
{% block content %}
<h1>{{ title|title }}</h1>
<ul>
{% for item in items %}
<li class="{{ loop.cycle('odd', 'even') }}{% if loop.first %} first{% endif %}">
{{ loop.index }}. {{ item.name|capitalize }} ({{ item.tags|join(", ") }})
{{ item.price|round(2) }} x {{ item.stock|default(0) }}
{{ item.discount|default("no discount") }} {{ item.code|lower }} {{ item.tags|length }}
</li>
{% endfor %}
</ul>
{% endblock %}
"""

LENIENT = """<ul>
{% for item in items %}
<li>{{ item.name }}: {{ item.discount }} {{ item.sale }} {{ item.code }}</li>
{% endfor %}
</ul>
"""

TABLE = """<table>
{% for row in rows %}
<tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.email }}</td><td>{{ row.note }}</td>
<td>{{ row.score }}</td></tr>
{% endfor %}
</table>
"""


@dataclass(slots=True)
class Row:
    """A table row as an object, the way a Django model instance is read."""

    id: int
    name: str
    email: str
    note: str
    score: float


def page_items(with_discount_every: int) -> list[dict[str, Any]]:
    """100 shop items; only every ``with_discount_every``-th has a ``discount`` key."""
    items = []
    for i in range(100):
        item: dict[str, Any] = {
            "name": f"widget number {i}",
            "tags": ["red", "small", f"batch{i % 7}"],
            "price": 3.14159 + i * 1.1,
            "stock": i % 5,
            "code": f"W-{i:04d}",
        }
        if i % with_discount_every == 0:
            item["discount"] = f"{i % 30}% off"
        items.append(item)
    return items


def page_context(with_discount_every: int) -> dict[str, Any]:
    return {
        "title": "spring catalogue",
        "nav": [{"url": f"/section/{i}/", "label": f"Section {i}"} for i in range(8)],
        "items": page_items(with_discount_every),
    }


def row_fields(i: int, escaped: bool) -> dict[str, Any]:
    if escaped:
        name, email = f"<b>Ann & Bob {i}</b>", f'"ann{i}"@example.com'
        note = f"5 > 3 & 'quotes' <script>alert({i})</script>"
    else:
        name, email = f"Ann and Bob {i}", f"ann{i}@example.com"
        note = f"five is more than three, row {i}, nothing to escape here"
    return {"id": i, "name": name, "email": email, "note": note, "score": i / 7}


@dataclass
class Workload:
    name: str
    template: str
    context: dict[str, Any]
    #: kida Environment options of this row (Jinja2 keeps its defaults).
    kida_options: dict[str, Any] = field(default_factory=dict)


def workloads() -> list[Workload]:
    return [
        Workload("page: extends + 100-item loop + filters", "page.html", page_context(1)),
        Workload("page, attribute missing on 9/10 items", "page.html", page_context(10)),
        Workload(
            "1000-row table, dicts, strings to escape",
            "table.html",
            {"rows": [row_fields(i, escaped=True) for i in range(1000)]},
        ),
        Workload(
            "1000-row table, dicts, nothing to escape",
            "table.html",
            {"rows": [row_fields(i, escaped=False) for i in range(1000)]},
        ),
        Workload(
            "1000-row table, object rows",
            "table.html",
            {"rows": [Row(**row_fields(i, escaped=True)) for i in range(1000)]},
        ),
        Workload(
            "strict_undefined=False, missing attrs",
            "lenient.html",
            page_context(10),
            {"strict_undefined": False},
        ),
    ]


def hand_written_table(rows: list[dict[str, Any]]) -> str:
    """TABLE written by hand in Python: f-strings, markupsafe's C escaping of ``str`` to ``str``
    on the strings, numbers as they are. The floor for an engine that escapes each value."""
    parts = ["<table>\n"]
    append = parts.append
    for row in rows:
        append(
            f"<tr><td>{row['id']}</td><td>{escape_text(row['name'])}</td>"
            f"<td>{escape_text(row['email'])}</td><td>{escape_text(row['note'])}</td>\n"
            f"<td>{row['score']}</td></tr>\n"
        )
    append("</table>\n")
    return "".join(parts)


SOURCES = {"base.html": BASE, "page.html": PAGE, "table.html": TABLE, "lenient.html": LENIENT}


def kida_environment(**options: Any) -> Any:
    return kida.Environment(loader=kida.DictLoader(SOURCES), autoescape=True, **options)


def jinja_environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(SOURCES), autoescape=True)


def kida_sandbox() -> Any:
    return kida.SandboxedEnvironment(loader=kida.DictLoader(SOURCES), autoescape=True)


def jinja_sandbox() -> jinja2.Environment:
    return jinja2.sandbox.SandboxedEnvironment(loader=jinja2.DictLoader(SOURCES), autoescape=True)


def squeeze(text: str) -> str:
    """Output with all whitespace removed: the engines differ only in blank lines."""
    return "".join(text.split())


@dataclass
class Timing:
    best: float
    median: float


def measure_pair(
    kida_call: Callable[[], object], jinja_call: Callable[[], object], repeat: int, min_time: float
) -> tuple[Timing, Timing]:
    """CPU seconds per call of each, with their repeats interleaved so a busy neighbour on a
    shared machine slows both alike; each loop count makes a repeat last about ``min_time``."""
    timers = [timeit.Timer(call, timer=time.process_time) for call in (kida_call, jinja_call)]
    numbers = [max(1, int(min_time / max(timer.timeit(1), 1e-6))) for timer in timers]
    runs: list[list[float]] = [[], []]
    for _ in range(repeat):
        for timer, number, times in zip(timers, numbers, runs, strict=True):
            times.append(timer.timeit(number) / number)
    kida_time, jinja_time = (Timing(min(times), statistics.median(times)) for times in runs)
    return kida_time, jinja_time


def row(name: str, kida_time: Timing, jinja_time: Timing, goal: float | None) -> str:
    ratio = kida_time.best / jinja_time.best
    median_ratio = kida_time.median / jinja_time.median
    verdict = "" if goal is None else ("ok" if ratio <= goal else f"SLOW (goal <= {goal:.2f})")
    return (
        f"{name:<42} {kida_time.best * 1e3:>9.3f} {kida_time.median * 1e3:>9.3f} "
        f"{jinja_time.best * 1e3:>9.3f} {jinja_time.median * 1e3:>9.3f} "
        f"ratio {ratio:>5.2f} (median {median_ratio:>5.2f}) {verdict}"
    )


def compare(
    name: str,
    kida_template: Any,
    jinja_template: Any,
    context: dict[str, Any],
    repeat: int,
    min_time: float,
) -> bool:
    """Check both engines render the same, then time them and print the row; False if the
    outputs differ."""
    kida_out = kida_template.render(**context)
    jinja_out = jinja_template.render(**context)
    if squeeze(kida_out) != squeeze(jinja_out):
        print(f"{name}: OUTPUTS DIFFER\n--- kida\n{kida_out[:800]}\n--- jinja2\n{jinja_out[:800]}")
        return False

    def render_kida() -> str:
        return str(kida_template.render(**context))

    def render_jinja() -> str:
        return str(jinja_template.render(**context))

    timings = measure_pair(render_kida, render_jinja, repeat, min_time)
    print(row(name, *timings, GOAL), flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few short repeats (smoke run)")
    args = parser.parse_args()
    repeat, min_time = (2, 0.02) if args.quick else (7, 0.2)

    kida_env, jinja_env = kida_environment(), jinja_environment()
    print(f"kida vs Jinja2 {jinja2.__version__}, autoescape on; CPU ms per render (min, median)")
    print(f"{'workload':<42} {'kida min':>9} {'kida med':>9} {'jinja min':>9} {'jinja med':>9}")
    failures = 0
    for work in workloads():
        env = kida_environment(**work.kida_options) if work.kida_options else kida_env
        pair = (env.get_template(work.template), jinja_env.get_template(work.template))
        failures += not compare(work.name, *pair, work.context, repeat, min_time)
    # The sandboxes: every attribute read and call checked, in both engines.
    page = workloads()[0]
    sandboxes = (
        kida_sandbox().get_template(page.template),
        jinja_sandbox().get_template(page.template),
    )
    failures += not compare(
        "page, sandboxed environments", *sandboxes, page.context, repeat, min_time
    )

    # Compile: a fresh source each call (a unique comment) so no engine can serve a cache.
    unique = count()

    def compile_kida() -> object:
        return kida_env.from_string(f"{{# {next(unique)} #}}{PAGE}")

    def compile_jinja() -> object:
        return jinja_env.from_string(f"{{# {next(unique)} #}}{PAGE}")

    compile_kida()
    compile_jinja()
    timings = measure_pair(compile_kida, compile_jinja, repeat, min_time)
    print(row("compile page template (from_string)", *timings, None))
    failures += compare_with_hand_written(kida_env, repeat, min_time)
    return 1 if failures else 0


def compare_with_hand_written(kida_env: Any, repeat: int, min_time: float) -> int:
    """kida's escaped table against the same output written by hand (how close to the floor)."""
    rows = [row_fields(i, escaped=True) for i in range(1000)]
    template = kida_env.get_template("table.html")
    if squeeze(template.render(rows=rows)) != squeeze(hand_written_table(rows)):
        print("hand-written table: OUTPUTS DIFFER")
        return 1
    kida_time, hand_time = measure_pair(
        lambda: template.render(rows=rows), lambda: hand_written_table(rows), repeat, min_time
    )
    print(
        f"{'1000-row escaped table vs hand-written':<42} kida {kida_time.best * 1e3:.3f} ms, "
        f"Python f-strings + markupsafe {hand_time.best * 1e3:.3f} ms: "
        f"kida/hand-written {kida_time.best / hand_time.best:.2f} "
        f"(median {kida_time.median / hand_time.median:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
