"""Checking calls of a template's ``{% def %}`` components against their signatures, without
rendering: unknown keywords, missing required parameters (K-CMP-001), and literal arguments
whose type the annotation excludes (K-CMP-002; ``str``, ``int``, ``float`` (ints too),
``bool``, ``None`` and ``|`` unions of them are checked, other annotations document).

``BlockAnalyzer.validate_calls()`` reports these; only calls by a def's own name are checked.
"""

from collections.abc import Iterator

from kida import nodes as n
from kida.analysis.metadata import CallValidation, TypeMismatch

_CHECKED_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "None": (type(None),),
    "none": (type(None),),
}


def signatures(tree: n.Node) -> dict[str, n.Def]:
    """The defs of a tree by name; a name defined twice is left out (which one a call means
    depends on the path taken)."""
    found: dict[str, n.Def] = {}
    twice: set[str] = set()
    for node in tree.walk():
        if isinstance(node, n.Def):
            if node.name in found:
                twice.add(node.name)
            found[node.name] = node
    return {name: node for name, node in found.items() if name not in twice}


def def_calls(tree: n.Node, defs: dict[str, n.Def]) -> Iterator[tuple[n.Call, n.Def]]:
    """Each call of one of ``defs`` by its name (``{{ card(…) }}``, ``{% call card(…) %}``)."""
    for node in tree.walk():
        if isinstance(node, n.Call) and isinstance(node.func, n.Name) and node.func.name in defs:
            yield node, defs[node.func.name]


def _plain(definition: n.Def) -> list[n.Param]:
    return [p for p in definition.params if p.kind == ""]


def check_call(call: n.Call, definition: n.Def) -> CallValidation:
    """The signature problems of one call (``is_valid`` when there are none)."""
    arguments = call.arguments
    plain = _plain(definition)
    names = {p.name for p in plain}
    keywords = [key for key, _ in arguments.kwargs]
    duplicates = sorted({key for key in keywords if keywords.count(key) > 1})
    takes_kwargs = any(p.kind == "**" for p in definition.params)
    unknown = [] if takes_kwargs else [key for key in keywords if key not in names]
    missing: list[str] = []
    if arguments.star is None and arguments.dstar is None:
        given = {p.name for p in plain[: len(arguments.args)]} | set(keywords)
        missing = [p.name for p in plain if p.default is None and p.name not in given]
    return CallValidation(
        definition.name,
        call.lineno,
        call.func.col - 1,
        tuple(unknown),
        tuple(missing),
        tuple(duplicates),
    )


def accepted_types(annotation: str) -> tuple[type, ...] | None:
    """The Python types a checked annotation admits; None for one that only documents."""
    accepted: list[type] = []
    for part in annotation.split("|"):
        types = _CHECKED_TYPES.get(part.strip())
        if types is None:
            return None
        accepted.extend(types)
    return tuple(accepted)


def _literal_type_ok(value: object, accepted: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, not to an annotation
        return bool in accepted
    return isinstance(value, accepted)


def check_call_types(call: n.Call, definition: n.Def) -> list[TypeMismatch]:
    """The literal arguments of one call that its parameters' annotations exclude."""
    params = {p.name: p for p in _plain(definition)}
    passed: list[tuple[str, n.Expr]] = list(
        zip((p.name for p in _plain(definition)), call.arguments.args, strict=False)
    )
    passed.extend(call.arguments.kwargs)
    mismatches: list[TypeMismatch] = []
    for name, value in passed:
        param = params.get(name)
        if param is None or param.annotation is None or not isinstance(value, n.Const):
            continue
        accepted = accepted_types(param.annotation)
        if accepted is None or _literal_type_ok(value.value, accepted):
            continue
        mismatches.append(
            TypeMismatch(
                definition.name,
                name,
                param.annotation,
                type(value.value).__name__,
                value.value,
                call.lineno,
                call.func.col - 1,
            )
        )
    return mismatches
