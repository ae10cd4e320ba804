"""The append-only audit log. Each entry carries the hash of the previous one."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

APPEND_ONLY = "Audit entries are append-only: they cannot be changed or deleted."


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(APPEND_ONLY)

    def delete(self):
        raise PermissionError(APPEND_ONLY)


class AuditEntry(models.Model):
    """Who did what to which target, when, from where, with what result."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        # DO_NOTHING: deleting a person must not rewrite their audit entries (the name stays
        # in actor_username; there is no database constraint to break).
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    result = models.CharField(
        _("result"),
        max_length=10,
        choices=AuditResult.choices,
        default=AuditResult.SUCCESS,
    )
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # The chain: ``seq`` is the entry's place in it, ``prev_hash`` the hash of the entry
    # before, ``entry_hash`` the hash of this one. An entry written inside a longer
    # transaction is stored unsealed (no seq, entry_hash "unsealed:…") and sealed right
    # after its commit by a short single-writer step (audit.services.audit_seal).
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        # The sealer's lookup of what is left to seal stays cheap on a large log.
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(seq__isnull=True),
                name="audit_unsealed",
            )
        ]
        permissions = [("view_audit_log", "Can read and export the audit log")]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"
        )

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(APPEND_ONLY)

    def canonical(self) -> str:
        """Return the text the hash covers: every field but the hash itself."""
        return json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "actor_id": self.actor_id,
                "actor_username": self.actor_username,
                "action": self.action,
                "target_type": self.target_type,
                "target_id": self.target_id,
                "target_repr": self.target_repr,
                "result": self.result,
                "client_ip": self.client_ip,
                "details": self.details,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )

    @property
    def action_label(self) -> str:
        """What the action code means, in the reader's language (``audit.actions``)."""
        from .actions import action_label

        return action_label(self.action)

    @property
    def sealed(self) -> bool:
        return self.seq is not None

    def compute_hash(self) -> str:
        """HMAC-SHA256 of ``canonical()`` under the chain key (``AUDIT_CHAIN_KEY_FILE``,
        never in the database): whoever can write the table cannot re-chain it."""
        from .keys import chain_key

        return hmac.new(
            chain_key(), self.canonical().encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def compute_legacy_hash(self) -> str:
        """The unkeyed SHA-256 of entries sealed before the chain was keyed."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()
