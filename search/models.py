"""Indexing bookkeeping. The message broker may lose a message (a worker killed before it
acknowledged, a broker restart); the database does not. Every change first marks its
object dirty here, in the same transaction; the task clears the mark when the index
agrees; the sweeper re-queues marks left behind."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexAction(models.TextChoices):
    INDEX = "index", _("Index")
    DELETE = "delete", _("Delete")


class IndexState(models.Model):
    """The last wanted index action for one object, and whether it is still pending."""

    app_label = models.CharField(max_length=100)
    model_name = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    doc_type = models.CharField(max_length=32)
    doc_id = models.CharField(max_length=100)
    action = models.CharField(
        max_length=8, choices=IndexAction.choices, default=IndexAction.INDEX
    )
    dirty = models.BooleanField(default=True, db_index=True)
    # Bumped on every change, so a task that started before a newer change does not
    # clear the newer mark.
    generation = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now=True)
    indexed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("index state")
        verbose_name_plural = _("index states")
        constraints = [
            models.UniqueConstraint(
                fields=["app_label", "model_name", "object_id"],
                name="search_indexstate_unique_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model_name}:{self.object_id} {self.action}{' (dirty)' if self.dirty else ''}"
