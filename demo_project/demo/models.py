"""What the live feed shows: announcements, kept so a page (re)load lists the latest."""

from django.db import models


class Announcement(models.Model):
    """One line of the live feed, broadcast to every open ``/live/`` page when it is made."""

    class Source(models.TextChoices):
        FORM = "form"
        COMMAND = "command"
        ADMIN = "admin"

    text = models.CharField(max_length=280)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.FORM)
    created = models.DateTimeField(auto_now_add=True)
    #: The form's one-time key: a retried post stores (and broadcasts) its announcement once.
    key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    #: Whether it went out live; False while the channel layer was down (pages list it on load).
    sent_live = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.text[:50]
