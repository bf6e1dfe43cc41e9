"""A WebSocket chat with a model session, streaming each reply token by token.

Protocol (JSON frames). Client → server: ``{"type": "message", "content": "Hi"}`` (optionally
``"conversation": id`` on the first message to continue a stored chat) and
``{"type": "cancel"}``. Server → client: ``{"type": "start", "conversation": id}``, one
``{"type": "token", "text": ...}`` per piece, then ``{"type": "done", "status": ...,
"message": id, "completion_tokens": n, "tokens_per_second": r}`` (decode speed) or
``{"type": "error", "message": ...}``.
Disconnecting cancels the reply, which is stored with its partial text. ``start`` also says
how many of the oldest messages the session's history budget left out of the prompt
(``"omitted": n``).

With ``TALU_API_KEY`` set, only a logged-in user (Channels' ``AuthMiddlewareStack``) or a
client offering the subprotocol ``djtalu-key.<TALU_API_KEY>`` may connect; anyone else is
closed with code 4401. A page passes the key as ``new WebSocket(url, ["djtalu",
"djtalu-key." + key])`` (a key used this way must be made of URL-safe characters).
"""

import asyncio
import contextlib
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from djtalu.api import AsyncChat, RecordedReply, resolve_session
from djtalu.conf import talu_settings
from djtalu.engine import GenerationError
from djtalu.models import Conversation
from djtalu.openai.doors import key_matches
from djtalu.pools import SessionUnavailableError

#: Close code for an unknown or disabled session (4000-4999 are free for applications).
_CLOSE_NO_SESSION = 4404
#: Close code for a client without the API key (when ``TALU_API_KEY`` is set).
_CLOSE_UNAUTHORIZED = 4401
#: Prefix of the subprotocol that carries the API key.
_KEY_PROTOCOL = "djtalu-key."


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One chat per socket; one reply at a time."""

    chat: AsyncChat
    reply: RecordedReply | None = None
    task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        if not self._authorized():
            await self.close(code=_CLOSE_UNAUTHORIZED)
            return
        name = self.scope["url_route"]["kwargs"]["session"]
        try:
            session = await resolve_session(name)
        except SessionUnavailableError:
            await self.close(code=_CLOSE_NO_SESSION)
            return
        if not session.enabled:
            await self.close(code=_CLOSE_NO_SESSION)
            return
        self.chat = AsyncChat(session)
        await self.accept(subprotocol=self._chosen_protocol())

    def _authorized(self) -> bool:
        """No key configured, a logged-in user, or the key offered as a subprotocol."""
        if not talu_settings().api_key:
            return True
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return True
        return any(
            protocol.startswith(_KEY_PROTOCOL) and key_matches(protocol.removeprefix(_KEY_PROTOCOL))
            for protocol in self.scope.get("subprotocols", [])
        )

    def _chosen_protocol(self) -> str | None:
        """A browser fails the handshake unless the server picks one of the offered protocols:
        the first that is not the key (the key's own only when nothing else was offered)."""
        offered: list[str] = list(self.scope.get("subprotocols", []))
        plain = [protocol for protocol in offered if not protocol.startswith(_KEY_PROTOCOL)]
        return next(iter(plain or offered), None)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "cancel":
            if self.reply is not None:
                await self.reply.cancel()
        elif kind == "message":
            if self.task is not None and not self.task.done():
                await self.send_json({"type": "error", "message": "a reply is still streaming"})
                return
            self.task = asyncio.create_task(self._answer(content))
        else:
            await self.send_json({"type": "error", "message": f"unknown message type {kind!r}"})

    async def disconnect(self, code: int) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _answer(self, content: dict[str, Any]) -> None:
        """Stream the reply to ``content["content"]``, then say how it ended."""
        try:
            await self._continue(content.get("conversation"))
            self.reply = await self.chat.send(str(content.get("content") or ""))
        except (ValueError, LookupError, GenerationError) as exc:
            await self.send_json({"type": "error", "message": str(exc)})
            return
        await self.send_json(
            {
                "type": "start",
                "conversation": self.reply.conversation.pk,
                "omitted": self.reply.omitted_messages,
            }
        )
        try:
            async with self.reply as reply:
                async for piece in reply:
                    await self.send_json({"type": "token", "text": piece})
        except GenerationError as exc:
            await self.send_json({"type": "error", "message": str(exc)})
            return
        message = self.reply.message
        assert message is not None  # a finished RecordedReply has saved itself
        await self.send_json(
            {
                "type": "done",
                "status": message.status,
                "message": message.pk,
                "completion_tokens": message.completion_tokens,
                "tokens_per_second": reply.result.timings.get("tokens_per_second")
                if reply.result is not None
                else None,
            }
        )

    async def _continue(self, conversation_id: Any) -> None:
        """Attach a stored conversation of this session before the first message."""
        if conversation_id is None or self.chat.conversation is not None:
            return
        session = await resolve_session(self.scope["url_route"]["kwargs"]["session"])
        try:
            self.chat.conversation = await Conversation.objects.aget(
                pk=int(conversation_id), session=session
            )
        except (Conversation.DoesNotExist, TypeError, ValueError):
            raise ValueError(f"no conversation {conversation_id!r} in this session") from None
