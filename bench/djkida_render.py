"""One page rendered through Django's template API by djkida, Django's engine and Django's Jinja2.

The same page (a base layout, a 100-row table with escaping, conditions, cycling and a filter)
is written in each language, the three outputs are checked equal modulo whitespace, then each
``get_template(...).render(context)`` is timed with ``timeit`` repeats. Prints min and median
microseconds per render and how many times slower each peer is than djkida (goal: djkida
fastest, every ratio > 1).

    .venv/bin/python bench/djkida_render.py [--quick]
"""

import argparse
import statistics
import tempfile
import timeit
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.conf import settings

DJANGO_BASE = """<!doctype html>
<html><head><title>{% block title %}Shop{% endblock %}</title></head>
<body><nav>{% for link in nav %}<a href="{{ link.url }}">{{ link.label }}</a>{% endfor %}</nav>
<main>{% block content %}{% endblock %}</main>
<footer>{{ footer|default:"(c) shop" }}</footer></body></html>
"""
DJANGO_PAGE = """{% extends "base.html" %}
{% block title %}{{ title|upper }}{% endblock %}
{% block content %}<h1>{{ title }}</h1>
<table>{% for row in rows %}
<tr class="{% cycle 'odd' 'even' %}"><td>{{ forloop.counter }}</td><td>{{ row.name }}</td>
<td>{{ row.email }}</td><td>{{ row.note }}</td>
<td>{% if row.active %}yes{% else %}no{% endif %}</td><td>{{ row.tags|join:", " }}</td></tr>
{% endfor %}</table>{% endblock %}
"""
# kida and Jinja2 share the source: the page uses only their common subset.
JINJA_BASE = DJANGO_BASE.replace('default:"(c) shop"', 'default("(c) shop")')
JINJA_PAGE = (
    DJANGO_PAGE.replace("{% cycle 'odd' 'even' %}", "{{ loop.cycle('odd', 'even') }}")
    .replace("forloop.counter", "loop.index")
    .replace('join:", "', 'join(", ")')
)
SOURCES = {
    "django": {"base.html": DJANGO_BASE, "page.html": DJANGO_PAGE},
    "jinja2": {"base.html": JINJA_BASE, "page.html": JINJA_PAGE},
    "djkida": {"base.html": JINJA_BASE, "page.html": JINJA_PAGE},
}
BACKENDS = {
    "djkida": "djkida.backend.Kida",
    "django": "django.template.backends.django.DjangoTemplates",
    "jinja2": "django.template.backends.jinja2.Jinja2",
}


@dataclass(slots=True)
class Row:
    """A table row read by attribute, like a model instance."""

    name: str
    email: str
    note: str
    active: bool
    tags: list[str]


def context() -> dict[str, Any]:
    return {
        "title": "Inventory & <friends>",
        "nav": [{"url": f"/section/{i}/", "label": f"Section {i}"} for i in range(8)],
        "rows": [
            Row(f"Widget {i}", f"user{i}@example.com", f"a & b <{i}>", i % 3 == 0, ["x", "y"])
            for i in range(100)
        ],
    }


def configure(root: Path) -> None:
    """Settings with one backend per engine, each reading its own copy of the page."""
    templates = []
    for name, backend in BACKENDS.items():
        directory = root / name
        directory.mkdir()
        for filename, source in SOURCES[name].items():
            (directory / filename).write_text(source)
        options = {} if name == "django" else {"auto_reload": False}
        templates.append(
            {"NAME": name, "BACKEND": backend, "DIRS": [directory], "APP_DIRS": False,
             "OPTIONS": options}
        )  # fmt: skip
    settings.configure(DEBUG=False, INSTALLED_APPS=[], TEMPLATES=templates, USE_I18N=False)
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for CI smoke runs")
    args = parser.parse_args()
    repeat, number = (3, 20) if args.quick else (7, 200)

    with tempfile.TemporaryDirectory() as tmp:
        configure(Path(tmp))
        from django.template import engines

        data = context()
        templates = {name: engines[name].get_template("page.html") for name in BACKENDS}
        outputs = {name: "".join(t.render(data).split()) for name, t in templates.items()}
        if len(set(outputs.values())) != 1:
            raise SystemExit(f"outputs differ: {outputs}")

        timings: dict[str, list[float]] = {}
        for name, template in templates.items():
            runs = timeit.repeat(lambda t=template: t.render(data), repeat=repeat, number=number)
            timings[name] = [run / number * 1e6 for run in runs]

    print(f"{'engine':<8} {'min µs':>10} {'median µs':>10} {'vs djkida':>10}")
    best = min(timings["djkida"])
    for name, runs in timings.items():
        ratio = min(runs) / best
        print(f"{name:<8} {min(runs):>10.1f} {statistics.median(runs):>10.1f} {ratio:>9.2f}x")
    slower = all(min(timings[peer]) > best for peer in ("django", "jinja2"))
    print("goal (djkida fastest):", "met" if slower else "NOT met")


if __name__ == "__main__":
    main()
