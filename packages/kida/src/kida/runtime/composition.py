"""How templates use each other at run time: extends, include, embed, import, push/stack, trans.

Names are resolved against the including template: ``./x`` and ``../x`` are relative to its
directory, ``@alias/x`` goes through ``Environment.template_aliases``.
"""

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from kida.analysis.structure import extends_tags
from kida.exceptions import (
    ErrorCode,
    RenderLimitError,
    SecurityError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    UndefinedError,
)
from kida.render_context import (
    BlockFunctions,
    BlockTuple,
    RenderContext,
    RenderState,
    StackPlaceholder,
)
from kida.runtime.async_support import close_source
from kida.runtime.components import Caller, Macro
from kida.runtime.observed import observed_block
from kida.spelling import suggest
from kida.utils.template_keys import resolve_template_name

if TYPE_CHECKING:
    from kida.template import Template

_SPACE_BETWEEN_TAGS = re.compile(r">\s+<")


def resolve_name(ctx: RenderContext, name: str) -> str:
    """The loader name of ``name`` as written in the current template."""
    return resolve_name_in(ctx.environment.template_aliases, ctx.template.name, name)


def resolve_name_in(aliases: dict[str, str], base: str | None, name: str) -> str:
    """The loader name of ``name`` as written in the template called ``base`` (None: from a
    string, whose relative names start at the root)."""
    if name.startswith(("./", "../", "@")):
        return resolve_template_name(name, base or "", aliases)
    return name


def relative_to(spec: Any, caller: str) -> Any:
    """A computed template name (or list of names) with its ``./``/``../`` names resolved
    against ``caller``, the template whose source holds the statement: a block rendered under
    its parent, or a def called from another template, still finds its own neighbours."""
    if isinstance(spec, str):
        return resolve_template_name(spec, caller) if spec.startswith(("./", "../")) else spec
    if isinstance(spec, list | tuple):
        return [relative_to(item, caller) for item in spec]
    return spec


def load(ctx: RenderContext, spec: Any) -> "Template":
    """A template from a name, a list of names (first found) or a Template."""
    if isinstance(spec, ctx.environment.template_class):
        if not ctx.environment.accepts_template(spec):
            raise SecurityError(
                f"the template object {spec.name or '<string>'!r} belongs to an environment "
                "with another sandbox policy",
                code="K-SEC-006",
                hint="pass its name, or a template of this environment",
            )
        return spec
    if isinstance(spec, list | tuple):
        for item in spec:
            if not isinstance(item, str):
                raise _not_a_name(item, " in the list of names")
        return ctx.environment.select_template([resolve_name(ctx, s) for s in spec])
    if not isinstance(spec, str):
        raise _not_a_name(spec, "")
    name = resolve_name(ctx, spec)
    try:
        return ctx.environment.get_template(name)
    except TemplateNotFoundError as error:
        if error.name != name:  # a template it needs in turn is missing: already located
            raise
        # Located at the extends/include/import statement that named it, not at the name.
        raise TemplateNotFoundError(
            error.message, hint=_near_miss(ctx, name) or error.hint, code=error.code
        ) from None


def _not_a_name(value: Any, where: str) -> TemplateRuntimeError:
    return TemplateRuntimeError(
        f"cannot load a template from {value!r:.60} ({type(value).__name__}){where}",
        hint="pass a template name, a list of names, or a Template",
    )


def _near_miss(ctx: RenderContext, name: str) -> str | None:
    """A "did you mean" among the loader's templates (computed only for the error)."""
    loader = ctx.environment.loader
    try:
        known = loader.list_templates() if loader is not None else []
    except (OSError, TypeError, NotImplementedError):
        return None
    return suggest(name, known)


def include(
    ctx: RenderContext, spec: Any, ignore_missing: bool, caller: str | None = None
) -> "Template | None":
    """The template of an ``{% include %}`` (None when missing and ``ignore missing``).

    ``caller``: resolve ``./``/``../`` names of ``spec`` against that template first; a name
    climbing above the root or an unknown alias counts as missing, as in kida-templates."""
    try:
        return load(ctx, spec if caller is None else relative_to(spec, caller))
    except TemplateNotFoundError:
        if ignore_missing:
            return None
        raise


def _include_cycle(chain: tuple[tuple[str | None, int], ...]) -> str:
    """The first repeating part of an include chain, as ``a.html:3 → b.html:1 → a.html``."""
    names = [name for name, _ in chain]
    for start, name in enumerate(names):
        if name in names[start + 1 :]:
            end = names.index(name, start + 1)
            steps = [f"{step or '<string>'}:{line}" for step, line in chain[start:end]]
            return " → ".join([*steps, name or "<string>"])
    return " → ".join(f"{step or '<string>'}:{line}" for step, line in chain)


def include_context(
    ctx: RenderContext, template: "Template", extra: dict[str, Any], only: bool, lineno: int
) -> RenderContext:
    """The context of an included or embedded template; refuses runaway include recursion."""
    chain = (*ctx.includes, (ctx.template.name, lineno))
    limit = ctx.environment.max_include_depth  # a template including itself endlessly stops here
    if len(chain) > limit:
        raise RenderLimitError(
            f"includes nested more than {limit} deep: {_include_cycle(chain)}",
            hint="a template includes itself; guard the include with an {% if %} that ends "
            "({% try %} does not catch this error)",
        )
    sub = ctx.derive(template, extra, only=only)
    sub.includes = chain
    if ctx.state.instruments is not None and ctx.state.instruments.accumulator is not None:
        ctx.state.instruments.accumulator.record_include(template.name or "<string>")
    return sub


def check_extends_depth(limit: int, depth: int, name: str | None) -> None:
    """Refuse an inheritance chain longer than ``max_extends_depth``."""
    if depth > limit:
        raise RenderLimitError(
            f"{{% extends %}} chain deeper than {limit} templates (at {name or '<string>'!r})",
            hint="flatten the layout hierarchy or raise Environment(max_extends_depth=...)",
            code=ErrorCode.RUNTIME_ERROR,
        )


def register(ctx: RenderContext, template: "Template") -> None:
    """Make ``template``'s blocks the fallbacks of the blocks already registered."""
    blocks = ctx.blocks
    state = ctx.state
    observed = state.instruments is not None or state.cached_blocks is not None
    for name, functions in template.block_functions.items():
        if observed:
            functions = observed_block(state, template, functions, effective=name not in blocks)
        if name in blocks:
            blocks[name].append(functions)
        else:
            blocks[name] = [functions]


def register_embed(ctx: RenderContext, overrides: dict[str, BlockTuple]) -> None:
    """Register the block overrides of an ``{% embed %}`` before the embedded template's own."""
    for name, functions in overrides.items():
        ctx.blocks.setdefault(name, []).append(BlockFunctions(name, *functions))


def check_extends_cycle(chain: "Sequence[Template]", parent: "Template") -> None:
    """Refuse a parent already in the inheritance chain (most derived first), naming the
    cycle: without blocks to collide, a cycle would otherwise run to ``max_extends_depth``."""
    start = next(
        (
            i
            for i, member in enumerate(chain)
            if member is parent or (parent.name is not None and member.name == parent.name)
        ),
        None,
    )
    if start is None:
        return
    steps = [_extends_step(member) for member in chain[start:]]
    raise TemplateRuntimeError(
        f"circular extends: {' → '.join([*steps, parent.name or '<string>'])}",
        name=chain[-1].name,
        hint="a template cannot extend itself, directly or through its parents; "
        "point one of these {% extends %} at a template outside the cycle",
        code=ErrorCode.CIRCULAR_IMPORT,
    )


def _extends_step(template: "Template") -> str:
    """``name:line`` of a template's ``{% extends %}`` (just the name if it has no tree)."""
    tag = next(extends_tags(template.tree.body), None)
    name = template.name or "<string>"
    return name if tag is None else f"{name}:{tag.lineno}"


def extends(ctx: RenderContext, spec: Any) -> "Template":
    """The parent of an extending template, with its blocks registered after the child's."""
    chain = (*ctx.extended, ctx.template)
    check_extends_depth(ctx.environment.max_extends_depth, len(chain), ctx.template.name)
    parent = load(ctx, spec)
    check_extends_cycle(chain, parent)
    register(ctx, parent)
    ctx.extended = chain
    ctx.template = parent
    return parent


def _exports(ctx: RenderContext) -> dict[str, Any]:
    globals_ = ctx.environment.globals
    return {k: v for k, v in ctx.items() if globals_.get(k, ctx) is not v}


def _import_context(ctx: RenderContext, spec: Any, lineno: int) -> RenderContext:
    """The context an imported template's top level runs in; refuses import cycles (a
    template importing itself, directly or through others, would recurse without end)."""
    template = load(ctx, spec)
    chain = (*ctx.imports, (ctx.template, lineno))
    if any(importer is template for importer, _ in chain):
        start = next(i for i, (importer, _) in enumerate(chain) if importer is template)
        steps = [f"{t.name or '<string>'}:{line}" for t, line in chain[start:]]
        raise TemplateRuntimeError(
            f"circular import: {' → '.join([*steps, template.name or '<string>'])}",
            hint="move the shared defs into a template that imports neither",
            code=ErrorCode.CIRCULAR_IMPORT,
        )
    sub = ctx.derive(template, only=True)
    sub.imports = chain
    register(sub, template)
    return sub


def import_template(ctx: RenderContext, spec: Any, lineno: int) -> dict[str, Any]:
    """``{% import %}``: run the template's top level alone and return what it defined.

    Not cached across renders: the defs close over this render's state (``provide``/``push``).
    """
    sub = _import_context(ctx, spec, lineno)
    discarded: list[str] = []
    sub.template.render_into(sub, discarded.append)
    return _exports(sub)


async def import_template_async(ctx: RenderContext, spec: Any, lineno: int) -> dict[str, Any]:
    """``{% import %}`` in the async renderer (the imported defs may be async)."""
    sub = _import_context(ctx, spec, lineno)
    async for _ in sub.template.astream_into(sub):
        pass
    return _exports(sub)


def imported(namespace: dict[str, Any], name: str, source: str) -> Any:
    """One name of a ``{% from ... import name %}``; a name the template does not define is
    an error naming it and what the template does define."""
    try:
        return namespace[name]
    except KeyError:
        known = ", ".join(sorted(namespace)) or "nothing"
        raise UndefinedError(
            f"{source} defines no {name!r}",
            hint=suggest(name, namespace) or f"it defines: {known}",
            code=ErrorCode.MACRO_NOT_FOUND,
        ) from None


def as_macro(value: Any) -> Macro:
    """The target of a ``{% call %}``."""
    if isinstance(value, Macro):
        return value
    raise TemplateRuntimeError(
        f"{{% call %}} needs a def, got a {type(value).__name__}",
        hint="declare it with {% def name() %}",
    )


def caller_or_empty(caller: Caller | None, autoescape: bool) -> Caller:
    """``caller`` inside a def that was called without a ``{% call %}`` block."""
    return caller if caller is not None else Caller({}, autoescape)


def push(ctx: RenderContext, stack: str, text: str) -> None:
    """``{% push name %}``: add to a named stack."""
    ctx.state.stacks.setdefault(stack, []).append(text)


def stack_placeholder(ctx: RenderContext, stack: str) -> str:
    """``{% stack name %}`` in the page output: filled with every push of the render at its
    end (``RenderState.finish``; the streams hold their output back from here, see
    :func:`hold_stacks`). Its text is what was pushed so far, which is what a capture (a
    ``{% try %}``, a def) joining it keeps."""
    placeholder = StackPlaceholder("".join(ctx.state.stacks.get(stack, ())))
    placeholder.stack = stack
    ctx.state.placeholders = True
    return placeholder


def stack(ctx: RenderContext, stack: str) -> str:
    """``{% stack name %}`` inside a def or a capture, whose text is joined before the render
    ends: what was pushed so far."""
    return "".join(ctx.state.stacks.get(stack, ()))


def hold_stacks(stream: Iterator[str], state: RenderState, held: list[str]) -> Iterator[str]:
    """``stream``'s chunks until the first ``{% stack %}``, then, once the render is over,
    the rest in one chunk with every stack filled (``held`` collects it meanwhile)."""
    try:
        for chunk in stream:
            if type(chunk) is StackPlaceholder:
                held.append(chunk)
                for chunk in stream:
                    held.append(chunk)  # noqa: PERF402 (a sandbox's buffer counts each append)
                yield state.finish(held)
                return
            yield chunk
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


async def ahold_stacks(
    stream: AsyncIterator[str], state: RenderState, held: list[str]
) -> AsyncIterator[str]:
    """:func:`hold_stacks` for the async renderer; closing it closes ``stream``."""
    try:
        async for chunk in stream:
            if type(chunk) is StackPlaceholder:
                held.append(chunk)
                async for chunk in stream:
                    held.append(chunk)
                yield state.finish(held)
                return
            yield chunk
    finally:
        await close_source(stream)


def spaceless(text: str) -> str:
    """Remove whitespace between tags."""
    return _SPACE_BETWEEN_TAGS.sub("><", text).strip()


def translate(
    ctx: RenderContext, singular: str, plural: str | None, count: Any, variables: dict[str, Any]
) -> str:
    """``{% trans %}`` through the ``gettext``/``ngettext`` globals (identity when absent)."""
    if plural is None:
        gettext = ctx.get("gettext")
        text = gettext(singular) if callable(gettext) else singular
    else:
        ngettext = ctx.get("ngettext")
        if callable(ngettext):
            text = ngettext(singular, plural, count)
        else:
            text = singular if count == 1 else plural
    # Placeholders are %(name)s and literal % is %%, so always format, even with no variables.
    if ctx.template.autoescape:
        return str(Markup(text) % variables)
    return text % variables
