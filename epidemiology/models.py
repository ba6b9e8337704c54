"""Every export of statistics or records is recorded: who, when, what, with which
suppression settings, how many rows, and the file's SHA-256. Append-only: an
export record is its own record and is never changed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    TABLE = "table", _("statistics table")
    TABLE_SET = "table_set", _("standard table set")
    EXTRACT = "extract", _("record-level extract")
    REPORT = "report", _("PDF report")


class ExportChannel(models.TextChoices):
    PAGE = "page", _("page")
    API = "api", _("API")
    COMMAND = "command", _("command line")


class ExportRecord(models.Model):
    # A registry user (page, API) or None for the command line, where `actor`
    # names the operating-system account that ran it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.CharField(max_length=150)
    channel = models.CharField(max_length=10, choices=ExportChannel.choices)
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    name = models.CharField(max_length=200, help_text=_("Table or file name."))
    file_format = models.CharField(max_length=10)
    parameters = models.JSONField(default=dict, blank=True)
    small_cell_minimum = models.PositiveIntegerField(null=True, blank=True)
    k_anonymity = models.PositiveIntegerField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    rows_suppressed = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.kind} {self.name} by {self.actor} at {when}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Export records are append-only.")
        super().save(*args, **kwargs)
