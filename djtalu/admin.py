"""Admin for model sessions (with their live worker status) and stored conversations."""

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from asgiref.sync import async_to_sync
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from djtalu import pools
from djtalu.engine import PoolStats
from djtalu.models import Conversation, Message, ModelSession


def _session_stats(session: ModelSession) -> PoolStats | None:
    """The session's pool stats, read once per row (each column asks for them)."""
    cached: PoolStats | None = getattr(session, "_talu_stats", None)
    if cached is None:
        cached = pools.stats_for(session.name)
        session._talu_stats = cached  # type: ignore[attr-defined]
    return cached


#: What the tokens/s column measures, under the list and in its header's tooltip.
TOKENS_PER_SECOND_HELP = (
    "Tokens/s: decode speed of the replies this server finished in the last minute — completion "
    "tokens after the first over the time after the first, the prompt's prefill excluded (the "
    "figure the demo's chat page shows under each reply)."
)
#: Characters of the last error shown in the list (all of it in the cell's tooltip).
ERROR_PREVIEW = 60


def _stats_column(
    description: str | SafeString,
    show: Callable[[PoolStats], int | str],
    *,
    missing: str = "-",
) -> Callable[[object, ModelSession], int | str]:
    """A list column showing ``show(stats)``, or ``missing`` where the pool is not running here.

    Example::

        queued = _stats_column("queued", lambda stats: stats.queued)
    """

    @admin.display(description=description)
    def column(model_admin: object, session: ModelSession) -> int | str:
        stats = _session_stats(session)
        return show(stats) if stats is not None else missing

    return column


@admin.register(ModelSession)
class ModelSessionAdmin(admin.ModelAdmin):
    """Create and tune sessions; the list shows what their workers are doing right now."""

    # Narrow enough for 1280 px with the admin's sidebar open: the model by its directory name,
    # configured workers inside "live workers", a filter sidebar left out (sessions are few).
    list_display = [
        "name",
        "model_dir",
        "enabled",
        "state",
        "live_workers",
        "in_flight",
        "queued",
        "tokens_per_second",
        "last_error",
    ]
    search_fields = ["name", "model_path"]
    readonly_fields = ["created", "updated"]
    actions = ["restart_workers", "enable_sessions", "disable_sessions"]
    fieldsets = [
        (None, {"fields": ["name", "model_path", "enabled", "workers"]}),
        ("Generation defaults", {"fields": ["system_prompt", "max_tokens", "temperature",
                                            "top_k", "top_p", "seed", "max_prompt_tokens"]}),
        ("History", {"fields": ["created", "updated"]}),
    ]  # fmt: skip

    state = _stats_column("state", lambda stats: stats.state, missing="not started")
    live_workers = _stats_column(
        "live workers", lambda stats: f"{stats.workers_alive}/{stats.workers_total}"
    )
    in_flight = _stats_column("in flight", lambda stats: stats.in_flight)
    queued = _stats_column("queued", lambda stats: stats.queued)
    tokens_per_second = _stats_column(
        format_html('<abbr title="{}">tokens/s</abbr>', TOKENS_PER_SECOND_HELP),
        lambda stats: f"{stats.tokens_per_second:.1f}",
    )

    @admin.display(description="model", ordering="model_path")
    def model_dir(self, session: ModelSession) -> str:
        """The model's directory name; the whole path in the tooltip."""
        return format_html(
            '<span title="{}">{}</span>', session.model_path, PurePath(session.model_path).name
        )

    @admin.display(description="last error")
    def last_error(self, session: ModelSession) -> str:
        """The start of the pool's last error, the whole of it in the tooltip."""
        stats = _session_stats(session)
        error = stats.last_error if stats is not None else ""
        if len(error) <= ERROR_PREVIEW:
            return error or "-"
        return format_html('<span title="{}">{}…</span>', error, error[: ERROR_PREVIEW - 1])

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The list, with what the live columns measure said under its title."""
        subtitle = (
            "Live status of this server's workers; tokens/s is decode speed, prefill excluded"
        )
        return super().changelist_view(request, {"subtitle": subtitle, **(extra_context or {})})

    @admin.action(description="Restart workers of the selected sessions")
    def restart_workers(self, request: HttpRequest, queryset: QuerySet[ModelSession]) -> None:
        restarted = [s.name for s in queryset if async_to_sync(pools.restart)(s.name)]
        idle = sorted(set(queryset.values_list("name", flat=True)) - set(restarted))
        if restarted:
            self.message_user(request, f"Restarted workers of: {', '.join(restarted)}.")
        if idle:
            self.message_user(
                request,
                f"Not running in this server (they start on first request): {', '.join(idle)}.",
                messages.WARNING,
            )

    @admin.action(description="Enable the selected sessions")
    def enable_sessions(self, request: HttpRequest, queryset: QuerySet[ModelSession]) -> None:
        count = queryset.update(enabled=True)
        self.message_user(request, f"Enabled {count} session(s).")

    @admin.action(description="Disable the selected sessions (stops their workers)")
    def disable_sessions(self, request: HttpRequest, queryset: QuerySet[ModelSession]) -> None:
        names = list(queryset.values_list("name", flat=True))
        queryset.update(enabled=False)
        for name in names:
            async_to_sync(pools.shutdown)(name)
        self.message_user(request, f"Disabled {len(names)} session(s).")

    def save_model(
        self, request: HttpRequest, obj: ModelSession, form: object, change: bool
    ) -> None:
        """Disabling a session in its form stops its workers too."""
        super().save_model(request, obj, form, change)
        if not obj.enabled:
            async_to_sync(pools.shutdown)(obj.name)


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["role", "status", "content", "prompt_tokens", "completion_tokens", "created"]
    readonly_fields = ["created"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Stored chats, with partial and failed replies marked by their status."""

    list_display = ["__str__", "session", "created"]
    list_filter = ["session"]
    search_fields = ["title", "messages__content"]
    inlines = [MessageInline]
