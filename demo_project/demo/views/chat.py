"""Chat with the local model: the page, the send endpoint and the reply's event stream.

Sending is a POST that returns a signed, single-use link; the page opens it with
``EventSource`` and each token arrives as an SSE event rendered by djkida's ``stream_tokens``
(escaped HTML to append). Closing the stream (the Stop button, a closed tab) cancels the
generation, and the reply is kept with what was written so far. The page can also talk to
djtalu's WebSocket consumer instead (``/ws/talu/<session>/``).
"""

import json
from collections.abc import AsyncIterator

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_POST

import djkida
from djkida.ai import stream_tokens
from djkida.route_names import reverse_route
from djtalu import AsyncChat, Conversation, GenerationError, ModelSession, RecordedReply
from djtalu.pools import SessionUnavailableError

#: The model session the chat talks to (``manage.py demo_setup`` creates it).
CHAT_SESSION = "default"
MAX_PROMPT = 2000
#: How the conversation list dates each entry (the page renders it; ``send`` answers with it).
LIST_TIME_FORMAT = "%b %d, %H:%M"
RECENT_CONVERSATIONS = 20
STREAM_SALT = "demo.chat.stream"
#: Seconds a reply link stays valid; it is opened right after the POST that made it.
STREAM_LINK_AGE = 60


async def chat(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    """A new chat, or the stored conversation ``pk``, with the latest conversations listed."""
    session = await ModelSession.objects.filter(name=CHAT_SESSION).afirst()
    conversation = None
    if pk is not None:
        conversation = await Conversation.objects.filter(pk=pk).afirst()
        if conversation is None:
            raise Http404(f"no conversation {pk}")
    recent = Conversation.objects.filter(session__name=CHAT_SESSION)[:RECENT_CONVERSATIONS]
    context = {
        "section": "chat",
        "session": session,
        "conversation": conversation,
        "messages": [m async for m in conversation.messages.all()] if conversation else [],
        "conversations": [c async for c in recent],
        "max_prompt": MAX_PROMPT,
        "time_format": LIST_TIME_FORMAT,
        # A Channels route (djtalu.routing), reversed through DJKIDA_ROUTERS.
        "ws_path": reverse_route("djtalu-chat", kwargs={"session": CHAT_SESSION}),
    }
    return await djkida.stream(request, "demo/chat.html", context)


@require_POST
async def send(request: HttpRequest) -> JsonResponse:
    """Check the message, attach it to a conversation and answer with the reply's stream link."""
    text = request.POST.get("text", "").strip()
    if not text:
        return JsonResponse({"error": "Type a message first."}, status=400)
    if len(text) > MAX_PROMPT:
        message = f"A message holds at most {MAX_PROMPT} characters, not {len(text)}."
        return JsonResponse({"error": message}, status=400)
    session = await ModelSession.objects.filter(name=CHAT_SESSION, enabled=True).afirst()
    if session is None:
        message = f"No enabled model session {CHAT_SESSION!r}: run scripts/manage demo_setup."
        return JsonResponse({"error": message}, status=503)
    conversation = await conversation_for(request.POST.get("conversation", ""), session, text)
    if conversation is None:
        return JsonResponse({"error": "That conversation does not exist."}, status=400)
    link = signing.dumps(
        {"conversation": conversation.pk, "text": text, "turn": conversation.replies_started},
        salt=STREAM_SALT,
    )
    return JsonResponse(
        {
            "conversation": conversation.pk,
            "title": str(conversation),
            "created": conversation.created.strftime(LIST_TIME_FORMAT),
            "url": reverse("chat-conversation", args=[conversation.pk]),
            "stream": reverse("chat-stream", args=[link]),
        }
    )


async def conversation_for(raw_id: str, session: ModelSession, text: str) -> Conversation | None:
    """The conversation to continue (None if ``raw_id`` names none), or a new one."""
    if not raw_id:
        return await Conversation.objects.acreate(session=session, title=text[:80])
    if not raw_id.isdigit():
        return None
    return await Conversation.objects.filter(pk=int(raw_id), session=session).afirst()


async def reply_stream(request: HttpRequest, link: str) -> HttpResponseBase:
    """The model's reply to a signed link from :func:`send`, token by token (once per link)."""
    try:
        payload = signing.loads(link, salt=STREAM_SALT, max_age=STREAM_LINK_AGE)
    except signing.BadSignature:
        return HttpResponse("This reply link is invalid or expired.", status=400)
    conversation = (
        await Conversation.objects.select_related("session")
        .filter(pk=payload["conversation"])
        .afirst()
    )
    if conversation is None:
        raise Http404("that conversation was deleted")
    # EventSource reconnects on its own after a network error: never answer the same turn twice,
    # whichever server process the link reaches (the claim is an UPDATE of the conversation).
    if not await conversation.astart_reply(payload.get("turn")):
        return HttpResponse("This reply was already streamed.", status=410)
    try:
        reply = await AsyncChat(conversation.session, conversation=conversation).send(
            payload["text"]
        )
    except (SessionUnavailableError, GenerationError, ValueError) as exc:
        return djkida.EventStream(failure(exc))
    return djkida.EventStream(reply_events(reply))


async def reply_events(reply: RecordedReply) -> AsyncIterator[djkida.SSEEvent]:
    """``token`` events (escaped HTML pieces), then ``done`` with how the reply was stored,
    its length and decode speed (the figure the admin's tokens/s column sums), and how many of
    the oldest messages the history budget left out of the prompt.

    A client that goes away cancels the generation; the reply is saved as cancelled.
    """
    async with reply:
        try:
            async for event in stream_tokens(reply, "demo/chat.html", "reply_tokens"):
                if event.event != "done":
                    yield event
        except GenerationError as exc:
            async for event in failure(exc):
                yield event
            return
    message = reply.message
    status = message.status if message is not None else "error"
    tokens = message.completion_tokens if message is not None else None
    rate = reply.result.timings.get("tokens_per_second") if reply.result is not None else None
    done = {
        "status": status,
        "tokens": tokens,
        "tokens_per_second": rate,
        "omitted": reply.omitted_messages,
    }
    yield djkida.SSEEvent(json.dumps(done), event="done")


async def failure(error: Exception) -> AsyncIterator[djkida.SSEEvent]:
    """The one event of a reply that could not start or broke off."""
    yield djkida.SSEEvent(json.dumps({"status": "error", "error": str(error)}), event="done")
