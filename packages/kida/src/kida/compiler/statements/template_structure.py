"""Blocks, ``extends``, ``include``, ``embed`` and ``import``: how templates combine."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler import expressions
from kida.compiler.pyast import _assign, _attr, _call, _const, _expr_stmt, _is, _load
from kida.compiler.statements import functions, variables
from kida.exceptions import TemplateNotFoundError
from kida.utils.template_keys import resolve_template_name

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def template_spec(c: Compiler, node: n.Expr) -> ast.expr:
    """The template an extends/include/embed/import names. ``./`` and ``../`` are relative to
    this template (not to the one rendering, which differs in inherited blocks and imported
    defs): a literal name is resolved now, a computed one when it is known."""
    value, relative = _name_spec(c, node)
    return _call("_relative_to", value, _const(c.name)) if relative else value


def loader_name(parent: str, name: str | None) -> str:
    """A literal template name as the loader knows it: ``./``/``../`` resolved against
    ``name`` (unresolvable: as written, so rendering reports it at the statement)."""
    if name is None or not parent.startswith(("./", "../")):
        return parent
    try:
        return resolve_template_name(parent, name)
    except TemplateNotFoundError:
        return parent


def _name_spec(c: Compiler, node: n.Expr) -> tuple[ast.expr, bool]:
    """The name expression of :func:`template_spec`, and whether it must still be resolved
    against this template while rendering (a computed name, or a literal that climbs above the
    root: that error belongs to the statement's render, where ``ignore missing`` may drop it)."""
    value = c.expr(node)
    if c.name is None:  # from a string: relative names start at the root, when rendering
        return value, False
    if isinstance(node, n.Const):
        if isinstance(node.value, str) and node.value.startswith(("./", "../")):
            try:
                return _const(resolve_template_name(node.value, c.name)), False
            except TemplateNotFoundError:  # raised where it renders, at the statement
                pass
        else:
            return value, False
    return value, True


def visit_block(c: Compiler, node: n.Block) -> list[ast.stmt]:
    fname = f"block_{node.name}"
    if not any(b is node for b in c.seen_blocks):
        c.seen_blocks.append(node)
        c.block_defs.append(("", node, fname))
    if node.kind == "region":
        return region_macro(c, node)
    if node.kind == "fragment" or c.in_extending_root:
        return []
    block = ast.Subscript(
        ast.Subscript(_attr("_ctx", "blocks"), _const(node.name), ast.Load()),
        _const(0),
        ast.Load(),
    )
    stmts = c.pump(block, c.ctx_with_locals())
    if node.cond is not None:
        stmts = [ast.If(c.expr(node.cond), stmts, [])]
    return c.guarded(stmts)


def region_macro(c: Compiler, node: n.Block) -> list[ast.stmt]:
    """A region is also callable: bind it like a def (defaults computed at each call)."""
    region = n.Def(node.name, node.params, node.body, lineno=node.lineno, col=node.col)
    return functions.visit_def(c, region, late_defaults=True)


def visit_extends(c: Compiler, node: n.Extends) -> list[ast.stmt]:
    """A top-level extends acts at the end of the root renderer; one in an ``{% if %}``
    records the parent it chooses (its index and name) for that end."""
    if c.parent_local is None:
        return []
    index = next(i for i, chosen in enumerate(c.chosen_extends) if chosen is node)
    choice = ast.Tuple([_const(index), template_spec(c, node.template)], ast.Load())
    return [_assign(c.parent_local, choice)]


def include_bindings(c: Compiler, bindings: list[tuple[str, n.Expr]], only: bool) -> ast.expr:
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    if not only:
        visible = c.frame.visible_locals()
        keys.extend(_const(k) for k in visible)
        values.extend(_load(v) for v in visible.values())
    for key, value in bindings:
        keys.append(_const(key))
        values.append(c.expr(value))
    return ast.Dict(keys, values)


def assign_include_context(
    c: Compiler, sub: str, template: str, node: n.Include | n.Embed
) -> ast.stmt:
    """``sub = `` the context an included or embedded ``template`` renders with."""
    bindings = include_bindings(c, node.bindings, node.only)
    return _assign(
        sub,
        _call(
            "_include_ctx",
            _load("_ctx"),
            _load(template),
            bindings,
            _const(node.only),
            _const(node.lineno),
        ),
    )


def visit_include(c: Compiler, node: n.Include) -> list[ast.stmt]:
    template, sub = c.temp("inc"), c.temp("_ctx")
    body = [
        assign_include_context(c, sub, template, node),
        _expr_stmt(_call("_register", _load(sub), _load(template))),
        *c.pump(_load(template), _load(sub)),
    ]
    # The name is resolved inside ``_include``, so a bad one is missing like an absent one.
    spec, relative = _name_spec(c, node.template)
    caller = [_const(c.name)] if relative else []
    load = _call("_include", _load("_ctx"), spec, _const(node.ignore_missing), *caller)
    if node.ignore_missing:
        return [
            _assign(template, load),
            ast.If(_is(_load(template), _const(None), negate=True), body, []),
        ]
    return [_assign(template, load), *body]


def visit_embed(c: Compiler, node: n.Embed) -> list[ast.stmt]:
    known = [i for i, candidate in enumerate(c.embed_nodes) if candidate is node]
    index = known[0] if known else len(c.embed_nodes)
    if not known:
        c.embed_nodes.append(node)
        names = []
        for block in node.blocks:
            c.seen_blocks.append(block)
            fname = f"embed{index}_{block.name}"
            c.block_defs.append((f"embed{index}", block, fname))
            names.append((block.name, fname))
        c.embeds.append(
            ast.Dict([_const(k) for k, _ in names], [c._block_tuple(f) for _, f in names])
        )
    template, sub = c.temp("inc"), c.temp("_ctx")
    return [
        _assign(
            template,
            _call("_include", _load("_ctx"), template_spec(c, node.template), _const(False)),
        ),
        assign_include_context(c, sub, template, node),
        _expr_stmt(
            _call(
                "_register_embed",
                _load(sub),
                ast.Subscript(_load("EMBEDS"), _const(index), ast.Load()),
            )
        ),
        _expr_stmt(_call("_register", _load(sub), _load(template))),
        *c.pump(_load(template), _load(sub)),
    ]


def run_import(c: Compiler, node: n.Import | n.FromImport) -> tuple[list[ast.stmt], ast.expr]:
    namespace = c.temp("ns")
    args = (_load("_ctx"), template_spec(c, node.template), _const(node.lineno))
    if c.is_async:
        stmts: list[ast.stmt] = [
            _assign(
                namespace,
                ast.Await(_call("_import_async", *args)),
            )
        ]
    else:
        stmts = [_assign(namespace, _call("_import", *args))]
    return stmts, _load(namespace)


def visit_import(c: Compiler, node: n.Import) -> list[ast.stmt]:
    stmts, namespace = run_import(c, node)
    return [*stmts, *variables.bind(c, node.alias, namespace)]


def visit_from_import(c: Compiler, node: n.FromImport) -> list[ast.stmt]:
    stmts, namespace = run_import(c, node)
    source = _const(expressions.describe(node.template))
    for name, alias in node.names:
        value = _call("_imported", namespace, _const(name), source)
        stmts.extend(variables.bind(c, alias, value))
    return stmts
