"""The Jinja2 scoping trap of kida-templates 0.12's K-WARN-002, read after a branch: a ``{% set
%}`` inside an ``{% if %}`` (or its nested branches) binds the name for that branch only, so a
read of it after the ``if`` does not see it, where Jinja2 would. Found when compiling (with
``jinja2_compat_warnings``), advisory, never an automatic edit.

Names bound template-wide by ``let``/``export``/``promote`` are left to the shadowing check of
the compiler; a rebinding before the read ends the search; assignments inside a ``for`` are
loop-local in Jinja2 too, so they are not followed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import fields

from kida import nodes as n
from kida.exceptions import ErrorCode, MigrationWarning, TemplateWarning


def check(tree: n.TemplateNode, name: str | None) -> list[TemplateWarning]:
    """Warn (MigrationWarning) about each branch ``set`` read after its ``if``; returns the
    warnings for ``template.warnings``."""
    template_wide: set[str] = set()
    has_if = has_set = False
    for node in tree.walk():
        if isinstance(node, n.If):
            has_if = True
        elif isinstance(node, n.Assign):
            if node.kind == "set":
                has_set = True
            else:
                template_wide.update(_names(node.target))
    found: list[TemplateWarning] = []
    if not (has_if and has_set):
        return found  # the common case: one walk of the tree
    for body in _statement_lists(tree):
        for index, stmt in enumerate(body):
            if not isinstance(stmt, n.If):
                continue
            for variable, assign in _branch_sets(stmt):
                if variable in template_wide:
                    continue
                reader = _first_read(body[index + 1 :], variable)
                if reader is not None:
                    found.append(_warn(name, variable, assign, reader))
    return found


def _warn(name: str | None, variable: str, assign: n.Assign, reader: n.Node) -> TemplateWarning:
    warning = TemplateWarning(
        ErrorCode.JINJA2_SET_SCOPING,
        f"{{% set {variable} %}} inside an {{% if %}} is not seen after it, but line "
        f"{reader.lineno} reads {variable!r} there (Jinja2 would see the value)",
        name,
        assign.lineno,
        f"for a name that must stay visible write {{% let {variable} = ... %}} before the if; "
        f"to update a template-wide one, {{% export {variable} = ... %}}",
    )
    warnings.warn_explicit(
        f"[{warning.code.value}] {warning.message}; {warning.suggestion}",
        MigrationWarning,
        name or "<template>",
        assign.lineno,
    )
    return warning


def _statement_lists(node: n.Node) -> Iterator[list[n.Stmt]]:
    """Every list of statements in the tree (bodies, branches, cases, slots), outermost first."""
    for field in fields(node):
        value = getattr(node, field.name)
        if not isinstance(value, list):
            continue
        if value and all(isinstance(item, n.Stmt) for item in value):
            yield value
        for item in value:
            if isinstance(item, n.Node) and not isinstance(item, n.Expr):
                yield from _statement_lists(item)


def _branch_sets(branch: n.If) -> Iterator[tuple[str, n.Assign]]:
    """The ``set`` assignments of an ``if``'s branches, nested ``if``s (and ``elif``) included."""
    for stmt in [*branch.body, *branch.otherwise]:
        if isinstance(stmt, n.Assign) and stmt.kind == "set":
            for variable in _names(stmt.target):
                yield variable, stmt
        elif isinstance(stmt, n.If):
            yield from _branch_sets(stmt)


def _first_read(stmts: list[n.Stmt], variable: str) -> n.Node | None:
    """The first statement of ``stmts`` reading ``variable``, None when none does before it is
    bound again."""
    for stmt in stmts:
        if isinstance(stmt, n.Assign) and variable in _names(stmt.target):
            return stmt if _reads(stmt.value, variable) else None
        if isinstance(stmt, n.For) and variable in _names(stmt.target):
            return stmt if _reads(stmt.iter, variable) else None
        if isinstance(stmt, n.Def) and any(p.name == variable for p in stmt.params):
            continue  # the def's own parameter
        if _reads(stmt, variable):
            return stmt
    return None


def _reads(node: n.Node, variable: str) -> bool:
    return any(isinstance(found, n.Name) and found.name == variable for found in node.walk())


def _names(target: n.Target) -> list[str]:
    if isinstance(target, n.NameTarget):
        return [target.name]
    return [name for item in target.items for name in _names(item)]
