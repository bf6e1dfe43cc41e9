"""``check_context_contract()``: compare the dotted context paths a template reads with what a
route or framework says it provides.

Findings: K-CTX-001 (error) a path the template reads that neither ``provided``, ``optional``
nor ``globals`` covers; K-CTX-002 (warning, only with ``check_extra=True``) a provided path the
template never reads. A path is covered when it, or a path above it, is in ``globals``, or
when it is itself in ``provided``/``optional`` (a provided ``page`` does not promise
``page.title``: give the nested shape, ``{"page": {"title": str}}``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kida.exceptions import ErrorCode

Contract = Iterable[str] | Mapping[str, Any]


class SupportsContextAnalysis(Protocol):
    """What the check needs of a template (``kida.Template`` has it)."""

    @property
    def name(self) -> str | None: ...

    def depends_on(self) -> frozenset[str]: ...

    def list_defs(self) -> list[str]: ...

    def list_blocks(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class ContextContractIssue:
    """One finding; ``code`` is the :class:`~kida.exceptions.ErrorCode` (a ``str``)."""

    code: ErrorCode
    severity: Literal["error", "warning"]
    path: str
    message: str
    template_name: str | None = None
    lineno: int | None = None
    col_offset: int | None = None
    suggestion: str | None = None


def contract_paths(contract: Contract | None) -> set[str]:
    """Dotted paths of a contract: the strings of an iterable, or every key path of a nested
    mapping (``{"page": {"title": str}}`` gives ``page`` and ``page.title``)."""
    if contract is None:
        return set()
    if isinstance(contract, Mapping):
        paths: set[str] = set()
        for key, value in contract.items():
            if isinstance(key, str):
                paths.add(key)
                if isinstance(value, Mapping):
                    paths |= {f"{key}.{sub}" for sub in contract_paths(value)}
        return paths
    if isinstance(contract, str):
        return {contract}
    return {path for path in contract if path}


def _under(path: str, roots: set[str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:i]) in roots for i in range(1, len(parts) + 1))


def check_context_contract(
    template: SupportsContextAnalysis,
    provided: Contract,
    *,
    optional: Contract | None = None,
    globals: Contract | None = None,
    check_extra: bool = False,
) -> list[ContextContractIssue]:
    """The contract findings of ``template``, missing paths first, each group sorted.

    Example::

        >>> issues = check_context_contract(template, provided={"page.title"})
        >>> [(issue.code, issue.path) for issue in issues]
        [('K-CTX-001', 'site.name')]
    """
    local = set(template.list_defs()) | set(template.list_blocks())
    read = {path for path in template.depends_on() if path.split(".", 1)[0] not in local}
    given = contract_paths(provided)
    available = given | contract_paths(optional)
    environment = contract_paths(globals)
    issues = [
        ContextContractIssue(
            ErrorCode.CONTEXT_MISSING,
            "error",
            path,
            f"the template reads '{path}' but the context contract does not provide it",
            template.name,
            suggestion=f"add '{path}' to the route context contract, or mark it optional",
        )
        for path in sorted(read)
        if path not in available and not _under(path, environment)
    ]
    if check_extra:
        issues.extend(
            ContextContractIssue(
                ErrorCode.CONTEXT_UNUSED,
                "warning",
                path,
                f"the context contract provides '{path}' but the template does not read it",
                template.name,
                suggestion="drop the unused data, or leave check_extra off for broad contexts",
            )
            for path in sorted(given)
            if path not in read and not any(r.startswith(f"{path}.") for r in read)
        )
    return issues
