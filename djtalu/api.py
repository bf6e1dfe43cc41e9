"""The async Python API views, consumers and templates use to talk to a model session.

Parameters left as ``None`` come from the session's defaults (set in the admin).
"""

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypedDict, Unpack

from pydantic import BaseModel

from djtalu.conf import talu_settings
from djtalu.engine import GenerationError, GenerationParams, GenerationResult
from djtalu.engine.context import PromptFit, prompt_budget
from djtalu.models import Conversation, Message, ModelSession
from djtalu.pools import GenerationStream, SessionUnavailableError, pool_for
from djtalu.structured import ResponseFormat, StructuredStream, generate_structured

_ROLES = frozenset(Message.Role.values)
#: How a reply that ended with each engine finish reason is stored.
_FINISH_STATUS: dict[str, Message.Status] = {
    "stop": Message.Status.COMPLETE,
    "length": Message.Status.COMPLETE,
    "cancelled": Message.Status.CANCELLED,
    "timeout": Message.Status.PARTIAL,
    "error": Message.Status.ERROR,
}
Prompt = str | Sequence[Mapping[str, str]]
#: A Pydantic model class or a JSON schema the reply must match.
Schema = type[BaseModel] | dict[str, Any] | ResponseFormat


class GenerationOverrides(TypedDict, total=False):
    """Per-call generation settings; any left out (or ``None``) come from the session.

    Example::

        overrides: GenerationOverrides = {"max_tokens": 32, "temperature": 0}
        result = await djtalu.generate_async("default", "Name a colour.", **overrides)
    """

    max_tokens: int | None
    temperature: float | None
    top_k: int | None
    top_p: float | None
    system: str | None
    seed: int | None
    stop: str | Sequence[str] | None


async def resolve_session(session: ModelSession | str) -> ModelSession:
    """The ModelSession itself, or the one named ``session``."""
    if isinstance(session, ModelSession):
        return session
    try:
        return await ModelSession.objects.aget(name=session)
    except ModelSession.DoesNotExist:
        raise SessionUnavailableError(f"no model session named {session!r}") from None


def to_messages(prompt: Prompt) -> list[dict[str, str]]:
    """Chat messages from a prompt string or a list of ``{"role", "content"}`` mappings.

    Raises ``ValueError`` with the offending position for anything else.
    """
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    messages = []
    for index, message in enumerate(prompt):
        if not isinstance(message, Mapping):
            raise ValueError(f"messages[{index}] must be a mapping with role and content")
        role, content = message.get("role"), message.get("content")
        if role not in _ROLES:
            raise ValueError(
                f"messages[{index}].role must be one of {sorted(_ROLES)}, not {role!r}"
            )
        if not isinstance(content, str):
            raise ValueError(f"messages[{index}].content must be a string")
        messages.append({"role": role, "content": content})
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("messages must end with a user message")
    return messages


def session_params(
    session: ModelSession, **overrides: Unpack[GenerationOverrides]
) -> GenerationParams:
    """The session's generation defaults with every non-None override applied.

    An unknown name raises ``TypeError`` (as an unknown keyword argument would).
    """
    unknown = sorted(overrides.keys() - GenerationOverrides.__optional_keys__)
    if unknown:
        raise TypeError(f"unexpected generation parameters: {', '.join(unknown)}")
    params = GenerationParams(
        max_tokens=session.max_tokens,
        temperature=session.temperature,
        top_k=session.top_k,
        top_p=session.top_p,
        seed=session.seed,
        system=session.system_prompt or None,
    )
    values: dict[str, object] = dict(overrides)
    stop = overrides.get("stop")
    values["stop"] = (stop,) if isinstance(stop, str) else None if stop is None else tuple(stop)
    return params.replace(**{name: value for name, value in values.items() if value is not None})


def fit_prompt(
    session: ModelSession,
    messages: list[dict[str, str]],
    params: GenerationParams,
    *,
    strict_max_tokens: bool = False,
) -> PromptFit:
    """``messages`` within the session's history budget and ``params.max_tokens`` within the
    model's context (``ContextLengthError`` when it cannot fit; see ``PromptBudget.fit``).

    A model directory that is not on this machine (distributed workers elsewhere) is not
    checked here.
    """
    path = Path(session.model_path)
    if not (path / "config.json").is_file():
        return PromptFit(messages, params, prompt_tokens=0, omitted_messages=0, context_length=0)
    return prompt_budget(path).fit(
        messages,
        params,
        max_prompt_tokens=session.max_prompt_tokens or None,
        strict_max_tokens=strict_max_tokens,
    )


async def stream_async(
    session: ModelSession | str,
    prompt_or_messages: Prompt,
    *,
    timeout: float | None = None,
    response_format: Schema | None = None,
    **overrides: Unpack[GenerationOverrides],
) -> GenerationStream:
    """Start a generation on ``session``'s workers and stream its text pieces.

    ``overrides`` (see :class:`GenerationOverrides`) replace the session's defaults; ``timeout``
    bounds the generation (default ``TALU_REQUEST_TIMEOUT``). With ``response_format`` (a
    Pydantic model or a JSON schema) the reply is grammar-constrained JSON, and ``collect()``
    returns it parsed in ``result.parsed`` or raises ``StructuredOutputError``. A prompt with
    ``max_tokens`` beyond the model's context raises ``ContextLengthError``.

    Example::

        stream = await djtalu.stream_async("default", "What is 2+2?", max_tokens=32)
        async for piece in stream:
            print(piece, end="")
    """
    model_session, fit = await _prepare(session, prompt_or_messages, response_format, overrides)
    pool = await pool_for(model_session)
    stream = pool.stream(fit.messages, fit.params, timeout=_timeout(timeout))
    if response_format is None:
        return stream
    return StructuredStream(stream, ResponseFormat.of(response_format))


async def generate_async(
    session: ModelSession | str,
    prompt_or_messages: Prompt,
    *,
    timeout: float | None = None,
    response_format: Schema | None = None,
    **overrides: Unpack[GenerationOverrides],
) -> GenerationResult:
    """Generate a whole reply: text, token counts, finish reason and timings.

    With ``response_format`` the result's ``parsed`` holds the reply as the Pydantic model (or
    JSON data for a schema); an invalid reply is generated again with another seed, up to
    ``djtalu.structured.ATTEMPTS`` times, then ``StructuredOutputError`` is raised.

    Example::

        result = await djtalu.generate_async("default", "Name a colour.", temperature=0)
        print(result.text, result.completion_tokens)
        person = (await djtalu.generate_async("default", "Invent a person.",
                                              response_format=Person)).parsed
    """
    if response_format is None:
        stream = await stream_async(session, prompt_or_messages, timeout=timeout, **overrides)
        async with stream:
            return await stream.collect()
    model_session, fit = await _prepare(session, prompt_or_messages, response_format, overrides)
    pool = await pool_for(model_session)
    return await generate_structured(
        pool,
        fit.messages,
        fit.params,
        ResponseFormat.of(response_format),
        timeout=_timeout(timeout),
    )


async def _prepare(
    session: ModelSession | str,
    prompt_or_messages: Prompt,
    response_format: Schema | None,
    overrides: GenerationOverrides,
) -> tuple[ModelSession, PromptFit]:
    model_session = await resolve_session(session)
    params = session_params(model_session, **overrides)
    if response_format is not None:
        params = ResponseFormat.of(response_format).apply(params)
    fit = fit_prompt(
        model_session,
        to_messages(prompt_or_messages),
        params,
        strict_max_tokens=overrides.get("max_tokens") is not None,
    )
    return model_session, fit


def _timeout(timeout: float | None) -> float | None:
    return timeout if timeout is not None else talu_settings().request_timeout


class AsyncChat:
    """A conversation with a model session that remembers (and persists) its history.

    Each ``send()`` stores the user's message, streams the reply and stores it when it ends:
    complete, or with its partial text when cancelled, timed out or failed.

    Example::

        chat = AsyncChat("default")
        async for piece in await chat.send("Hello!"):
            print(piece, end="")
        reply = await chat.send("And again?")
        print((await reply.collect()).text, chat.conversation.pk)
    """

    def __init__(
        self, session: ModelSession | str, *, conversation: Conversation | None = None
    ) -> None:
        self._session = session
        self.conversation = conversation

    async def send(
        self,
        text: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        seed: int | None = None,
        timeout: float | None = None,
    ) -> "RecordedReply":
        """Store ``text`` as the user's turn and stream the model's reply to the history."""
        if not text.strip():
            raise ValueError("a chat message cannot be empty")
        session = await resolve_session(self._session)
        conversation = await self._conversation(session, title=text)
        await Message.objects.acreate(
            conversation=conversation, role=Message.Role.USER, content=text
        )
        params = session_params(session, max_tokens=max_tokens, temperature=temperature, seed=seed)
        fit = fit_prompt(
            session, await self.history(), params, strict_max_tokens=max_tokens is not None
        )
        pool = await pool_for(session)
        stream = pool.stream(fit.messages, fit.params, timeout=_timeout(timeout))
        return RecordedReply(stream, conversation, omitted_messages=fit.omitted_messages)

    async def history(self) -> list[dict[str, str]]:
        """The conversation so far as chat messages (failed replies with no text left out)."""
        if self.conversation is None:
            return []
        return [
            {"role": message.role, "content": message.content}
            async for message in self.conversation.messages.all()
            if message.role == Message.Role.USER or message.content
        ]

    async def _conversation(self, session: ModelSession, *, title: str) -> Conversation:
        if self.conversation is None:
            self.conversation = await Conversation.objects.acreate(
                session=session, title=title[:80]
            )
        elif self.conversation.session_id != session.pk:
            raise ValueError(
                f"conversation {self.conversation.pk} belongs to another model session"
            )
        return self.conversation


class RecordedReply:
    """A reply stream that saves itself as an assistant Message when it ends, however it ends:
    complete, cancelled (or abandoned by a disconnected client), partial (timed out) or error
    (a failed or crashed worker), always with the text produced so far.

    ``message`` is the saved Message once the stream has ended, ``result`` its counts and
    timings (None if it failed before any); ``omitted_messages`` counts the oldest turns left
    out of the prompt by the session's history budget.
    """

    def __init__(
        self, stream: GenerationStream, conversation: Conversation, *, omitted_messages: int = 0
    ) -> None:
        self._stream = stream
        self.conversation = conversation
        self.omitted_messages = omitted_messages
        self._pieces: list[str] = []
        self.message: Message | None = None
        self.result: GenerationResult | None = None

    @property
    def cancelled(self) -> bool:
        return self._stream.cancelled

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        try:
            piece = await self._stream.__aiter__().__anext__()
        except StopAsyncIteration:
            await self.collect()
            raise
        except asyncio.CancelledError:  # the consuming task was cancelled (client gone)
            await asyncio.shield(self.cancel())
            raise
        except GenerationError as exc:
            await self._save(Message.Status.ERROR, error=exc)
            raise
        self._pieces.append(piece)
        return piece

    async def collect(self) -> GenerationResult:
        """The whole reply (saved with its token counts and how it ended)."""
        try:
            result = await self._stream.collect()
        except GenerationError as exc:
            await self._save(Message.Status.ERROR, error=exc)
            raise
        await self._save(_FINISH_STATUS[result.finish_reason], result=result)
        return result

    async def cancel(self) -> None:
        """Stop the reply and keep what was generated so far, marked cancelled."""
        await self._stream.cancel()
        await self.collect()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.message is None:
            await self.cancel()

    async def _save(
        self,
        status: Message.Status,
        *,
        result: GenerationResult | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Store the reply once; shielded so a cancelled request still records it."""
        if self.message is not None:
            return
        self.result = result
        self.message = Message(
            conversation=self.conversation,
            role=Message.Role.ASSISTANT,
            content=result.text if result is not None else "".join(self._pieces),
            status=status,
            error=f"{type(error).__name__}: {error}" if error is not None else "",
            prompt_tokens=result.prompt_tokens if result is not None else None,
            completion_tokens=result.completion_tokens if result is not None else None,
        )
        await asyncio.shield(self.message.asave())
