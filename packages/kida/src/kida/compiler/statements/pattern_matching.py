"""``{% match %}``: a chain of tests on one evaluated subject."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.frame import Frame
from kida.compiler.pyast import _assign, _call, _const, _load, _locate, _store

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_match(c: Compiler, node: n.Match) -> list[ast.stmt]:
    """An if/elif chain: the first case whose pattern matches and whose guard holds renders;
    none matching renders nothing."""
    if node.subject is None:
        return _guard_chain(c, node.cases)
    subject = c.temp("subj")
    out: list[ast.stmt] = [_assign(subject, c.expr(node.subject))]
    chain: list[ast.stmt] = []
    for case in reversed(node.cases):
        with c.scope() as frame:
            test = match_pattern(c, case.pattern, _load(subject), frame)
            if case.guard is not None:
                test = ast.BoolOp(ast.And(), [test, c.expr(case.guard)])
            body = c.body(case.body) or [ast.Pass()]
        branch = ast.If(test, body, chain)
        _locate(branch, case.lineno, case.col)
        chain = [branch]
    return out + chain


def _guard_chain(c: Compiler, cases: list[n.Case]) -> list[ast.stmt]:
    """A ``match`` without a subject: each ``case _ if test`` is an elif, ``case _`` the else."""
    chain: list[ast.stmt] = []
    for case in reversed(cases):
        with c.scope():
            body = c.body(case.body) or [ast.Pass()]
        if case.guard is None:
            chain = body
            continue
        branch = ast.If(c.expr(case.guard), body, chain)
        _locate(branch, case.lineno, case.col)
        chain = [branch]
    return chain


def match_pattern(c: Compiler, pattern: n.Expr, subject: ast.expr, frame: Frame) -> ast.expr:
    """A boolean test of ``subject`` against a case pattern; bare names capture, a literal
    compares with ``==``."""
    if isinstance(pattern, n.Name):
        if pattern.name == "_":
            return _const(True)
        local = c.local(pattern.name)
        frame.names[pattern.name] = local
        return ast.BoolOp(ast.Or(), [ast.NamedExpr(_store(local), subject), _const(True)])
    if isinstance(pattern, n.TupleLit):
        tests: list[ast.expr] = [
            _call("_isinstance", subject, ast.Tuple([_load("_list"), _load("_tuple")], ast.Load())),
            ast.Compare(_call("_len", subject), [ast.Eq()], [_const(len(pattern.items))]),
        ]
        for index, item in enumerate(pattern.items):
            element = ast.Subscript(subject, _const(index), ast.Load())
            tests.append(match_pattern(c, item, element, frame))
        return ast.BoolOp(ast.And(), tests)
    if isinstance(pattern, n.DictLit) and _captures(pattern):
        # Our extension: a dict with a name (or ``_``) in it matches a subset of the keys.
        tests = [_call("_isinstance", subject, _load("_Mapping"))]
        for key, value in pattern.pairs:
            key_expr = c.expr(key)
            tests.append(ast.Compare(key_expr, [ast.In()], [subject]))
            tests.append(
                match_pattern(c, value, ast.Subscript(subject, c.expr(key), ast.Load()), frame)
            )
        return ast.BoolOp(ast.And(), tests)
    return ast.Compare(subject, [ast.Eq()], [c.expr(pattern)])


def _captures(pattern: n.Expr) -> bool:
    """Whether a pattern binds a name or has a wildcard; a dict pattern without one is a
    value compared with ``==``, as in kida (extra keys then fail the match)."""
    if isinstance(pattern, n.Name):
        return True
    if isinstance(pattern, n.TupleLit):
        return any(_captures(item) for item in pattern.items)
    if isinstance(pattern, n.DictLit):
        return any(_captures(value) for _, value in pattern.pairs)
    return False
