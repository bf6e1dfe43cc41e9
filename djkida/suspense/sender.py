"""Turning a settled block into the chunk that fills it: rendered, or its error stand-in.

A block whose keys all resolved is rendered with the shell's variables plus every value settled
so far (keys still on their way stay ``None`` and in ``__defer_pending__``). A block whose key
failed, or whose rendering failed, becomes ``error_block`` (given ``error``, a short message,
and ``__defer_target__``) or a plain visible element; either way the error is logged and the
other blocks go on. The chunk is in the htmx or the full-page wire form.

Deferred blocks nested in a deferred block: a rendered outer block shows them with every value
settled so far, but a failed key is no value, so the stand-ins already sent for nested blocks
are sent again right after it (else their skeletons would come back over the errors). Blocks
inside an outer block's stand-in have no element left: they are not sent.
"""

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, cast

from djkida.failures import log_shown_failure
from djkida.htmx import metadata_scope
from djkida.suspense.discovery import DeferredBlock
from djkida.suspense.scheduler import Outcome
from djkida.suspense.wire import error_element, oob_element, page_swap

if TYPE_CHECKING:
    from kida import Template

logger = logging.getLogger("djkida")

#: The shell's (and each block's) variable naming the keys still on their way.
PENDING_VARIABLE = "__defer_pending__"
#: What an ``error_block`` sees besides ``error``: the id its root element must carry.
_TARGET_VARIABLE = "__defer_target__"
_PRODUCTION_MESSAGES = {
    TimeoutError: "This section took too long to load.",
    Exception: "This section could not be loaded.",
}


class DeferredSender:
    """Renders a settled block (or its error stand-in) in the wire form the client expects."""

    def __init__(
        self,
        template: "Template",
        shell: Mapping[str, Any],
        *,
        error_block: str | None,
        htmx: bool,
        nonce: str | None,
        debug: bool,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.shell = shell
        self.error_block = error_block
        self.htmx = htmx
        self.nonce = nonce
        self.debug = debug
        #: The request's htmx facts: the shell and every block render with them, as ``render()``
        #: does, though they start after the view returned, in the response's task.
        self.metadata = metadata or {}
        #: Block name → the stand-in sent for it (a block settles once: it keeps showing it).
        self.stand_ins: dict[str, str] = {}
        #: The blocks inside a stand-in that was sent: their elements are gone.
        self.replaced: set[str] = set()

    async def send(self, block: DeferredBlock, outcomes: Mapping[str, Outcome]) -> str:
        """The chunk that fills ``block`` once its keys have settled as in ``outcomes``
        (``""`` when an outer block's stand-in took its element away).

        Example::

            chunk = await sender.send(DeferredBlock("stats", "stats", frozenset({"stats"})),
                                      {"stats": Outcome(value={"total": 42})})
        """
        chunk = await self.fill(block, outcomes)
        # Rendered all the same: its failure is logged even when nobody sees it.
        return "" if block.name in self.replaced else chunk

    async def fill(self, block: DeferredBlock, outcomes: Mapping[str, Outcome]) -> str:
        """``block`` rendered and the stand-ins it covers again, or its own stand-in."""
        failed = [(key, outcomes[key].error) for key in sorted(block.keys) if key in outcomes]
        key, error = next(((key, exc) for key, exc in failed if exc is not None), (None, None))
        if error is None:
            try:
                chunk = self.wire(await self.render(block.name, self.variables(outcomes)), block)
            except Exception as exc:
                self.log(exc, "suspense block %r of %s failed", block.name, self.template.name)
                error = exc
            else:
                return chunk + self.restored(block)
        else:
            self.log(
                error,
                "suspense block %r of %s: context key %r failed",
                block.name,
                self.template.name,
                key,
            )
        stand_in = await self.error_chunk(block, outcomes, error)
        self.stand_ins[block.name] = stand_in
        self.replaced.update(block.nested)
        return stand_in

    def log(self, error: Exception, message: str, *args: object) -> None:
        """The page shows a stand-in: one line, the traceback only with ``debug``."""
        log_shown_failure(logger, error, self.debug, message, *args)

    def restored(self, block: DeferredBlock) -> str:
        """The stand-ins sent for blocks nested in ``block``, which its rendering shows pending."""
        return "".join(
            self.stand_ins[name]
            for name in block.nested
            if name in self.stand_ins and name not in self.replaced
        )

    async def error_chunk(
        self, block: DeferredBlock, outcomes: Mapping[str, Outcome], error: Exception
    ) -> str:
        """The block's stand-in: ``error_block`` if given and working, else a plain element."""
        message = self.message(error)
        if self.error_block is not None:
            variables = {
                **self.variables(outcomes),
                "error": message,
                _TARGET_VARIABLE: block.target,
            }
            try:
                return self.wire(await self.render(self.error_block, variables), block)
            except Exception:
                logger.exception("suspense error_block %r failed", self.error_block)
        return self.wire(error_element(block.target, message), block)

    def variables(self, outcomes: Mapping[str, Outcome]) -> dict[str, Any]:
        """The shell's variables with every successfully settled key filled in."""
        values = {key: o.value for key, o in outcomes.items() if o.error is None}
        pending = self.shell[PENDING_VARIABLE] - values.keys()
        return {**self.shell, **values, PENDING_VARIABLE: frozenset(pending)}

    async def render(self, block_name: str, variables: Mapping[str, Any]) -> str:
        """One block rendered to a string (async templates included)."""
        with metadata_scope(self.metadata):
            stream = self.template.render_block_stream_async(block_name, **variables)
        async with aclosing(render_generator(stream)) as parts:
            return "".join([part async for part in parts])

    def wire(self, html: str, block: DeferredBlock) -> str:
        """``html`` in the htmx out-of-band form or the full-page template + script form."""
        if self.htmx:
            return oob_element(html, block.target, block.name)
        return page_swap(html, block.target, block.name, self.nonce)

    def message(self, error: Exception) -> str:
        """What the page says about ``error``: its details only with ``DEBUG``."""
        if self.debug:
            return f"{type(error).__name__}: {error}"
        kind = TimeoutError if isinstance(error, TimeoutError) else Exception
        return _PRODUCTION_MESSAGES[kind]


def render_generator(chunks: AsyncIterator[str]) -> AsyncGenerator[str]:
    """kida's render streams as what they are: async generators, whose ``aclose()`` closes the
    sources the template was consuming."""
    return cast("AsyncGenerator[str]", chunks)
