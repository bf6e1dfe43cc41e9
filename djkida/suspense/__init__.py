"""Suspense: send the whole page at once, then each slow section the moment its data is ready.

The view passes slow values as awaitables. The shell is the template rendered with each of them
set to ``None`` and ``__defer_pending__`` naming them, so it can show skeletons::

    {% block stats %}<section id="stats">
      {% if stats is none %}<p class="skeleton">Loading…</p>{% else %}{{ stats.total }}{% end %}
    </section>{% endblock %}

Every awaitable then resolves in its own task; as soon as the keys a block uses have settled,
that block is rendered again with the real values and sent after the shell, in the same
response, to replace its element (see :mod:`djkida.suspense.wire` for the convention: the block
renders the element with the target id itself). A failed or timed-out key replaces its blocks
with an error element; a value that is not awaitable (a cache hit) simply renders in the shell.
Pages that load suspense responses through htmx also load ``djkida/suspense-htmx.js`` (after
htmx 2), which swaps the shell and then each section as the response streams, and puts the
sections of a full-page response (boosts, history restores) in place before htmx swaps it, so
that no inline script has to pass the page's CSP.
"""

import inspect
from collections.abc import AsyncGenerator, Awaitable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, StreamingHttpResponse
from django.middleware.csp import get_nonce
from django.utils.cache import patch_vary_headers

from djkida.backend import announce_render, kida_backend
from djkida.htmx import htmx_metadata, metadata_scope
from djkida.streaming import close_sources, request_variables, respond
from djkida.suspense.discovery import (
    BlockInfo,
    DeferredBlock,
    SuspenseError,
    describe_blocks,
    find_deferred_blocks,
    template_blocks,
)
from djkida.suspense.scheduler import cancel, ready_blocks, start
from djkida.suspense.sender import PENDING_VARIABLE, DeferredSender, render_generator

if TYPE_CHECKING:
    from kida import Template

__all__ = ["SuspenseError", "suspense"]

#: Says which wire form the body uses; ``djkida/suspense-htmx.js`` swaps "oob" as it streams.
_FORM_HEADER = "Djkida-Suspense"

type Timeouts = float | Mapping[str, float | None] | None


async def suspense(
    request: HttpRequest,
    template_name: str | Sequence[str],
    context: Mapping[str, Any] | None = None,
    *,
    defer_blocks: Mapping[str, str | Sequence[str]] | None = None,
    defer_map: Mapping[str, str] | None = None,
    timeout: Timeouts = None,
    error_block: str | None = None,
    using: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> StreamingHttpResponse:
    """Stream the shell of ``template_name`` now and each deferred block when its keys settle.

    ``defer_blocks`` (key → block names) overrides which blocks a key fills; ``defer_map``
    (block → DOM id, default the block name) says which element each replaces; ``timeout`` is
    seconds for every key or a key → seconds mapping; ``error_block`` names a block rendered
    (with ``error``, a short message, and ``__defer_target__``) in place of a failed one.
    Configuration mistakes raise :class:`SuspenseError` before the first byte.

    Example::

        async def dashboard(request):
            return await djkida.suspense(
                request, "dashboard.html",
                {"user": request.user, "stats": load_stats(), "feed": load_feed()},
                timeout={"feed": 2.0}, error_block="section_error",
            )
    """
    backend = kida_backend(using)
    try:
        template = backend.select_template(template_name)
        variables = await request_variables(backend, context, request)
        sources = {key: value for key, value in variables.items() if inspect.isawaitable(value)}
        blocks = template_blocks(template.template)
        plan = _plan_blocks(blocks, variables, sources, defer_blocks, defer_map, template.name)
        timeouts = _key_timeouts(timeout, variables)
        _check_error_block(blocks, error_block, template.name)
    except BaseException:
        # Nothing will await the view's coroutines now: close them (no "never awaited").
        await close_sources((context or {}).values())
        raise
    shell = {**variables, **dict.fromkeys(sources), PENDING_VARIABLE: frozenset(sources)}
    announce_render(template, shell)
    htmx = _is_htmx_swap(request)
    sender = DeferredSender(
        template.template,
        shell,
        error_block=error_block,
        htmx=htmx,
        nonce=_csp_nonce(request),
        debug=backend.debug,
        metadata=htmx_metadata(request),
    )
    chunks = _suspense_chunks(template.template, shell, plan, sources, timeouts, sender)
    form = {_FORM_HEADER: "oob" if htmx else "page"}
    response = await respond(
        backend, template.name, chunks, shell, status, {**form, **(headers or {})}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _plan_blocks(
    blocks: Sequence[BlockInfo],
    variables: Mapping[str, Any],
    sources: Mapping[str, Awaitable[Any]],
    defer_blocks: Mapping[str, str | Sequence[str]] | None,
    defer_map: Mapping[str, str] | None,
    template_name: str | None,
) -> list[DeferredBlock]:
    """The deferred blocks for this request's awaitable ``sources``."""
    unknown = sorted(set(defer_blocks or {}) - variables.keys())
    if unknown:
        raise SuspenseError(f"defer_blocks names keys that are not in the context: {unknown}")
    return find_deferred_blocks(
        blocks,
        sources.keys(),
        defer_blocks=defer_blocks,
        defer_map=defer_map,
        template_name=template_name,
    )


def _check_error_block(
    blocks: Sequence[BlockInfo], error_block: str | None, template_name: str | None
) -> None:
    """``error_block`` must be a block of the template (or of one it extends)."""
    if error_block is not None and error_block not in {block.name for block in blocks}:
        raise SuspenseError(
            f"error_block {error_block!r} is not a block of {template_name!r}; "
            f"{describe_blocks(blocks)}"
        )


def _key_timeouts(timeout: Timeouts, variables: Mapping[str, Any]) -> dict[str, float | None]:
    """Seconds allowed per key: one number for all, or a mapping (keys must be in the context).

    Example::

        >>> _key_timeouts({"feed": 2}, {"feed": None, "stats": None})
        {'feed': 2}
    """
    if timeout is None or isinstance(timeout, int | float):
        timeouts: dict[str, float | None] = dict.fromkeys(variables, timeout)
    else:
        timeouts = dict(timeout)
        unknown = sorted(timeouts.keys() - variables.keys())
        if unknown:
            raise SuspenseError(f"timeout names keys that are not in the context: {unknown}")
    for key, seconds in timeouts.items():
        if seconds is not None and not (isinstance(seconds, int | float) and seconds > 0):
            raise SuspenseError(f"timeout for {key!r} must be a positive number, not {seconds!r}")
    return timeouts


def _is_htmx_swap(request: HttpRequest) -> bool:
    """An htmx request that swaps a part of the page (boosts and history restores load pages)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not (htmx.boosted or htmx.history_restore_request)


def _csp_nonce(request: HttpRequest) -> str | None:
    """The request's CSP nonce, for the inline swap scripts.

    Django's CSP middleware keeps a lazy nonce that only reaches the header once read, so it
    is read here; ``request.csp_nonce`` is where django-csp puts it.
    """
    nonce = get_nonce(request)
    if nonce is None:
        nonce = getattr(request, "csp_nonce", None)
    return None if nonce is None else str(nonce)


async def _suspense_chunks(
    template: "Template",
    shell: Mapping[str, Any],
    plan: Sequence[DeferredBlock],
    sources: Mapping[str, Awaitable[Any]],
    timeouts: Mapping[str, float | None],
    sender: DeferredSender,
) -> AsyncGenerator[str]:
    """The body: the whole shell, then each deferred block as soon as it is ready.

    The keys start resolving before the shell renders; closing this generator (the client went
    away) cancels whatever has not settled.
    """
    tasks = start(sources, timeouts)
    try:
        # The shell awaits nothing (every deferred key is None): one chunk, one write.
        with metadata_scope(sender.metadata):  # this task is not the view's: say it again
            shell_render = template.render_stream_async(**shell)
        async with aclosing(render_generator(shell_render)) as shell_chunks:
            yield "".join([chunk async for chunk in shell_chunks])
        async with aclosing(ready_blocks(plan, tasks)) as ready:
            async for block, outcomes in ready:
                if chunk := await sender.send(block, outcomes):
                    yield chunk
    finally:
        await cancel(tasks.values())
