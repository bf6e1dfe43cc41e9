"""LLM output as SSE events for htmx: two ways to put tokens in a page.

- :func:`stream_tokens`, the native O(n) path: the block itself consumes the tokens with
  ``{% async for token in tokens %}{{ token }}{% end %}`` and each piece kida streams leaves as
  an event the page appends (``sse-swap="token" hx-swap="beforeend"``; an ``EventStream``
  joins pieces that are ready together into one). Every token is escaped by the template on
  its own, so markup split across tokens (``"<scr"``, ``"ipt>"``) stays text. Keep wrapper
  markup in the page, not in the block: each event is parsed alone.
- :func:`stream_to_fragments` / :func:`stream_with_sources`, the compatible pattern: after every
  token the block is rendered again with the whole text so far (``text``) and replaces the
  element (``hx-swap="innerHTML"``). O(n²) bytes and CPU, but any block works unchanged.

All end with an empty ``done`` event, so the page can stop with ``sse-close="done"``. Closing
the stream (client disconnect) closes the token source.

Example::

    async def answer(request):
        tokens = llm.stream(request.GET["q"])
        return EventStream(stream_tokens(tokens, "chat.html", "reply"))
"""

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from djkida.fragments import Fragment
from djkida.responses import aclose_quietly
from djkida.sse import SSEEvent

__all__ = ["stream_to_fragments", "stream_tokens", "stream_with_sources"]

_DONE = "done"


async def stream_tokens(
    tokens: AsyncIterable[str],
    template: str,
    block: str,
    *,
    context: Mapping[str, Any] | None = None,
    tokens_key: str = "tokens",
    name: str = "token",
    done: str = _DONE,
    timeout: float | None = None,
) -> AsyncIterator[SSEEvent]:
    """Render ``block`` once, streaming: each piece is an SSE event named ``name`` to append.

    The events are ``append`` events, so pieces that are ready together (a fast model, a worker
    that buffered tokens for a slow reader) leave an :class:`~djkida.sse.EventStream` as one.
    ``tokens`` reaches the block as ``tokens_key``; ``timeout`` bounds the whole render.

    Example::

        # chat.html: {% block reply %}{% async for t in tokens %}{{ t }}{% end %}{% endblock %}
        EventStream(stream_tokens(llm_tokens, "chat.html", "reply"))
    """
    async with _closing(tokens):
        compiled = Fragment(template, block).template()
        context = {**(context or {}), tokens_key: tokens}
        pieces = compiled.render_block_stream_async(block, timeout=timeout, **context)
        async with _closing(pieces):
            async for piece in pieces:
                if piece:
                    yield SSEEvent(piece, event=name, append=True)
    yield SSEEvent("", event=done)


async def stream_to_fragments(
    tokens: AsyncIterable[str],
    template: str,
    block: str,
    *,
    context: Mapping[str, Any] | None = None,
    name: str = "token",
    text_key: str = "text",
    done: str = _DONE,
) -> AsyncIterator[SSEEvent]:
    """After each token, ``block`` rendered with the text so far (``text_key``), to replace.

    Example::

        # chat.html: {% block reply %}<p>{{ text }}</p>{% endblock %}
        EventStream(stream_to_fragments(llm_tokens, "chat.html", "reply"))
    """
    text = ""
    async with _closing(tokens):
        async for token in tokens:
            text += token
            fragment = Fragment(template, block, {**(context or {}), text_key: text})
            yield SSEEvent(await fragment.render_async(), event=name)
    yield SSEEvent("", event=done)


async def stream_with_sources(
    tokens: AsyncIterable[str],
    template: str,
    *,
    sources: Any,
    response_block: str = "response",
    sources_block: str = "sources",
    context: Mapping[str, Any] | None = None,
    name: str = "token",
    sources_name: str = "sources",
    text_key: str = "text",
    done: str = _DONE,
) -> AsyncIterator[SSEEvent]:
    """The retrieval pattern: ``sources_block`` (with ``sources``) at once, then the answer.

    Example::

        docs = await search(question)
        EventStream(stream_with_sources(llm_tokens, "ask.html", sources=docs))
    """
    base = {**(context or {}), "sources": sources}
    async with _closing(tokens):
        sources_fragment = Fragment(template, sources_block, base)
        yield SSEEvent(await sources_fragment.render_async(), event=sources_name)
        answer = stream_to_fragments(
            tokens, template, response_block, context=base, name=name, text_key=text_key, done=done
        )
        async with _closing(answer):
            async for event in answer:
                yield event


@asynccontextmanager
async def _closing(source: AsyncIterable[Any]) -> AsyncIterator[None]:
    """Close ``source`` (when it can be closed) however the stream ends: done, error, disconnect."""
    try:
        yield
    finally:
        await aclose_quietly(source)
