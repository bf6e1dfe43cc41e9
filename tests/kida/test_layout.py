"""The package's shape: stages import only stages below them, and nothing grows into a blob.

Imports are read from the source with ``ast`` (those under ``if TYPE_CHECKING:`` do not run, so
they are left out; imports inside functions do run, so they count).
"""

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import kida

PACKAGE = Path(kida.__file__).parent
MAX_MODULE_LINES = 800
MAX_CLASS_LINES = 600
BY_PATH = [
    "kida.environment",
    "kida.environment.loaders",
    "kida.environment.exceptions",
    "kida.environment.filters",
    "kida.environment.tests",
    "kida.exceptions",
    "kida.template",
    "kida.render_context",
    "kida.bytecode_cache",
    "kida.bccache",
    "kida.analysis",
    "kida.nodes",
    "kida.lexer",
    "kida.parser",
    "kida.compiler",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from runtime_nodes(other)
            continue
        yield child
        yield from runtime_nodes(child)


def imported_modules(name: str) -> set[str]:
    """The modules ``name`` imports when it runs; ``from pkg import mod`` counts as ``pkg.mod``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return found


def graph() -> dict[str, set[str]]:
    """Kida module → the kida modules it imports, a package counting as its ``__init__``."""
    edges: dict[str, set[str]] = {}
    for name in MODULES:
        # Importing a.b.c runs a and a.b first, unless they are packages of ``name`` itself,
        # which have already started running.
        targets = set()
        for imported in imported_modules(name):
            parts = imported.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                if target in MODULES and not name.startswith(f"{target}."):
                    targets.add(target)
        targets.discard(name)
        edges[name] = targets
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_modules_are_found() -> None:
    assert {"kida.compiler.core", "kida.parser.core", "kida.lexer"} <= MODULES.keys()


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_stages_import_only_stages_below_them() -> None:
    """Collapsed to stages (``kida.parser.blocks.i18n`` is the stage ``kida.parser``), the
    imports still form no cycle; ``kida/__init__`` is the facade over all of them."""
    stages: dict[str, set[str]] = {}
    for name, targets in graph().items():
        if name == "kida":
            continue
        stage = ".".join(name.split(".")[:2])
        stages.setdefault(stage, set()).update(
            ".".join(t.split(".")[:2]) for t in targets if t != "kida"
        )
    for stage, targets in stages.items():
        targets.discard(stage)
    cycle = find_cycle(stages)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_engine_never_imports_django() -> None:
    offenders = {
        name
        for name in MODULES
        if any(m == "django" or m.startswith("django.") for m in imported_modules(name))
    }
    assert not offenders


def test_no_module_or_class_outgrows_its_job() -> None:
    too_long = []
    for name, path in MODULES.items():
        source = path.read_text()
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"module {name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_CLASS_LINES:
                    too_long.append(f"class {name}.{node.name}: {length} lines")
    assert not too_long


@pytest.mark.parametrize("name", BY_PATH)
def test_the_by_path_modules_import(name: str) -> None:
    importlib.import_module(name)


def test_the_compiler_goes_by_its_kida_templates_name() -> None:
    from kida.compiler import Compiler

    assert Compiler.__module__ == "kida.compiler.core"
