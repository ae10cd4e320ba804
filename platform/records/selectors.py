"""Reads over the training record: one person's record, requirements, and the unit
completion reports.

The reports are built from a constant number of aggregate queries (GROUP BY unit path
prefix, item, role, month), whatever the number of people: never one query per row.
Every function that reports on units takes a unit the caller has already checked with
``accounts.selectors.can_see_unit``; ``report_unit_get`` does that check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from accounts.selectors import can_see_unit, sees_all_units, unit_scope_roots

from .models import (
    Assignment,
    AssignmentRule,
    AssignmentStatus,
    Certification,
    CreditCategory,
    CreditEntry,
    LearningEvent,
    OfflineActivity,
    RoleRequirement,
    TrackedItem,
    Verb,
)

PRE_MEETING_STUDY = "pre_meeting_study"
UNIT_OUTSIDE_SCOPE = _("This unit is outside your scope.")
DONE_STATUSES = (AssignmentStatus.COMPLETED, AssignmentStatus.WAIVED)
ZERO = Decimal(0)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def setting_value(name: str, default: Any) -> Any:
    """Return the records setting ``name`` (for pages that explain a rule)."""
    return _setting(name, default)


# Time ----------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Return [start, end) of ``year`` as aware datetimes in the site's time zone."""
    tz = timezone.get_current_timezone()
    return (datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz))


def year_fraction(year: int, now: datetime | None = None) -> float:
    """Return how much of ``year`` has elapsed at ``now``: 0 before it, 1 after it."""
    now = now or timezone.now()
    start, end = year_bounds(year)
    if now <= start:
        return 0.0
    if now >= end:
        return 1.0
    return (now - start).total_seconds() / (end - start).total_seconds()


def at_risk_pace(year: int, now: datetime | None = None) -> float:
    """Return the share *p* of the yearly target a person must have by ``now`` to still
    be able to finish by the due date (31 December) without studying faster than
    ``RECORDS_AT_RISK_CATCH_UP`` (1.5) times the normal pace:
    *p* = 1 − catch-up × (time left ÷ year), never below 0.

    Pace against the due date: early in the year anyone can still catch up (*p* = 0
    until a third of the year has passed); in December, with a month left, a person
    needs nearly all of it. Nobody is judged in the first ``RECORDS_AT_RISK_GRACE_DAYS``
    (60) days (too little evidence). A past year counts in full (*p* = 1)."""
    now = now or timezone.now()
    start, end = year_bounds(year)
    if now >= end:
        return 1.0
    grace = timedelta(days=_setting("RECORDS_AT_RISK_GRACE_DAYS", 60))
    if now < start + grace:
        return 0.0
    catch_up = float(_setting("RECORDS_AT_RISK_CATCH_UP", 1.5))
    left = (end - now).total_seconds() / (end - start).total_seconds()
    return max(0.0, 1.0 - catch_up * left)


def at_risk_minimum(pace: float) -> Decimal:
    """The fewest hours still missing that can make a person at risk:
    ``RECORDS_AT_RISK_MIN_SHORTFALL`` (2, about one course; less is no evidence), or any
    miss once the year is over."""
    if pace >= 1:
        return Decimal("0.01")
    return Decimal(str(_setting("RECORDS_AT_RISK_MIN_SHORTFALL", 2)))


def at_risk_shortfall(*, hours: Decimal, target: Decimal, pace: float) -> Decimal:
    """Return how many hours a person is behind the line of ``at_risk_pace`` (*T × p −
    H*), or 0 when they are not at risk: on or above the line, or missing less than
    ``at_risk_minimum`` of the whole target."""
    if not target or not pace:
        return ZERO
    hours = hours or ZERO
    expected = target * Decimal(str(round(pace, 4)))
    if hours >= expected or target - hours < at_risk_minimum(pace):
        return ZERO
    return expected - hours


@dataclass
class AtRiskReason:
    """Why one person is at risk, in numbers a leader can act on."""

    missing: Decimal  # hours still missing of the yearly target
    days_left: int  # until the due date (0: the year is over)
    times_normal_pace: (
        float  # the pace needed to finish, as a multiple of the normal one
    )
    overdue: int = 0  # required items past their due date


def at_risk_reason(
    *, hours: Decimal, target: Decimal, year: int, now: datetime | None = None
) -> AtRiskReason:
    """Return the numbers behind a person's place on the at-risk list."""
    now = now or timezone.now()
    start, end = year_bounds(year)
    missing = max(ZERO, target - (hours or ZERO))
    left = max(0.0, (end - now).total_seconds())
    normal = float(target) * left / (end - start).total_seconds()
    return AtRiskReason(
        missing=missing,
        days_left=int(left // 86400),
        times_normal_pace=round(float(missing) / normal, 1) if normal else 0.0,
    )


def month_bounds(year: int) -> list[datetime]:
    """Return the 13 local-time month starts from January ``year`` to January next year."""
    tz = timezone.get_current_timezone()
    return [datetime(year + (m // 12), m % 12 + 1, 1, tzinfo=tz) for m in range(13)]


# Requirements ---------------------------------------------------------------------------


@dataclass
class Targets:
    """What one person must achieve in one year (merged over their roles)."""

    year: int
    min_hours: Decimal = ZERO
    category_minimums: dict[str, Decimal] = field(default_factory=dict)
    required_item_types: list[str] = field(default_factory=list)
    required_item_ids: set[int] = field(default_factory=set)
    pre_meeting_study_min: int = 0
    roles: list[str] = field(default_factory=list)


def requirements_for_year(year: int) -> dict[str, RoleRequirement]:
    """Return the requirement in force for each role in ``year``: the row for that year,
    or else the recurring row (year empty). One query (plus one for required items)."""
    rows = RoleRequirement.objects.filter(
        Q(year=year) | Q(year__isnull=True)
    ).prefetch_related("required_items")
    chosen: dict[str, RoleRequirement] = {}
    for row in rows:
        if row.role not in chosen or (
            row.year is not None and chosen[row.role].year is None
        ):
            chosen[row.role] = row
    return chosen


def targets_merge(
    roles: Collection[str],
    year: int,
    requirements: dict[str, RoleRequirement] | None = None,
) -> Targets:
    """Merge the requirements of ``roles`` for ``year``: the highest figure of each wins,
    required items add up."""
    requirements = (
        requirements if requirements is not None else requirements_for_year(year)
    )
    targets = Targets(year=year, roles=sorted(roles))
    for role in roles:
        req = requirements.get(role)
        if req is None:
            continue
        targets.min_hours = max(targets.min_hours, Decimal(req.min_hours))
        for category, hours in (req.category_minimums or {}).items():
            targets.category_minimums[category] = max(
                targets.category_minimums.get(category, ZERO), Decimal(str(hours))
            )
        for item_type in req.required_item_types or []:
            if item_type not in targets.required_item_types:
                targets.required_item_types.append(item_type)
        targets.required_item_ids |= {item.pk for item in req.required_items.all()}
        targets.pre_meeting_study_min = max(
            targets.pre_meeting_study_min, req.pre_meeting_study_min
        )
    return targets


def person_targets(person: User, year: int) -> Targets:
    """Return ``person``'s merged targets for ``year``."""
    return targets_merge(person.get_role_codes(), year)


# One person's record ----------------------------------------------------------------------


@dataclass
class YearHours:
    year: int
    by_category: dict[str, Decimal]
    total: Decimal
    targets: Targets

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One row per category that has hours or a minimum."""
        out = []
        for code, label in CreditCategory.choices:
            got = self.by_category.get(code, ZERO)
            need = self.targets.category_minimums.get(code)
            if got or need:
                out.append(
                    {
                        "code": code,
                        "label": label,
                        "hours": got,
                        "target": need,
                        "met": need is None or got >= need,
                    }
                )
        return out

    @property
    def met(self) -> bool:
        return self.total >= self.targets.min_hours and all(r["met"] for r in self.rows)

    @property
    def percent(self) -> int:
        if not self.targets.min_hours:
            return 100
        return min(100, int(100 * self.total / self.targets.min_hours))


@dataclass
class PersonRecord:
    person: User
    year: int
    years: list[YearHours]
    courses_completed: list[Assignment]
    open_assignments: list[Assignment]
    exams: list[Assignment]
    certificates: list[Assignment]
    pre_meeting_attended: int
    pre_meeting_required: int
    certifications: list[Certification]
    offline: list[OfflineActivity]
    today: date
    missing_item_types: list[str]
    # The year's credit entries (credits and reversals) with source and approver.
    ledger: list[CreditEntry] = field(default_factory=list)
    # The API's view of ``certifications``, with their states (certifications_status).
    cert_states: list[dict[str, Any]] = field(default_factory=list)
    # Guidelines assigned as required reading, read (completed) or not.
    readings: list[Assignment] = field(default_factory=list)
    # Assignments waived for this person, with the reason.
    waived: list[Assignment] = field(default_factory=list)

    @property
    def current(self) -> YearHours | None:
        return next((y for y in self.years if y.year == self.year), None)


def certifications_status(
    certs: list[Certification], today: date, soon_days: int
) -> list[dict[str, Any]]:
    """Return each certification with its state: valid, expiring (within ``soon_days``), expired."""
    out = []
    for cert in certs:
        if not cert.is_valid_on(today) and cert.issued_at <= today:
            state = "expired"
        elif cert.expires_within(today, soon_days):
            state = "expiring"
        else:
            state = "valid"
        out.append({"cert": cert, "state": state})
    return out


RESULT_PENDING = "result_pending"


def hidden_result_items(person: User, now: datetime | None = None) -> list[TrackedItem]:
    """The items of ``person`` whose result they may not see yet (the owning app's
    review policy, written as the item's ``result_release``)."""
    items = TrackedItem.objects.filter(
        assignments__user=person, result_release__in=["from", "never"]
    ).distinct()
    return [item for item in items if not item.result_visible(now)]


def credits_visible_to_learner(
    person: User, now: datetime | None = None
) -> models.QuerySet[CreditEntry]:
    """``person``'s credit entries without those of results not yet released to them
    (the hours of an exam would tell the pass before the review policy does)."""
    entries = CreditEntry.objects.filter(user=person)
    for item in hidden_result_items(person, now):
        entries = entries.exclude(source_type=item.item_type, source_id=item.item_id)
    return entries


def _mask_result(assignment: Assignment) -> Assignment:
    """The assignment as its person may see it before the result is released: sat,
    result pending; no score, no pass, not completed."""
    assignment.result_hidden = True
    assignment.score = None
    assignment.passed = None
    assignment.status = RESULT_PENDING
    assignment.completed_at = None
    return assignment


def person_record_get(
    person: User,
    year: int | None = None,
    now: datetime | None = None,
    *,
    as_learner: bool = False,
) -> PersonRecord:
    """Return everything on ``person``'s training record page for ``year`` (default: this
    year) and the hours of every year they have. A constant number of queries.

    ``as_learner``: the record as the person sees it themselves: results whose release
    their review policy has not reached (``TrackedItem.result_visible``) show as
    pending, without score, pass, hours or certificate."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = year or today.year
    credits = (
        credits_visible_to_learner(person, now)
        if as_learner
        else CreditEntry.objects.filter(user=person)
    )
    hours_rows = (
        credits.values("year", "category")
        .annotate(hours=Sum("hours"))
        .order_by("-year")
    )
    by_year: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in hours_rows:
        by_year[row["year"]][row["category"]] = row["hours"] or ZERO
    by_year.setdefault(year, {})
    roles = person.get_role_codes()
    years = []
    for y in sorted(by_year, reverse=True):
        cats = by_year[y]
        years.append(
            YearHours(
                year=y,
                by_category=cats,
                total=sum(cats.values(), ZERO),
                targets=targets_merge(roles, y),
            )
        )
    assignments = list(
        Assignment.objects.filter(user=person)
        .select_related("item")
        .order_by("-completed_at", "due_at")
    )
    for a in assignments:
        a.result_hidden = False
        if (
            as_learner
            and (a.status == AssignmentStatus.COMPLETED or a.score is not None)
            and not a.item.result_visible(now)
        ):
            _mask_result(a)
    courses = [
        a
        for a in assignments
        if a.item.item_type.startswith("course")
        and a.status == AssignmentStatus.COMPLETED
    ]
    exams = [
        a
        for a in assignments
        if a.item.item_type.startswith("exam")
        and (
            a.status == AssignmentStatus.COMPLETED
            or a.score is not None
            or a.result_hidden
        )
    ]
    certificates = [
        a
        for a in assignments
        if a.status == AssignmentStatus.COMPLETED
        and a.item.url
        and (
            a.item.item_type == "certificate"
            or (a.item.item_type.startswith("exam") and a.passed)
        )
    ]
    open_items = [
        a
        for a in assignments
        if a.required and a.status not in DONE_STATUSES and not a.result_hidden
    ]
    start, end = year_bounds(year)
    attended = (
        LearningEvent.objects.filter(
            actor=person,
            verb=Verb.ATTENDED,
            object_type=PRE_MEETING_STUDY,
            timestamp__gte=start,
            timestamp__lt=end,
        )
        .values("object_id")
        .distinct()
        .count()
    )
    current = next(y for y in years if y.year == year)
    done_types = {
        a.item.item_type
        for a in assignments
        if a.status == AssignmentStatus.COMPLETED
        and a.completed_at
        and start <= a.completed_at < end
        and (a.passed is not False)
    }
    missing = [t for t in current.targets.required_item_types if t not in done_types]
    done_ids = {
        a.item_id
        for a in assignments
        if a.status == AssignmentStatus.COMPLETED
        and a.completed_at
        and start <= a.completed_at < end
        and a.passed is not False
    }
    titles = {a.item_id: a.item.title for a in assignments}
    missing_ids = current.targets.required_item_ids - done_ids
    if missing_ids:
        known = dict(
            TrackedItem.objects.filter(pk__in=missing_ids - titles.keys()).values_list(
                "pk", "title"
            )
        )
        missing += sorted(titles.get(pk) or known.get(pk, "") for pk in missing_ids)
    return PersonRecord(
        person=person,
        year=year,
        years=years,
        courses_completed=courses,
        open_assignments=open_items,
        exams=exams,
        certificates=certificates,
        pre_meeting_attended=attended,
        pre_meeting_required=current.targets.pre_meeting_study_min,
        certifications=list(Certification.objects.filter(user=person)),
        ledger=list(
            credits.filter(year=year)
            .select_related("approved_by")
            .order_by("earned_at", "seq")
        ),
        offline=list(OfflineActivity.objects.filter(user=person)[:50]),
        today=today,
        missing_item_types=missing,
        readings=[
            a for a in assignments if a.item.item_type == "guideline" and a.required
        ],
        waived=[a for a in assignments if a.status == AssignmentStatus.WAIVED],
    )


# Unit reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """The report's filters: a year, and optionally a role, an item type and one item."""

    year: int
    role: str = ""
    item_type: str = ""
    item_id: int | None = None

    @classmethod
    def from_query(cls, data: Any, today: date | None = None) -> ReportFilter:
        """Parse request GET parameters; bad values fall back to "no filter"."""
        today = today or timezone.localdate()
        try:
            year = int(data.get("year") or today.year)
        except (TypeError, ValueError):
            year = today.year
        if not 2000 <= year <= 2100:
            year = today.year
        role = data.get("role") or ""
        if role not in Role.values:
            role = ""
        item_type = (data.get("item_type") or "")[:30]
        try:
            item_id = int(data.get("item")) if data.get("item") else None
        except (TypeError, ValueError):
            item_id = None
        return cls(year=year, role=role, item_type=item_type, item_id=item_id)

    def as_query(self) -> dict[str, Any]:
        out: dict[str, Any] = {"year": self.year}
        if self.role:
            out["role"] = self.role
        if self.item_type:
            out["item_type"] = self.item_type
        if self.item_id:
            out["item"] = self.item_id
        return out


def report_roots(viewer: User) -> list[Unit]:
    """Return the units at the top of ``viewer``'s reports (empty: no report access)."""
    if sees_all_units(viewer):
        return list(Unit.get_root_nodes())
    roots = unit_scope_roots(viewer)
    # Drop a root that lies inside another root.
    return [
        r
        for r in roots
        if not any(
            o is not r and r.path.startswith(o.path) and o.path != r.path for o in roots
        )
    ]


def report_unit_get(viewer: User, unit_id: int | str | None) -> Unit:
    """Return the unit to report on, checked against ``viewer``'s scope.

    Raise ``PermissionDenied`` when the unit lies outside it, and ``Unit.DoesNotExist``
    when there is none.
    """
    if unit_id in (None, ""):
        roots = report_roots(viewer)
        if not roots:
            raise PermissionDenied(UNIT_OUTSIDE_SCOPE)
        return roots[0]
    unit = Unit.objects.get(pk=int(unit_id))
    if not can_see_unit(viewer, unit):
        raise PermissionDenied(UNIT_OUTSIDE_SCOPE)
    return unit


def _period_q(flt: ReportFilter) -> Q:
    start, end = year_bounds(flt.year)
    return (
        Q(period=str(flt.year))
        | Q(period="", due_at__gte=start, due_at__lt=end)
        | Q(period="", due_at__isnull=True)
    )


def assignments_in_scope(unit: Unit, flt: ReportFilter) -> models.QuerySet[Assignment]:
    """Return the required assignments of people in ``unit``'s subtree for the filter's year."""
    qs = Assignment.objects.filter(
        _period_q(flt),
        required=True,
        user__unit__path__startswith=unit.path,
        user__is_active=True,
        item__is_active=True,
    )
    if flt.role:
        qs = qs.filter(user__role_assignments__role=flt.role)
    if flt.item_type:
        qs = qs.filter(item__item_type__startswith=flt.item_type)
    if flt.item_id:
        qs = qs.filter(item_id=flt.item_id)
    return qs


def _report_scan(
    flt: ReportFilter,
    people: models.QuerySet[User],
    item_ids: list[int] | None,
    inactive_ids: list[int],
) -> models.QuerySet[Assignment]:
    # The report's hot path reads the assignments table alone (no join): people and
    # items are filtered by id (a subquery, a short list), so SQLite and PostgreSQL can
    # answer from the covering indexes declared on Assignment.
    qs = Assignment.objects.filter(
        _period_q(flt), required=True, user_id__in=people.values("pk")
    )
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    elif inactive_ids:
        qs = qs.exclude(item_id__in=inactive_ids)
    return qs


def people_in_scope(unit: Unit, flt: ReportFilter) -> models.QuerySet[User]:
    qs = User.objects.filter(unit__path__startswith=unit.path, is_active=True)
    if flt.role:
        qs = qs.filter(role_assignments__role=flt.role)
    return qs


def _counts(now: datetime) -> dict[str, Any]:
    return {
        "total": Count("id"),
        "done": Count("id", filter=Q(status__in=DONE_STATUSES)),
        "overdue": Count("id", filter=Q(due_at__lt=now) & ~Q(status__in=DONE_STATUSES)),
        "scored": Count("id", filter=Q(passed__isnull=False)),
        "passed": Count("id", filter=Q(passed=True)),
    }


def item_type_label(item_type: str) -> str:
    """Return a reader's name for an item type ("course…" → Course, "exam…" → Exam)."""
    from django.utils.translation import gettext

    if item_type.startswith("course"):
        return gettext("Course")
    if item_type.startswith("exam"):
        return gettext("Exam")
    return item_type


# Item types with a name of their own; others are named by their family (item_type_label).
ITEM_TYPE_NAMES = {
    "exam_qualification": _("Qualification exam"),
    "exam_review": _("Case review exam"),
    "course_case_review": _("Case review course"),
    "certificate": _("Certificate"),
    "guideline": _("Required reading"),
}


def item_type_display(item_type: str) -> str:
    """Return the most specific reader's name for an item type code."""
    name = ITEM_TYPE_NAMES.get(item_type)
    return str(name) if name is not None else item_type_label(item_type)


def _rate(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@dataclass
class Row:
    key: Any
    label: str
    total: int = 0
    done: int = 0
    overdue: int = 0
    scored: int = 0
    passed: int = 0
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Mapping[str, Any]) -> None:
        for name in ("total", "done", "overdue", "scored", "passed"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))

    @property
    def rate(self) -> int:
        return _rate(self.done, self.total)

    @property
    def pass_rate(self) -> int | None:
        return _rate(self.passed, self.scored) if self.scored else None


@dataclass
class UnitReport:
    unit: Unit
    filter: ReportFilter
    breadcrumbs: list[Unit]
    children: list[Row]
    items: list[Row]
    roles: list[Row]
    totals: Row
    hours_by_month: list[tuple[int, Decimal]]
    completions_by_month: list[tuple[int, int]]
    people_count: int
    at_risk_count: int
    year_fraction: float


def unit_report(
    viewer: User, unit: Unit, flt: ReportFilter, now: datetime | None = None
) -> UnitReport:
    """Return the completion report for ``unit`` (already scope-checked) and its children.

    A constant number of queries: one GROUP BY (child path prefix, item) for the
    unit × item matrix, one by role, one each for hours and completions by month, one
    count of people and one of those at risk.
    """
    if not can_see_unit(viewer, unit):
        raise PermissionDenied(UNIT_OUTSIDE_SCOPE)
    now = now or timezone.now()
    start, end = year_bounds(flt.year)
    child_len = len(unit.path) + Unit.steplen
    subtree = list(
        Unit.objects.filter(path__startswith=unit.path).values_list(
            "pk", "path", "name", "depth"
        )
    )
    children = {
        path: Row(key=pk, label=name)
        for pk, path, name, depth in subtree
        if depth == unit.depth + 1
    }
    direct = Row(key=unit.pk, label=str(unit), extra={"direct": True})
    unit_row = {
        pk: children.get(path[:child_len], direct) for pk, path, _n, _d in subtree
    }
    item_meta: dict[int, tuple[str, str]] = {}
    inactive: list[int] = []
    for pk, title, item_type, active in TrackedItem.objects.values_list(
        "pk", "title", "item_type", "is_active"
    ):
        if not active:
            inactive.append(pk)
        elif (not flt.item_type or item_type.startswith(flt.item_type)) and (
            not flt.item_id or pk == flt.item_id
        ):
            item_meta[pk] = (title, item_type)
    item_ids = list(item_meta) if (flt.item_type or flt.item_id) else None
    people = people_in_scope(unit, flt)
    scan = _report_scan(flt, people, item_ids, inactive)
    # Scan 1: per person → their unit's child row and their roles' rows.
    person_unit = dict(people.values_list("pk", "unit_id"))
    person_roles: dict[int, list[str]] = defaultdict(list)
    from accounts.models import RoleAssignment

    for user_id, role in RoleAssignment.objects.filter(
        user__in=people.values("pk")
    ).values_list("user_id", "role"):
        person_roles[user_id].append(role)
    fields = ("total", "done", "overdue", "scored", "passed")
    by_unit: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    by_role: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for user_id, *counts in (
        scan.values("user_id")
        .annotate(**_counts(now))
        .order_by()
        .values_list("user_id", *fields)
    ):
        acc = by_unit[person_unit.get(user_id)]
        for i, n in enumerate(counts):
            acc[i] += n
        for code in person_roles.get(user_id, ()):
            acc = by_role[code]
            for i, n in enumerate(counts):
                acc[i] += n
    totals = Row(key=None, label="")
    for unit_id, counts in by_unit.items():
        row = dict(zip(fields, counts, strict=True))
        unit_row.get(unit_id, direct).add(row)
        totals.add(row)
    role_rows = []
    for code in Role.values:
        if code in by_role and (not flt.role or code == flt.role):
            r = Row(key=code, label=str(Role(code).label))
            r.add(dict(zip(fields, by_role[code], strict=True)))
            role_rows.append(r)
    # Scan 2: per item, with the year's completions by month as twelve conditional
    # counts (local month boundaries computed here, so no per-row date function). The
    # people filter goes through ``user_id + 0`` so that SQLite walks the covering index
    # in item order and aggregates as it streams instead of sorting 600,000 rows;
    # PostgreSQL hashes either form.
    bounds = month_bounds(flt.year)
    month_counts = {
        f"m{k}": Count(
            "id", filter=Q(completed_at__gte=bounds[k - 1], completed_at__lt=bounds[k])
        )
        for k in range(1, 13)
    }
    by_item = (
        Assignment.objects.filter(_period_q(flt), required=True)
        .alias(
            uid=ExpressionWrapper(F("user_id") + 0, output_field=models.IntegerField())
        )
        .filter(uid__in=people.values("pk"))
    )
    if item_ids is not None:
        by_item = by_item.filter(item_id__in=item_ids)
    elif inactive:
        by_item = by_item.exclude(item_id__in=inactive)
    items: dict[int, Row] = {}
    completions: dict[int, int] = defaultdict(int)
    for item_counts in (
        by_item.values("item_id").annotate(**_counts(now), **month_counts).order_by()
    ):
        # The plugin types these rows by "item_id" alone; the counts are annotated.
        counts_row: Mapping[str, Any] = item_counts
        title, item_type = item_meta.get(counts_row["item_id"], ("", ""))
        items[counts_row["item_id"]] = Row(
            key=counts_row["item_id"],
            label=title,
            extra={"item_type": item_type, "type_label": item_type_label(item_type)},
        )
        items[counts_row["item_id"]].add(counts_row)
        for k in range(1, 13):
            completions[k] += counts_row[f"m{k}"]
    # Hours of the year: by month for the chart, by person for the at-risk count (the
    # pace rule of ``at_risk_people``, evaluated here on rows already in memory).
    entries = CreditEntry.objects.filter(user_id__in=people.values("pk"), year=flt.year)
    monthly = entries.aggregate(
        **{
            f"m{k}": Sum(
                "hours", filter=Q(earned_at__gte=bounds[k - 1], earned_at__lt=bounds[k])
            )
            for k in range(1, 13)
        }
    )
    hours = {k: monthly[f"m{k}"] or ZERO for k in range(1, 13)}
    person_hours = dict(
        entries.values("user_id")
        .annotate(h=Sum("hours"))
        .order_by()
        .values_list("user_id", "h")
    )
    requirements = requirements_for_year(flt.year)
    fraction = year_fraction(flt.year, now)
    pace = at_risk_pace(flt.year, now)
    at_risk = 0
    if pace:
        for user_id in person_unit:
            target = max(
                (
                    requirements[r].min_hours
                    for r in person_roles.get(user_id, ())
                    if r in requirements and (not flt.role or r == flt.role)
                ),
                default=ZERO,
            )
            if at_risk_shortfall(
                hours=person_hours.get(user_id) or ZERO, target=target, pace=pace
            ):
                at_risk += 1
    child_rows = list(children.values())
    if direct.total:
        child_rows.insert(0, direct)
    return UnitReport(
        unit=unit,
        filter=flt,
        breadcrumbs=breadcrumbs_for(viewer, unit),
        children=child_rows,
        items=sorted(items.values(), key=lambda r: (r.rate, r.label)),
        roles=role_rows,
        totals=totals,
        hours_by_month=[(m, hours.get(m, ZERO)) for m in range(1, 13)],
        completions_by_month=[(m, completions.get(m, 0)) for m in range(1, 13)],
        people_count=len(person_unit),
        at_risk_count=at_risk,
        year_fraction=fraction,
    )


def breadcrumbs_for(viewer: User, unit: Unit) -> list[Unit]:
    """Return the units from the top of ``viewer``'s scope down to ``unit`` (one query)."""
    step = Unit.steplen
    paths = [unit.path[:n] for n in range(step, len(unit.path) + 1, step)]
    ancestors = list(Unit.objects.filter(path__in=paths).order_by("depth"))
    return [u for u in ancestors if can_see_unit(viewer, u)]


def overdue_assignments(
    unit: Unit, flt: ReportFilter, now: datetime | None = None
) -> models.QuerySet[Assignment]:
    """Return overdue required assignments in ``unit``'s subtree, most overdue first."""
    now = now or timezone.now()
    return (
        assignments_in_scope(unit, flt)
        .filter(due_at__lt=now)
        .exclude(status__in=DONE_STATUSES)
        .select_related("user", "user__unit", "item")
        .order_by("due_at", "pk")
    )


def overdue_counts(
    user_ids: list[int], *, flt: ReportFilter, unit: Unit, now: datetime | None = None
) -> dict[int, int]:
    """Return, per person of ``user_ids``, how many required items are overdue (one
    query; a reason shown next to an at-risk person)."""
    return dict(
        overdue_assignments(unit, flt, now)
        .filter(user_id__in=user_ids)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )


def due_soon_assignments(
    unit: Unit, flt: ReportFilter, now: datetime | None = None, days: int | None = None
) -> models.QuerySet[Assignment]:
    """Return required assignments due within ``days`` (RECORDS_DUE_SOON_DAYS) and not done."""
    now = now or timezone.now()
    days = days if days is not None else _setting("RECORDS_DUE_SOON_DAYS", 14)
    return (
        assignments_in_scope(unit, flt)
        .filter(due_at__gte=now, due_at__lt=now + timedelta(days=days))
        .exclude(status__in=DONE_STATUSES)
        .select_related("user", "user__unit", "item")
        .order_by("due_at")
    )


@dataclass(frozen=True)
class AtRiskPace:
    """The hours a person of ``at_risk_people`` has and should have by now."""

    hours: Decimal
    target: Decimal
    expected: Decimal


def pace_of(person: User) -> AtRiskPace:
    """Return the pace annotations ``at_risk_people`` put on ``person``."""
    annotated = vars(person)
    return AtRiskPace(
        hours=annotated["hours"],
        target=annotated["target"],
        expected=annotated["expected"],
    )


def at_risk_people(
    unit: Unit, flt: ReportFilter, now: datetime | None = None
) -> models.QuerySet[User]:
    """Return people in ``unit``'s subtree who are behind the calibrated pace of their
    yearly hours target (docs/records.md).

    With *p* of ``at_risk_pace`` (what one must have by now to finish by the due date
    without more than the catch-up multiple of the normal pace), a person with target
    *T* and *H* hours is at risk when *H* < *T × p* and *T − H* reaches
    ``at_risk_minimum``. When the year is over (p = 1) this lists everyone who missed the
    target. Each row carries ``target``, ``hours`` and ``expected`` (*T × p*).
    """
    now = now or timezone.now()
    pace = at_risk_pace(flt.year, now)
    requirements = requirements_for_year(flt.year)
    whens = [
        When(role_assignments__role=role, then=Value(req.min_hours))
        for role, req in requirements.items()
        if req.min_hours and (not flt.role or role == flt.role)
    ]
    people = people_in_scope(unit, flt)
    if not whens or not pace:
        return people.none()
    hours = (
        CreditEntry.objects.filter(user=OuterRef("pk"), year=flt.year)
        .values("user")
        .annotate(s=Sum("hours"))
        .values("s")
    )
    dec = models.DecimalField(max_digits=8, decimal_places=2)
    return (
        User.objects.filter(pk__in=people.values("pk"))
        .annotate(
            target=Max(Case(*whens, default=Value(ZERO), output_field=dec)),
            hours=Coalesce(
                Subquery(hours, output_field=dec), Value(ZERO), output_field=dec
            ),
        )
        .annotate(
            expected=ExpressionWrapper(
                F("target") * Value(Decimal(str(round(pace, 4)))), output_field=dec
            ),
        )
        .filter(
            target__gt=0,
            hours__lt=F("expected"),
            hours__lte=F("target") - Value(at_risk_minimum(pace)),
        )
        .select_related("unit")
        .order_by("unit__path", "full_name", "pk")
    )


def people_report(
    unit: Unit,
    flt: ReportFilter,
    *,
    offset: int = 0,
    limit: int = 200,
    now: datetime | None = None,
) -> tuple[list[Row], int]:
    """Return one row per person in ``unit``'s subtree (a page of them) with their
    completion and hours, and the number of people. Four queries per page."""
    now = now or timezone.now()
    people_qs = (
        people_in_scope(unit, flt)
        .select_related("unit")
        .order_by("unit__path", "full_name", "pk")
    )
    count = people_qs.count()
    people = list(people_qs[offset : offset + limit])
    ids = [p.pk for p in people]
    stats = {
        r["user_id"]: r
        for r in assignments_in_scope(unit, flt)
        .filter(user_id__in=ids)
        .values("user_id")
        .annotate(**_counts(now))
        .order_by()
    }
    hours = {
        r["user_id"]: r["h"]
        for r in CreditEntry.objects.filter(user_id__in=ids, year=flt.year)
        .values("user_id")
        .annotate(h=Sum("hours"))
        .order_by()
    }
    requirements = requirements_for_year(flt.year)
    roles: dict[int, set[str]] = defaultdict(set)
    from accounts.models import RoleAssignment

    for user_id, role in RoleAssignment.objects.filter(user_id__in=ids).values_list(
        "user_id", "role"
    ):
        roles[user_id].add(role)
    pace = at_risk_pace(flt.year, now)
    rows = []
    for person in people:
        s: Mapping[str, Any] = stats.get(person.pk, {})
        r = Row(key=person.pk, label=person.display_name)
        r.add(s)
        target = max(
            (requirements[x].min_hours for x in roles[person.pk] if x in requirements),
            default=ZERO,
        )
        got = hours.get(person.pk) or ZERO
        r.extra = {
            "person": person,
            "hours": got,
            "target": target,
            "at_risk": bool(at_risk_shortfall(hours=got, target=target, pace=pace)),
        }
        rows.append(r)
    return rows, count


# 会前学法 in the unit report --------------------------------------------------------------

# Functions (leader ids, year) → {leader id: absences with a reason}, registered by the app
# that keeps the attendance lists (courses), so records does not import it.
_PRE_MEETING_ABSENCE_SOURCES: list[Any] = []


def register_pre_meeting_absence_source(source: Any) -> None:
    """Register ``source(user_ids, year) -> {user id: absences}`` (once per app)."""
    if source not in _PRE_MEETING_ABSENCE_SOURCES:
        _PRE_MEETING_ABSENCE_SOURCES.append(source)


@dataclass
class PreMeetingRow:
    person: User
    attended: int
    absent: int
    required: int

    @property
    def met(self) -> bool:
        return self.attended >= self.required


@dataclass
class PreMeetingReport:
    rows: list[PreMeetingRow]
    required: int

    @property
    def leaders(self) -> int:
        return len(self.rows)

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.met)

    @property
    def attended(self) -> int:
        return sum(r.attended for r in self.rows)

    @property
    def absent(self) -> int:
        return sum(r.absent for r in self.rows)


def pre_meeting_report(viewer: User, unit: Unit, year: int) -> PreMeetingReport:
    """The leaders of ``unit``'s subtree with the 会前学法 sessions they attended in
    ``year`` (from the ledger, as on their record), their absences with a reason, and the
    leaders' yearly requirement. Three queries and one per absence source."""
    if not can_see_unit(viewer, unit):
        raise PermissionDenied(UNIT_OUTSIDE_SCOPE)
    leaders = list(
        User.objects.filter(
            unit__path__startswith=unit.path,
            is_active=True,
            role_assignments__role=Role.LEADER,
        )
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "username")
    )
    ids = [p.pk for p in leaders]
    start, end = year_bounds(year)
    attended = dict(
        LearningEvent.objects.filter(
            actor_id__in=ids,
            verb=Verb.ATTENDED,
            object_type=PRE_MEETING_STUDY,
            timestamp__gte=start,
            timestamp__lt=end,
        )
        .values("actor_id")
        .annotate(n=Count("object_id", distinct=True))
        .order_by()
        .values_list("actor_id", "n")
    )
    absent: dict[int, int] = defaultdict(int)
    for source in _PRE_MEETING_ABSENCE_SOURCES:
        for user_id, n in source(ids, year).items():
            absent[user_id] += n
    requirement = requirements_for_year(year).get(Role.LEADER)
    required = requirement.pre_meeting_study_min if requirement else 0
    return PreMeetingReport(
        rows=[
            PreMeetingRow(
                person=p,
                attended=attended.get(p.pk, 0),
                absent=absent.get(p.pk, 0),
                required=required,
            )
            for p in leaders
        ],
        required=required,
    )


# Assignment rules ----------------------------------------------------------------------


def rule_conditions(rules: Iterable[AssignmentRule]) -> Q | None:
    """Return the condition on ``User`` that the union of ``rules`` describes, or None
    for no rule. ``AssignmentRule.matches`` decides the same for one person in Python
    (their agreement is tested in tests/records/test_rules.py)."""
    conditions = []
    for rule in rules:
        if rule.person_id:
            conditions.append(Q(pk=rule.person_id))
            continue
        condition = Q()
        if rule.role:
            condition &= Q(role_assignments__role=rule.role)
        if rule.post_id:
            condition &= Q(post_id=rule.post_id)
        if rule.police_type_id:
            condition &= Q(police_type_id=rule.police_type_id)
        if rule.unit_id:
            # A set unit_id means a unit (the foreign key holds): `unit` is not None.
            if rule.include_subunits and rule.unit is not None:
                condition &= Q(unit__path__startswith=rule.unit.path)
            else:
                condition &= Q(unit_id=rule.unit_id)
        conditions.append(condition)
    if not conditions:
        return None
    return reduce(or_, conditions)


def item_rule_audience(item: TrackedItem | None) -> QuerySet[User]:
    """Return the active people whom ``item``'s rules assign it to."""
    if item is None:
        return User.objects.none()
    condition = rule_conditions(item.rules.select_related("unit"))
    if condition is None:
        return User.objects.none()
    return User.objects.filter(is_active=True).filter(condition).distinct()


def item_rule_due(item: TrackedItem) -> datetime | None:
    """The earliest due date the item's rules set (None: no rule sets one)."""
    dates = [d for d in item.rules.values_list("due_at", flat=True) if d is not None]
    return min(dates) if dates else None


def rules_matching_user(user: User, item_type: str) -> dict[int, list[AssignmentRule]]:
    """Return {tracked item id: the rules that assign it to ``user``} over every rule of
    ``item_type``: one query, whatever the number of items (a transfer recomputes all)."""
    if not user.is_active:
        return {}
    matched: dict[int, list[AssignmentRule]] = defaultdict(list)
    rules = AssignmentRule.objects.filter(item__item_type=item_type).select_related(
        "unit"
    )
    for rule in rules:
        if rule.matches(user):
            matched[rule.item_id].append(rule)
    return dict(matched)


def assigns_everywhere(user: User) -> bool:
    """May ``user`` make assignment rules for any unit (the system admin, trainers, as in
    a course's audience), rather than only inside their own units (unit admins)?"""
    return sees_all_units(user) or user.has_role(Role.TRAINER)


def assignment_rule_in_scope(user: User, rule: AssignmentRule) -> bool:
    """Does ``rule`` lie inside what ``user`` may assign (see ``assigns_everywhere``)?
    A rule of a unit admin names a unit of theirs, or a person of their units."""
    if assigns_everywhere(user):
        return True
    if rule.person is not None:
        unit = rule.person.unit
        return can_see_unit(user, unit) if unit is not None else False
    return rule.unit_id is not None and can_see_unit(user, rule.unit)


def assignment_rule_list(user: User) -> QuerySet[AssignmentRule]:
    """The rules ``user`` may see and delete: every rule for those who assign everywhere,
    else the rules inside their units (a unit or a named person within them)."""
    rules = AssignmentRule.objects.select_related(
        "item", "unit", "post", "police_type", "person", "created_by"
    ).order_by("item__item_type", "item__title", "pk")
    if assigns_everywhere(user):
        return rules
    roots = unit_scope_roots(user)
    if not roots:
        return rules.none()
    inside = reduce(
        or_,
        [
            Q(unit__path__startswith=r.path) | Q(person__unit__path__startswith=r.path)
            for r in roots
        ],
    )
    return rules.filter(inside)
