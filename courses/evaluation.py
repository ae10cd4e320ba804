"""执法考评: the evaluation of training and enforcement quality (reads only).

Every figure is computed from the tables it summarises, in a fixed number of grouped
queries whatever the size of the force: credit entries (学时), exam grades, 会前学法
attendance, legal-officer certifications and offline activities from the training record,
and the enforcement problems and their remedial training from the case bank's register.
The formulas are in docs/evaluation.md, one section per ``IndicatorCode``; each number on
the pages carries its numerator and denominator so it can be traced to the records.

Which people count: the active people whose unit lies in the unit's subtree. Which
period: the evaluation year, from 1 January to ``as_of`` (inclusive).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import Role, RoleAssignment, Unit, User
from casebank.models import (
    SEVERITY_WEIGHTS,
    CaseVolume,
    EnforcementProblem,
    ProblemRemediation,
)
from exams.models import ExamGrade, ExamSession
from records.models import (
    Certification,
    CertificationKind,
    CreditEntry,
    OfflineActivity,
    OfflineKind,
    OfflineStatus,
)
from records.selectors import requirements_for_year, targets_merge

from .models import (
    AttendanceStatus,
    EvaluationScheme,
    IndicatorCode,
    PreMeetingAttendance,
    SchemeStatus,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Offline activities that count (旁听庭审, lectures by prosecutors and judges).
OFFLINE_KINDS = (
    OfflineKind.COURT_HEARING,
    OfflineKind.PROSECUTOR_LECTURE,
    OfflineKind.JUDGE_LECTURE,
)
# The scheme used while no version of the year is approved: (weight, target).
DEFAULT_INDICATORS: dict[str, tuple[Decimal, Decimal | None]] = {
    IndicatorCode.HOURS: (Decimal(20), None),
    IndicatorCode.EXAM_PASS: (Decimal(15), None),
    IndicatorCode.EXAM_AVERAGE: (Decimal(10), None),
    IndicatorCode.PRE_MEETING: (Decimal(10), None),
    IndicatorCode.LEGAL_OFFICER: (Decimal(5), None),
    IndicatorCode.PROBLEMS_PER_100_CASES: (Decimal(15), Decimal(10)),
    IndicatorCode.PROBLEMS_PER_OFFICER: (Decimal(10), Decimal(3)),
    IndicatorCode.PROBLEMS_CLOSED: (Decimal(10), None),
    IndicatorCode.OFFLINE: (Decimal(5), Decimal(2)),
}
# Indicators that only a unit has (a person handles no "cases of the unit").
UNIT_ONLY = {IndicatorCode.PROBLEMS_PER_100_CASES}


def q2(value: Decimal) -> Decimal:
    """Round to two decimals, half up (the precision every page and export shows)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# The scheme -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeInForce:
    """The weights and targets used for a year, and where they come from."""

    year: int
    indicators: dict[str, tuple[Decimal, Decimal | None]]
    scheme: EvaluationScheme | None = None

    @property
    def approved(self) -> bool:
        return self.scheme is not None

    @property
    def label(self) -> str:
        return f"{self.year} v{self.scheme.version}" if self.scheme else ""


def scheme_in_force(year: int) -> SchemeInForce:
    """Return the latest approved version of ``year``'s scheme, or the default weights
    (``approved`` False) when none is approved."""
    scheme = (
        EvaluationScheme.objects.filter(year=year, status=SchemeStatus.APPROVED)
        .prefetch_related("indicators")
        .order_by("-version")
        .first()
    )
    if scheme is None:
        return SchemeInForce(year=year, indicators=dict(DEFAULT_INDICATORS))
    return SchemeInForce(
        year=year,
        indicators={i.code: (i.weight, i.target) for i in scheme.indicators.all()},
        scheme=scheme,
    )


# Facts: sums that add up from people to units ---------------------------------------------


@dataclass
class Facts:
    """The raw counts behind the indicators of one person or one unit's subtree. Every
    field is a sum, so a unit's facts are its people's facts added up, except the problem
    fields of a unit, which count every problem recorded against the subtree's units
    (including problems of a whole unit, which name no person)."""

    people: int = 0
    hours: Decimal = ZERO  # 学时 credited in the period
    hours_capped: Decimal = ZERO  # Σ min(hours, target) over people with a target
    hours_target: Decimal = ZERO  # Σ target
    exams_graded: int = 0
    exams_passed: int = 0
    exam_percent_sum: Decimal = ZERO
    pre_meeting_attended: int = 0
    pre_meeting_capped: int = 0  # Σ min(attended, required)
    pre_meeting_required: int = 0
    legal_officers: int = 0
    legal_qualified: int = 0
    problems: int = 0
    problems_minor: int = 0
    problems_serious: int = 0
    problems_grave: int = 0
    problems_weighted: int = 0
    cases_handled: int = 0
    remediated: int = 0  # problems with remedial training
    closed: int = 0  # ... all of it completed
    closed_on_time: int = 0  # ... all of it completed by its due date
    offline: int = 0
    offline_capped: int = 0  # Σ min(activities, target)
    offline_target: int = 0  # people × target

    def as_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@dataclass
class IndicatorResult:
    """One indicator: its value (ratio, average or rate), score 0–100 and weight; both
    None when it does not apply (no denominator)."""

    code: str
    label: str
    weight: Decimal
    value: Decimal | None
    score: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None


def _ratio(num, den) -> Decimal | None:
    return Decimal(num) / Decimal(den) if den else None


def _rate_score(rate: Decimal | None, target: Decimal | None) -> Decimal | None:
    """100 at no problems, falling linearly to 0 at ``target``."""
    if rate is None:
        return None
    target = target or Decimal(1)
    return max(ZERO, HUNDRED * (1 - rate / target))


def indicator_result(
    code: str, facts: Facts, weight: Decimal, target: Decimal | None, *, unit: bool
) -> IndicatorResult:
    """Return indicator ``code`` for ``facts`` (a unit's when ``unit``, else a
    person's). The formulas, one branch each, are documented in docs/evaluation.md."""
    label = str(IndicatorCode(code).label)
    num: Decimal | int | None
    den: Decimal | int | None
    if code == IndicatorCode.HOURS:
        num, den = facts.hours_capped, facts.hours_target
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    elif code == IndicatorCode.EXAM_PASS:
        num, den = facts.exams_passed, facts.exams_graded
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    elif code == IndicatorCode.EXAM_AVERAGE:
        num, den = facts.exam_percent_sum, facts.exams_graded
        value = _ratio(num, den)
        score = value
    elif code == IndicatorCode.PRE_MEETING:
        num, den = facts.pre_meeting_capped, facts.pre_meeting_required
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    elif code == IndicatorCode.LEGAL_OFFICER:
        num, den = facts.legal_qualified, facts.legal_officers
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    elif code == IndicatorCode.PROBLEMS_PER_100_CASES:
        num, den = facts.problems_weighted, facts.cases_handled
        value = _ratio(HUNDRED * num, den) if unit else None
        score = _rate_score(value, target)
    elif code == IndicatorCode.PROBLEMS_PER_OFFICER:
        num = facts.problems_weighted
        den = facts.people if unit else 1
        value = _ratio(num, den) if facts.people else None
        score = _rate_score(value, target)
    elif code == IndicatorCode.PROBLEMS_CLOSED:
        num, den = facts.closed_on_time, facts.remediated
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    elif code == IndicatorCode.OFFLINE:
        num, den = facts.offline_capped, facts.offline_target
        value = _ratio(num, den)
        score = value * HUNDRED if value is not None else None
    else:  # pragma: no cover - IndicatorCode lists every code above
        raise ValueError(code)
    return IndicatorResult(
        code=code,
        label=label,
        weight=weight,
        value=q2(value) if value is not None else None,
        score=q2(score) if score is not None else None,
        numerator=num,
        denominator=den,
    )


def total_score(results: list[IndicatorResult]) -> Decimal | None:
    """The weighted mean of the indicators that apply (weights of the others are left
    out, so a person is not marked down for what does not concern them)."""
    weighed = [(r.weight, r.score) for r in results if r.score is not None and r.weight]
    weights = sum((w for w, _s in weighed), ZERO)
    if not weights:
        return None
    return q2(sum((w * s for w, s in weighed), ZERO) / weights)


@dataclass
class Evaluation:
    """The evaluation of one unit's subtree or one person."""

    kind: str  # "unit" or "person"
    key: int
    label: str
    facts: Facts
    results: list[IndicatorResult] = field(default_factory=list)
    score: Decimal | None = None
    rank: int | None = None
    peers: int | None = None
    unit_path: str = ""
    unit_id: int | None = None

    def result(self, code: str) -> IndicatorResult | None:
        return next((r for r in self.results if r.code == code), None)


def _score(ev: Evaluation, scheme: SchemeInForce) -> Evaluation:
    unit = ev.kind == "unit"
    ev.results = [
        indicator_result(code, ev.facts, weight, target, unit=unit)
        for code, (weight, target) in scheme.indicators.items()
        if unit or code not in UNIT_ONLY
    ]
    ev.score = total_score(ev.results)
    return ev


def rank(evaluations: list[Evaluation]) -> None:
    """Set ``rank`` (1 = best; equal scores share a rank, the next is skipped) and
    ``peers`` on each; an evaluation without a score gets no rank."""
    scored = sorted(
        (e for e in evaluations if e.score is not None),
        key=lambda e: -(e.score or ZERO),
    )
    for e in evaluations:
        e.peers = len(scored)
        e.rank = None
    for position, e in enumerate(scored, start=1):
        e.rank = (
            scored[position - 2].rank
            if position > 1 and scored[position - 2].score == e.score
            else position
        )


# Gathering ------------------------------------------------------------------------------


def period_bounds(year: int, as_of: dt.date | None) -> tuple[dt.date, dt.datetime]:
    """Return (last day counted, the moment after it) for ``year`` up to ``as_of``."""
    last = dt.date(year, 12, 31)
    if as_of is not None and as_of < last:
        last = as_of
    end = timezone.make_aware(
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    )
    return last, end


@dataclass
class Gathered:
    """Everything ``gather`` read: facts per person (when asked) and per unit."""

    persons: dict[int, Facts]
    person_unit: dict[int, int]
    person_label: dict[int, str]
    unit_facts: dict[int | None, Facts]  # None: people in no unit
    units: dict[int, Unit]


def gather(
    *,
    root: Unit,
    year: int,
    scheme: SchemeInForce,
    as_of: dt.date | None = None,
    person: User | None = None,
    with_people: bool = True,
) -> Gathered:
    """Read the facts of the active people of ``root``'s subtree (or of ``person``
    alone) and the problems of its units, in a fixed number of grouped queries.

    Every unit's facts are summed as the people are read (``unit_facts``); a Facts per
    person is kept only ``with_people`` (the per-person rows of exams and problems are
    then read too, which a unit's totals do not need)."""
    last, end = period_bounds(year, as_of)
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    units: dict[int, Unit] = {}
    if person is not None:
        people = User.objects.filter(pk=person.pk)
        with_people = True
    else:
        # The subtree's unit ids as a list: the filters below then use the indexes on
        # unit_id instead of joining every row to its unit's path.
        units = {u.pk: u for u in Unit.objects.filter(path__startswith=root.path)}
        people = User.objects.filter(is_active=True, unit_id__in=list(units))
    rows = list(people.values_list("pk", "unit_id", "full_name", "username"))
    person_unit = {pk: unit_id for pk, unit_id, *_r in rows}
    person_label = (
        {pk: name or username for pk, _u, name, username in rows} if with_people else {}
    )
    ids = people.values("pk")

    # Targets: one merge per distinct set of roles.
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in RoleAssignment.objects.filter(user_id__in=ids).values_list(
        "user_id", "role"
    ):
        roles[user_id].add(role)
    requirements = requirements_for_year(year)
    merged: dict[frozenset, Any] = {}

    hours = dict(
        CreditEntry.objects.filter(user_id__in=ids, year=year, earned_at__lt=end)
        .values("user_id")
        .annotate(total=Sum("hours"))
        .values_list("user_id", "total")
    )
    attended = dict(
        PreMeetingAttendance.objects.filter(
            user_id__in=ids,
            status=AttendanceStatus.ATTENDED,
            session__held_on__year=year,
            session__held_on__lte=last,
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    qualified = set(
        Certification.objects.filter(
            user_id__in=ids,
            kind=CertificationKind.LEGAL_OFFICER,
            issued_at__lte=last,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=last))
        .values_list("user_id", flat=True)
    )
    offline = dict(
        OfflineActivity.objects.filter(
            user_id__in=ids,
            status=OfflineStatus.APPROVED,
            kind__in=OFFLINE_KINDS,
            occurred_on__year=year,
            occurred_on__lte=last,
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    offline_target = int(
        (scheme.indicators.get(IndicatorCode.OFFLINE, (0, None))[1]) or 0
    )

    unit_facts: dict[int | None, Facts] = defaultdict(Facts)
    persons: dict[int, Facts] = {}
    for pk, unit_id, *_r in rows:
        key = frozenset(roles.get(pk, ()))
        t = merged.get(key)
        if t is None:
            t = merged[key] = targets_merge(key, year, requirements)
        u = unit_facts[unit_id]
        h = hours.get(pk) or ZERO
        u.people += 1
        u.hours += h
        f = Facts(people=1, hours=h) if with_people else None
        if t.min_hours > 0:
            capped = h if h < t.min_hours else t.min_hours
            u.hours_target += t.min_hours
            u.hours_capped += capped
            if f is not None:
                f.hours_target, f.hours_capped = t.min_hours, capped
        n = attended.get(pk, 0)
        u.pre_meeting_attended += n
        if t.pre_meeting_study_min > 0:
            capped_n = min(n, t.pre_meeting_study_min)
            u.pre_meeting_required += t.pre_meeting_study_min
            u.pre_meeting_capped += capped_n
            if f is not None:
                f.pre_meeting_required = t.pre_meeting_study_min
                f.pre_meeting_capped = capped_n
        legal = Role.LEGAL_OFFICER in key
        if legal:
            u.legal_officers += 1
            u.legal_qualified += int(pk in qualified)
        n_off = offline.get(pk, 0)
        u.offline += n_off
        if offline_target:
            u.offline_target += offline_target
            u.offline_capped += min(n_off, offline_target)
        if f is not None:
            f.pre_meeting_attended = n
            if legal:
                f.legal_officers, f.legal_qualified = 1, int(pk in qualified)
            f.offline = n_off
            if offline_target:
                f.offline_target = offline_target
                f.offline_capped = min(n_off, offline_target)
            persons[pk] = f

    grades = ExamGrade.objects.filter(
        user_id__in=ids,
        session__kind=ExamSession.Kind.EXAM,
        session__opens_at__gte=start,
        session__opens_at__lt=end,
        updated_at__lt=end,
    )
    exam_sums = {
        "n": Count("id"),
        "passed": Count("id", filter=Q(passed=True)),
        "s": Sum("percent"),
    }
    # The plugin types these rows by their values() key; exam_sums are annotated too.
    if with_people:
        for person_grades in grades.values("user_id").annotate(**exam_sums):
            by_person: Mapping[str, Any] = person_grades
            user_id = by_person["user_id"]
            for f in (persons[user_id], unit_facts[person_unit[user_id]]):
                f.exams_graded += by_person["n"]
                f.exams_passed += by_person["passed"]
                f.exam_percent_sum += by_person["s"] or ZERO
    else:
        for unit_grades in grades.values("user__unit_id").annotate(**exam_sums):
            by_unit: Mapping[str, Any] = unit_grades
            f = unit_facts[by_unit["user__unit_id"]]
            f.exams_graded += by_unit["n"]
            f.exams_passed += by_unit["passed"]
            f.exam_percent_sum += by_unit["s"] or ZERO

    # Problems: a unit's are those recorded against it, whoever they name; a person's
    # are those that name them.
    problems = EnforcementProblem.objects.filter(
        found_on__year=year, found_on__lte=last
    )
    if person is not None:
        problems = problems.filter(person_id=person.pk)
    else:
        problems = problems.filter(unit_id__in=list(units))

    def add_problems(f: Facts, severity: str, n: int) -> None:
        f.problems += n
        name = f"problems_{severity}"
        setattr(f, name, getattr(f, name) + n)
        f.problems_weighted += SEVERITY_WEIGHTS[severity] * n

    for unit_row in problems.values("unit_id", "severity").annotate(n=Count("id")):
        add_problems(
            unit_facts[unit_row["unit_id"]], unit_row["severity"], unit_row["n"]
        )
    if with_people:
        for person_row in (
            problems.filter(person_id__in=ids)
            .values("person_id", "severity")
            .annotate(n=Count("id"))
        ):
            if person_row["person_id"] in persons:
                add_problems(
                    persons[person_row["person_id"]],
                    person_row["severity"],
                    person_row["n"],
                )
    # Each problem with remedial training: how many links, how many completed, how many
    # completed by their due date (read from the links, the smaller table).
    done = Q(assignment__status="completed", assignment__completed_at__lt=end)
    remediated = (
        ProblemRemediation.objects.filter(problem__in=problems.values("pk"))
        .values("problem_id", "problem__person_id", "problem__unit_id")
        .annotate(
            n_rem=Count("id"),
            n_done=Count("id", filter=done),
            n_ok=Count(
                "id", filter=done & Q(assignment__completed_at__lte=F("due_at"))
            ),
        )
        .values_list(
            "problem__person_id", "problem__unit_id", "n_rem", "n_done", "n_ok"
        )
    )
    for person_id, unit_id, n_rem, n_done, n_ok in remediated:
        targets_ = [unit_facts[unit_id]]
        if person_id in persons:
            targets_.append(persons[person_id])
        for f in targets_:
            f.remediated += 1
            f.closed += int(n_done == n_rem)
            f.closed_on_time += int(n_ok == n_rem)
    if person is None:
        for unit_id, n in CaseVolume.objects.filter(
            year=year, unit_id__in=list(units)
        ).values_list("unit_id", "cases_handled"):
            unit_facts[unit_id].cases_handled += n
    return Gathered(
        persons=persons,
        person_unit=person_unit,
        person_label=person_label,
        unit_facts=dict(unit_facts),
        units=units,
    )


@dataclass
class UnitEvaluation:
    """The answer of ``evaluate``: the root, the requested buckets and the people."""

    year: int
    as_of: dt.date
    scheme: SchemeInForce
    root: Evaluation
    buckets: dict[int, Evaluation]
    people: dict[int, Evaluation]


def evaluate(
    *,
    root: Unit,
    year: int,
    scheme: SchemeInForce | None = None,
    as_of: dt.date | None = None,
    buckets: list[Unit] | None = None,
    with_people: bool = True,
) -> UnitEvaluation:
    """Evaluate ``root``'s subtree, each of ``buckets`` (units inside it: children to
    compare, peers to rank), and (``with_people``) every person in it."""
    scheme = scheme or scheme_in_force(year)
    last, _end = period_bounds(year, as_of)
    data = gather(
        root=root, year=year, scheme=scheme, as_of=as_of, with_people=with_people
    )
    wanted = {root.pk: root, **{u.pk: u for u in buckets or []}}
    by_path = {u.path: u.pk for u in wanted.values()}
    groups = {
        pk: Evaluation(
            kind="unit",
            key=pk,
            label=u.name,
            facts=Facts(),
            unit_path=u.path,
            unit_id=pk,
        )
        for pk, u in wanted.items()
    }
    step = Unit.steplen
    paths: dict[int | None, str] = {pk: u.path for pk, u in data.units.items()}
    names = [f.name for f in fields(Facts)]
    for unit_id, facts in data.unit_facts.items():
        path = paths.get(unit_id, "")
        for i in range(step, len(path) + 1, step):
            group = by_path.get(path[:i])
            if group is None:
                continue
            target = groups[group].facts
            for name in names:
                setattr(target, name, getattr(target, name) + getattr(facts, name))
    people: dict[int, Evaluation] = {}
    if with_people:
        for pk, facts in data.persons.items():
            unit_id = data.person_unit.get(pk)
            people[pk] = _score(
                Evaluation(
                    kind="person",
                    key=pk,
                    label=data.person_label[pk],
                    facts=facts,
                    unit_id=unit_id,
                    unit_path=paths.get(unit_id, ""),
                ),
                scheme,
            )
    for group in groups.values():
        _score(group, scheme)
    return UnitEvaluation(
        year=year,
        as_of=last,
        scheme=scheme,
        root=groups[root.pk],
        buckets={pk: groups[pk] for pk in wanted if pk != root.pk},
        people=people,
    )


def evaluate_person(
    *,
    person: User,
    year: int,
    scheme: SchemeInForce | None = None,
    as_of: dt.date | None = None,
) -> Evaluation:
    """Evaluate one person (their own problems, training and activities)."""
    scheme = scheme or scheme_in_force(year)
    root = person.unit or Unit(path="")
    data = gather(root=root, year=year, scheme=scheme, as_of=as_of, person=person)
    facts = data.persons.get(person.pk) or Facts(people=1)
    return _score(
        Evaluation(
            kind="person",
            key=person.pk,
            label=person.display_name,
            facts=facts,
            unit_id=person.unit_id,
        ),
        scheme,
    )


# What the pages show --------------------------------------------------------------------


@dataclass
class TrendPoint:
    month: int
    score: Decimal | None
    frozen: bool


@dataclass
class UnitEvaluationPage:
    """A unit's evaluation as the leader's page, the export and the API show it."""

    unit: Unit
    year: int
    as_of: dt.date
    scheme: SchemeInForce
    evaluation: Evaluation
    children: list[Evaluation]
    people: list[Evaluation]
    trend: list[TrendPoint]
    categories: list[Any]


def monthly_trend(
    *,
    unit: Unit | None = None,
    person: User | None = None,
    year: int,
    live: Decimal | None,
    today: dt.date | None = None,
) -> list[TrendPoint]:
    """Return the score at the end of each month of ``year``: the month's current frozen
    snapshot where there is one, the live score for the running month, None otherwise."""
    from .models import EvaluationSnapshotRow

    rows = EvaluationSnapshotRow.objects.filter(
        snapshot__is_current=True, snapshot__period__startswith=f"{year}-"
    )
    rows = rows.filter(unit=unit) if unit is not None else rows.filter(person=person)
    frozen = {
        int(period[5:7]): score
        for period, score in rows.values_list("snapshot__period", "score")
    }
    today = today or timezone.localdate()
    points = []
    for month in range(1, 13):
        if month in frozen:
            points.append(TrendPoint(month, frozen[month], True))
        elif year == today.year and month == today.month:
            points.append(TrendPoint(month, live, False))
        else:
            points.append(TrendPoint(month, None, False))
    return points


def unit_evaluation_page(
    *, unit: Unit, year: int, with_people: bool = False, as_of: dt.date | None = None
) -> UnitEvaluationPage:
    """Evaluate ``unit``, rank it among its peers (the other children of its parent) and
    its children among themselves; with ``with_people`` score every person of it."""
    from .remediation import problem_category_summary

    parent = unit.get_parent()
    peers = list(parent.get_children()) if parent is not None else [unit]
    children = list(unit.get_children())
    root = parent or unit
    ev = evaluate(
        root=root,
        year=year,
        as_of=as_of,
        buckets=[u for u in peers + children if u.pk != root.pk],
        with_people=with_people,
    )
    own = ev.root if root.pk == unit.pk else ev.buckets[unit.pk]
    rank([own] if parent is None else [ev.buckets[p.pk] for p in peers])
    kids = [ev.buckets[c.pk] for c in children]
    rank(kids)
    people = sorted(
        (p for p in ev.people.values() if p.unit_path.startswith(unit.path)),
        key=lambda p: (p.score is None, p.score or 0, p.label),
    )
    return UnitEvaluationPage(
        unit=unit,
        year=year,
        as_of=ev.as_of,
        scheme=ev.scheme,
        evaluation=own,
        children=kids,
        people=people,
        trend=monthly_trend(unit=unit, year=year, live=own.score),
        categories=problem_category_summary(unit=unit, year=year),
    )


def trend_svg_points(trend: list[TrendPoint]) -> list[dict[str, Any]]:
    """Coordinates for the server-drawn SVG chart (600 × 200, score 0–100 upwards)."""
    return [
        {
            "month": p.month,
            "x": 40 + (p.month - 1) * 50,
            "y": None if p.score is None else round(180 - float(p.score) * 1.6, 1),
            "label_y": None
            if p.score is None
            else round(172 - float(p.score) * 1.6, 1),
            "score": p.score,
            "frozen": p.frozen,
        }
        for p in trend
    ]
