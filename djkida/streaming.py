"""Progressive rendering: a template streamed into ``StreamingHttpResponse`` as it renders.

Awaitables and async iterables in the context are consumed where the template uses them
(``{{ await stats }}``, ``{% async for row in rows %}``), so the page's first bytes leave before
any slow source resolves. The first chunk is rendered before the response is returned, so an
error there is an ordinary exception (a 500, or Django's debug page). An error after it can no
longer change the status: the body ends with a visible fallback and the error is logged. A client
that disconnects cancels the render, which closes every source.
"""

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping, Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.utils.html import escape

from djkida.backend import Kida, announce_render, kida_backend
from djkida.conf import djkida_settings
from djkida.failures import log_shown_failure
from djkida.htmx import htmx_scope
from djkida.partials import split_partial
from djkida.prefetch import coalesce
from djkida.responses import AsyncStreamingResponse, aclose_quietly

logger = logging.getLogger("djkida")

_STREAM_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
_PRODUCTION_FALLBACK = "<!-- djkida: rendering failed here; the rest of this page is missing -->"


async def stream(
    request: HttpRequest,
    template_name: str | Sequence[str],
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    using: str | None = None,
    timeout: float | None = None,
) -> StreamingHttpResponse:
    """Stream ``template_name`` (or the first existing of several) rendered with ``context``.

    A partial name, ``"page.html#stats"``, streams that block, fragment or region alone.

    ``timeout`` bounds the whole render (default ``DJKIDA_STREAM_TIMEOUT``).

    Example::

        async def dashboard(request):
            return await djkida.stream(request, "dashboard.html", {"stats": load_stats()})

        async def stats(request):  # an htmx fragment response
            return await djkida.stream(request, "dashboard.html#stats", {"stats": load_stats()})
    """
    return await _render_streaming(
        request, template_name, None, context, status, headers, using, timeout
    )


async def stream_block(
    request: HttpRequest,
    template_name: str | Sequence[str],
    block_name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    using: str | None = None,
    timeout: float | None = None,
) -> StreamingHttpResponse:
    """Stream only block ``block_name`` of the template, as :func:`stream` streams a page.

    Example::

        async def rows(request):
            return await djkida.stream_block(request, "report.html", "rows", {"rows": fetch()})
    """
    return await _render_streaming(
        request, template_name, block_name, context, status, headers, using, timeout
    )


async def _render_streaming(
    request: HttpRequest,
    template_name: str | Sequence[str],
    block_name: str | None,
    context: Mapping[str, Any] | None,
    status: int,
    headers: Mapping[str, str] | None,
    using: str | None,
    timeout: float | None,
) -> StreamingHttpResponse:
    """Start rendering the page (or block) and :func:`respond` with it.

    An error while preparing the render propagates after closing the context's sources.
    """
    limit = timeout if timeout is not None else djkida_settings().stream_timeout
    if block_name is None and isinstance(template_name, str):
        template_name, block_name = split_partial(template_name)
    try:
        backend = kida_backend(using)
        template = backend.select_template(template_name)
        variables = await request_variables(backend, context, request)
        announce_render(template, variables)
        with backend.django_errors(), htmx_scope(request):
            if block_name is None:
                chunks = template.template.render_stream_async(timeout=limit, **variables)
            else:
                chunks = template.template.render_block_stream_async(
                    block_name, timeout=limit, **variables
                )
    except BaseException:
        await close_sources((context or {}).values())
        raise
    return await respond(backend, template.name, chunks, variables, status, headers)


async def respond(
    backend: Kida,
    template_name: str | None,
    chunks: AsyncIterator[str],
    variables: Mapping[str, Any],
    status: int,
    headers: Mapping[str, str] | None,
) -> StreamingHttpResponse:
    """The streaming response for ``chunks``, whose first batch is pulled before it exists.

    Chunks ready together leave as one write (:func:`~djkida.prefetch.coalesce`), so the
    first is everything the render produced before it waited on a source: an error there is an
    ordinary exception (Django's template errors included); it closes ``chunks`` and the
    ``variables``' sources first, as the end of the response does later, however it ends.
    ``headers`` are added to (and override) :data:`_STREAM_HEADERS` and the streaming headers
    (:data:`~djkida.responses.STREAMING_HEADERS`).
    """
    batches = coalesce(chunks)

    def close_all() -> Awaitable[None]:
        return close_sources([batches, chunks, *variables.values()])

    try:
        with backend.django_errors():
            first = await anext(batches, "")
    except BaseException:
        await close_all()
        raise
    body = _stream_body(first, batches, backend.debug, template_name)
    return AsyncStreamingResponse(
        body,
        on_close=close_all,
        status=status,
        headers={**_STREAM_HEADERS, **(headers or {})},
    )


async def request_variables(
    backend: Kida, context: Mapping[str, Any] | None, request: HttpRequest
) -> dict[str, Any]:
    """The template's variables, gathered without running sync database code on the event loop.

    ``request.user`` is resolved first (a lazy user read by the template would query the
    database from async code); context processors are sync and may query, so they run in a
    thread. The CSRF token is made now: the headers (and so the CSRF cookie) leave with the
    first chunk, before the template may reach ``{{ csrf_input }}``.
    """
    if hasattr(request, "auser"):
        request.user = await request.auser()
    get_token(request)
    return await sync_to_async(backend.template_context)(context, request)


async def _stream_body(
    first: str, batches: AsyncIterator[str], debug: bool, template_name: str | None
) -> AsyncIterator[str]:
    """The response body: ``first``, then the render; an error ends it with a fallback.

    Closing the render and the sources it never reached is the response's ``on_close``.
    """
    try:
        yield first
        async for batch in batches:
            yield batch
    except Exception as exc:
        # The page ends with a visible fallback: one line, the traceback only with debug.
        log_shown_failure(
            logger, exc, debug, "streaming template %s failed after its first chunk", template_name
        )
        yield _error_fallback(exc, debug)


def _error_fallback(exc: Exception, debug: bool) -> str:
    """What ends a page whose render failed mid-stream: the error with ``debug``, else a comment."""
    if debug:
        return f'<pre class="djkida-error">{escape(f"{type(exc).__name__}: {exc}")}</pre>'
    return _PRODUCTION_FALLBACK


async def close_sources(values: Iterable[object]) -> None:
    """Close the context's coroutines and async iterators (no-op for finished ones).

    Tasks and futures are left alone: another request may be awaiting the same one.
    """
    for value in values:
        if inspect.iscoroutine(value):
            value.close()
        elif isinstance(value, AsyncIterator):
            await aclose_quietly(value)
