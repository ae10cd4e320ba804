"""Writes of 执法考评: scheme versions (written by a system admin, approved by a second
person) and frozen periods (signed snapshots; later corrections are new snapshots that
say what they correct and why). Every write is audited."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from audit.services import audit_log

from .evaluation import SchemeInForce, evaluate, scheme_in_force
from .models import (
    EvaluationIndicator,
    EvaluationScheme,
    EvaluationSnapshot,
    EvaluationSnapshotRow,
    IndicatorCode,
    SchemeStatus,
)

SCHEME_NOT_ADMIN = _("Only the system admin configures evaluation schemes.")
SCHEME_SELF_APPROVAL = _("A scheme is approved by a second person, not by its author.")
SCHEME_NOT_DRAFT = _("This version is already approved.")
SCHEME_NO_WEIGHT = _("Give at least one indicator a weight above 0.")
SCHEME_BAD_CODE = _("Unknown indicator {code}.")
FREEZE_NOT_ADMIN = _("Only the system admin freezes evaluation periods.")
FREEZE_BAD_PERIOD = _("A period is a year (2026) or a month (2026-03).")
FREEZE_NOT_ENDED = _("A period can be frozen only after it ends.")
FREEZE_EXISTS = _(
    "This period is already frozen; record a correction with its reason instead."
)
CORRECTION_REASON_REQUIRED = _("Give the reason for the correction.")
CORRECTION_NOT_CURRENT = _("Only the current snapshot of a period can be corrected.")
SIGNATURE_SALT = "courses.evaluation.snapshot"
PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")


def _require_system_admin(user: User, message) -> None:
    if not (user.is_superuser or user.has_role(Role.SYSTEM_ADMIN)):
        raise PermissionDenied(message)


@transaction.atomic
def scheme_create(
    *,
    author: User,
    year: int,
    indicators: dict[str, tuple[Decimal, Decimal | None]],
    note: str = "",
    request: Any = None,
) -> EvaluationScheme:
    """Write a new version of ``year``'s scheme (a draft until a second person approves
    it). ``indicators`` maps an ``IndicatorCode`` to (weight, target)."""
    _require_system_admin(author, SCHEME_NOT_ADMIN)
    for code in indicators:
        if code not in IndicatorCode.values:
            raise ValidationError(SCHEME_BAD_CODE.format(code=code))
    if not any(Decimal(w) > 0 for w, _t in indicators.values()):
        raise ValidationError(SCHEME_NO_WEIGHT)
    last = (
        EvaluationScheme.objects.select_for_update()
        .filter(year=year)
        .aggregate(v=Max("version"))["v"]
    )
    scheme = EvaluationScheme(
        year=year, version=(last or 0) + 1, note=note[:300], created_by=author
    )
    scheme.full_clean()
    scheme.save()
    for code, (weight, target) in indicators.items():
        indicator = EvaluationIndicator(
            scheme=scheme, code=code, weight=Decimal(weight), target=target
        )
        indicator.full_clean()
        indicator.save()
    audit_log(
        action="courses.evaluation.scheme_create",
        actor=author,
        request=request,
        target=scheme,
        details={
            "year": year,
            "version": scheme.version,
            "indicators": {c: [str(w), str(t)] for c, (w, t) in indicators.items()},
        },
    )
    return scheme


@transaction.atomic
def scheme_approve(
    *, approver: User, scheme: EvaluationScheme, request: Any = None
) -> EvaluationScheme:
    """Approve a draft: a system admin other than its author. From now on it is the
    version in force for its year (the latest approved version is)."""
    _require_system_admin(approver, SCHEME_NOT_ADMIN)
    scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise ValidationError(SCHEME_NOT_DRAFT)
    if scheme.created_by_id == approver.pk:
        raise PermissionDenied(SCHEME_SELF_APPROVAL)
    scheme.status = SchemeStatus.APPROVED
    scheme.approved_by = approver
    scheme.approved_at = timezone.now()
    scheme.save(update_fields=["status", "approved_by", "approved_at"])
    audit_log(
        action="courses.evaluation.scheme_approve",
        actor=approver,
        request=request,
        target=scheme,
        details={"year": scheme.year, "version": scheme.version},
    )
    return scheme


# Frozen periods ---------------------------------------------------------------------------


def period_end(period: str) -> tuple[int, dt.date]:
    """Return (year, last day) of "2026" or "2026-03"; raise ValidationError otherwise."""
    match = PERIOD_RE.match(period or "")
    if not match:
        raise ValidationError(FREEZE_BAD_PERIOD)
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        return year, dt.date(year, month, calendar.monthrange(year, month)[1])
    return year, dt.date(year, 12, 31)


def _canonical(snapshot: EvaluationSnapshot, rows: list[EvaluationSnapshotRow]) -> str:
    return json.dumps(
        {
            "scheme": snapshot.scheme_id,
            "period": snapshot.period,
            "as_of": snapshot.as_of.isoformat(),
            "frozen_by": snapshot.frozen_by_id,
            "frozen_at": snapshot.frozen_at.isoformat(),
            "supersedes": snapshot.supersedes_id,
            "reason": snapshot.correction_reason,
            "rows": sorted(
                [r.unit_id or 0, r.person_id or 0, str(r.score), r.values] for r in rows
            ),
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def _sign(snapshot: EvaluationSnapshot, rows: list[EvaluationSnapshotRow]) -> str:
    return salted_hmac(
        SIGNATURE_SALT, _canonical(snapshot, rows), algorithm="sha256"
    ).hexdigest()


def snapshot_verify(snapshot: EvaluationSnapshot) -> bool:
    """Return True when the snapshot's rows are exactly those it was signed with."""
    rows = list(snapshot.rows.all())
    return constant_time_compare(snapshot.signature, _sign(snapshot, rows))


def _rows(
    scheme: SchemeInForce, year: int, as_of: dt.date
) -> list[EvaluationSnapshotRow]:
    rows: list[EvaluationSnapshotRow] = []
    for root in Unit.get_root_nodes():
        units = list(root.get_descendants())
        ev = evaluate(root=root, year=year, scheme=scheme, as_of=as_of, buckets=units)
        for group in [ev.root, *ev.buckets.values()]:
            rows.append(
                EvaluationSnapshotRow(
                    unit_id=group.key,
                    score=group.score,
                    values={r.code: _str(r.score) for r in group.results},
                )
            )
        for person in ev.people.values():
            rows.append(
                EvaluationSnapshotRow(
                    person_id=person.key,
                    score=person.score,
                    values={r.code: _str(r.score) for r in person.results},
                )
            )
    return rows


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _freeze(
    *, by: User, period: str, supersedes: EvaluationSnapshot | None, reason: str
) -> EvaluationSnapshot:
    year, last = period_end(period)
    scheme = scheme_in_force(year)
    if scheme.scheme is None:
        # A frozen period names the approved scheme it was scored with.
        raise ValidationError(
            _("No approved evaluation scheme for {year}.").format(year=year)
        )
    rows = _rows(scheme, year, last)
    snapshot = EvaluationSnapshot(
        scheme=scheme.scheme,
        period=period,
        as_of=last,
        frozen_by=by,
        frozen_at=timezone.now().replace(microsecond=0),
        supersedes=supersedes,
        correction_reason=reason,
    )
    snapshot.signature = _sign(snapshot, rows)
    snapshot.save()
    for row in rows:
        row.snapshot = snapshot
    EvaluationSnapshotRow.objects.bulk_create(rows, batch_size=2000)
    return snapshot


@transaction.atomic
def evaluation_freeze(
    *, by: User, period: str, today: dt.date | None = None, request: Any = None
) -> EvaluationSnapshot:
    """Freeze ``period`` ("2026-03" or "2026") for the whole organisation: every unit's
    and person's score as of its last day, signed. Refused before the period ends and
    when it is already frozen (a change afterwards is a correction)."""
    _require_system_admin(by, FREEZE_NOT_ADMIN)
    _year, last = period_end(period)
    if last >= (today or timezone.localdate()):
        raise ValidationError(FREEZE_NOT_ENDED)
    if EvaluationSnapshot.objects.filter(period=period, is_current=True).exists():
        raise ValidationError(FREEZE_EXISTS)
    snapshot = _freeze(by=by, period=period, supersedes=None, reason="")
    audit_log(
        action="courses.evaluation.freeze",
        actor=by,
        request=request,
        target=snapshot,
        details={"period": period, "signature": snapshot.signature},
    )
    return snapshot


@transaction.atomic
def evaluation_correct(
    *, by: User, snapshot: EvaluationSnapshot, reason: str, request: Any = None
) -> EvaluationSnapshot:
    """Record a correction of a frozen period: score it again from today's records, keep
    the old snapshot (no longer current) and link the new one to it with ``reason``."""
    _require_system_admin(by, FREEZE_NOT_ADMIN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(CORRECTION_REASON_REQUIRED)
    old = EvaluationSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if not old.is_current:
        raise ValidationError(CORRECTION_NOT_CURRENT)
    # is_current is a bookmark outside the signature: the old rows stay as signed.
    EvaluationSnapshot.objects.filter(pk=old.pk).update(is_current=False)
    new = _freeze(by=by, period=old.period, supersedes=old, reason=reason[:500])
    audit_log(
        action="courses.evaluation.correct",
        actor=by,
        request=request,
        target=new,
        details={"period": old.period, "supersedes": old.pk, "reason": reason[:500]},
    )
    return new
