"""What the admin manages (model sessions) and what chats leave behind (conversations)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ModelSession(models.Model):
    """A named model with its generation defaults and how many worker processes serve it.

    The name is what clients ask for (``model`` in the OpenAI API, ``session`` in
    ``djtalu.stream_async``).
    """

    name = models.SlugField(max_length=100, unique=True)
    model_path = models.CharField(
        max_length=500, help_text="Directory of a talu model (config.json, tokenizer, weights)."
    )
    system_prompt = models.TextField(blank=True)
    max_tokens = models.PositiveIntegerField(
        default=256, validators=[MinValueValidator(1), MaxValueValidator(32_768)]
    )
    temperature = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)]
    )
    top_k = models.PositiveIntegerField(default=50)
    top_p = models.FloatField(
        default=0.9, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    max_prompt_tokens = models.PositiveIntegerField(
        default=1024,
        help_text="Prompts longer than this leave out their oldest turns; 0: no budget.",
    )
    seed = models.BigIntegerField(
        null=True, blank=True, help_text="Fixed seed for reproducible output; empty for random."
    )
    workers = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(32)],
        help_text="Worker processes (each loads the model once).",
    )
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A chat with one model session: its messages in order."""

    session = models.ForeignKey(
        ModelSession, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    #: Replies started from single-use links: a link names the value it expects, and starting
    #: its reply bumps it in one conditional UPDATE, so the link works once in any process.
    replies_started = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"

    async def astart_reply(self, turn: object) -> bool:
        """Claim reply ``turn`` (as a link carried it); False if it was already started.

        Example::

            if not await conversation.astart_reply(payload["turn"]):
                return HttpResponse("already streamed", status=410)
        """
        if not isinstance(turn, int):
            return False
        claimed = await Conversation.objects.filter(pk=self.pk, replies_started=turn).aupdate(
            replies_started=models.F("replies_started") + 1
        )
        return claimed == 1


class Message(models.Model):
    """One turn of a conversation; an interrupted reply keeps its partial text and says why."""

    class Role(models.TextChoices):
        SYSTEM = "system"
        USER = "user"
        ASSISTANT = "assistant"

    class Status(models.TextChoices):
        COMPLETE = "complete"
        PARTIAL = "partial"
        ERROR = "error"
        CANCELLED = "cancelled"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    error = models.TextField(blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:50]}"
