"""From enforcement problems to training (整改培训).

Each problem category maps to courses, guidelines and question tags
(``ProblemTrainingRule``, configured by trainers). When a problem is recorded
(``casebank.signals.problem_recorded``, inside the recording transaction), the person it
names, or for a problem of a whole unit the unit's active officers, are assigned every
mapped live course, required, due ``due_days`` after the recording; each assignment is
linked to the problem (``casebank.ProblemRemediation``) so the problem shows the
training's state and, once all of it is completed, "已整改（培训完成）".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Unit, User
from audit.services import audit_log
from casebank.models import (
    SEVERITY_WEIGHTS,
    EnforcementProblem,
    GuidelinePage,
    ProblemCategory,
    ProblemRemediation,
)
from records.services import assignment_require

from .models import CoursePage, ProblemTrainingRule
from .services import course_tracked_item

RULE_NOT_ALLOWED = _("Only trainers and the system admin map problems to training.")
RULE_BAD_CATEGORY = _("Unknown problem category.")
REMEDIATION_SOURCE = "problem"
# A category with at least this many problems in a unit's year is "repeated": it is
# raised to the top of the unit's evaluation (docs/evaluation.md).
REPEATED_THRESHOLD = 3


def can_configure_problem_training(user: User) -> bool:
    """Return True for trainers and the system admin."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_role(Role.TRAINER, Role.SYSTEM_ADMIN))
    )


@transaction.atomic
def problem_training_rule_save(
    *,
    editor: User,
    category: str,
    courses: Iterable[CoursePage] = (),
    guidelines: Iterable[GuidelinePage] = (),
    question_tags: str = "",
    due_days: int = 30,
    request=None,
) -> ProblemTrainingRule:
    """Create or replace the training mapped to ``category``; audited.

    Raise ``PermissionDenied`` for anyone but trainers and the system admin and
    ``ValidationError`` for an unknown category or a bad number of days.
    """
    if not can_configure_problem_training(editor):
        raise PermissionDenied(RULE_NOT_ALLOWED)
    if category not in ProblemCategory.values:
        raise ValidationError({"category": RULE_BAD_CATEGORY})
    rule = ProblemTrainingRule.objects.filter(category=category).first()
    rule = rule or ProblemTrainingRule(category=category)
    rule.question_tags = question_tags.strip()[:300]
    rule.due_days = due_days
    rule.updated_by = editor
    rule.full_clean()
    rule.save()
    rule.courses.set(list(courses))
    rule.guidelines.set(list(guidelines))
    audit_log(
        action="courses.problem_training.save",
        actor=editor,
        request=request,
        target=rule,
        details={
            "category": category,
            "courses": sorted(c.pk for c in rule.courses.all()),
            "due_days": due_days,
        },
    )
    return rule


def _due(days: int, now: dt.datetime) -> dt.datetime:
    """The end of the local day ``days`` after ``now``."""
    day = timezone.localtime(now).date() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def remediation_people(problem: EnforcementProblem) -> QuerySet[User]:
    """Return who must learn: the person named, or the unit's active officers."""
    if problem.person_id:
        return User.objects.filter(pk=problem.person_id, is_active=True)
    return User.objects.filter(
        is_active=True,
        unit__path__startswith=problem.unit.path,
        role_assignments__role=Role.OFFICER,
    ).distinct()


def problem_remediation_assign(
    *, problem: EnforcementProblem, now: dt.datetime | None = None
) -> list[ProblemRemediation]:
    """Assign the learning mapped to ``problem``'s category and link it to the problem.
    Safe to call twice (one assignment per course and person, one link each)."""
    rule = (
        ProblemTrainingRule.objects.filter(category=problem.category)
        .prefetch_related("courses")
        .first()
    )
    if rule is None:
        return []
    courses = [c for c in rule.courses.all() if c.live]
    if not courses:
        return []
    now = now or timezone.now()
    due_at = _due(rule.due_days, now)
    people = list(remediation_people(problem))
    links = []
    for course in courses:
        item = course_tracked_item(course=course)
        period = course.period_for()
        for person in people:
            assignment = assignment_require(
                user=person,
                item=item,
                period=period,
                due_at=due_at,
                source=REMEDIATION_SOURCE,
            )
            link, _created = ProblemRemediation.objects.get_or_create(
                problem=problem, assignment=assignment, defaults={"due_at": due_at}
            )
            links.append(link)
    return links


@dataclass
class CategoryCount:
    """Problems of one category in a unit's subtree and year."""

    category: str
    label: str
    count: int
    weighted: int
    repeated: bool


def problem_category_summary(
    *, unit: Unit, year: int, threshold: int = REPEATED_THRESHOLD
) -> list[CategoryCount]:
    """Return the categories of the problems in ``unit``'s subtree found in ``year``,
    repeated ones first, then by count (one query)."""
    # The plugin types these rows by "category" and "n"; n_<severity> are annotated too.
    rows: Iterable[Mapping[str, Any]] = (
        EnforcementProblem.objects.filter(
            unit__path__startswith=unit.path, found_on__year=year
        )
        .values("category")
        .annotate(
            n=Count("id"),
            **{
                f"n_{severity}": Count("id", filter=Q(severity=severity))
                for severity in SEVERITY_WEIGHTS
            },
        )
    )
    labels = dict(ProblemCategory.choices)
    out = [
        CategoryCount(
            category=row["category"],
            label=str(labels.get(row["category"], row["category"])),
            count=row["n"],
            weighted=sum(
                weight * row[f"n_{severity}"]
                for severity, weight in SEVERITY_WEIGHTS.items()
            ),
            repeated=row["n"] >= threshold,
        )
        for row in rows
    ]
    out.sort(key=lambda c: (not c.repeated, -c.count, c.category))
    return out
