"""Writes of the exam engine: questions, sessions, attempts, grading, marking, regrading.

Integrity rules live here, not in views: the server clock decides (``timezone.now()``;
nothing the client says about time is read), a save must carry a sequence number above
the last accepted one, nothing is saved after the deadline plus the grace period, and
grading is idempotent (one ``Result`` per attempt, taken under a row lock).
"""

from __future__ import annotations

import ipaddress
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from audit.services import audit_log
from records.models import Assignment, TrackedItem
from records.selectors import rule_conditions

from . import qtypes, scoring
from .drawing import paper_draw
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Blueprint,
    BlueprintItem,
    Category,
    Certificate,
    ExamGrade,
    ExamOverride,
    ExamSession,
    MarkingTask,
    Question,
    QuestionAdjustment,
    QuestionVersion,
    Result,
)

# Error texts (English msgids, translated; tests assert on the constants).
NOT_IN_AUDIENCE = gettext_noop("This exam is not assigned to you.")
NOT_OPEN_YET = gettext_noop("This exam opens at {when}.")
CLOSED = gettext_noop("This exam closed at {when}.")
NO_ATTEMPTS_LEFT = gettext_noop("You have used all {n} attempts allowed.")
WRONG_ACCESS_CODE = gettext_noop("The access code is wrong.")
ACCESS_CODE_THROTTLED = gettext_noop(
    "Too many wrong access codes. Wait {minutes} minutes or ask the invigilator."
)
NETWORK_NOT_ALLOWED = gettext_noop(
    "Exams can only be taken from the designated network (your address: {ip})."
)
DEADLINE_PASSED = gettext_noop(
    "The time for this attempt is over: answers can no longer be saved."
)
ATTEMPT_NOT_OPEN = gettext_noop(
    "This attempt has already been submitted: answers can no longer be changed."
)
STALE_SAVE = gettext_noop(
    "This save is older than one already received and was ignored (sequence {seq} ≤ {last})."
)
BAD_ANSWER = gettext_noop("Question {n}: the answer is not valid.")
SECOND_MARKER_SAME = gettext_noop(
    "The second marking must be done by a different marker."
)
MARK_OWN_ATTEMPT = gettext_noop("You cannot mark your own answers.")
MARK_CO_CANDIDATE = gettext_noop(
    "You are a candidate on this paper in a session that is still running: you cannot "
    "mark its answers or see its rubric until it closes."
)
OWN_ATTEMPT_RUNNING = gettext_noop(
    "Your own exam attempt is running: exam administration and marking are closed to "
    "you until you submit it."
)
LATE_SAVE_REFUSED = gettext_noop(
    "The time for this attempt is over: this save was not made before the deadline "
    "and was not accepted."
)
POINTS_OUT_OF_RANGE = gettext_noop(
    "Rubric points must lie between 0 and the points of each item."
)
CHECK_NOT_ALLOWED = gettext_noop(
    "Answers can only be checked during practice: in an exam the results come after it."
)
CHECK_UNANSWERED = gettext_noop("Question {n}: answer it before checking.")
CHECKED_LOCKED = gettext_noop(
    "Question {n} was checked: its answer can no longer be changed."
)
REMOVED_FROM_AUDIENCE = gettext_noop("You are no longer in the audience of this exam.")
UNKNOWN_QTYPE = gettext_noop("Unknown question type “{value}”.")
UNIQUE_ATTEMPT_CLASH = gettext_noop(
    "Another attempt was started at the same moment; please reload."
)


logger = logging.getLogger(__name__)


def grace_seconds() -> int:
    return int(getattr(settings, "EXAMS_GRACE_SECONDS", 60))


def deadline_submit_spread_seconds() -> int:
    """How long candidates' pages may wait, at random, before submitting when time is up.

    A hall whose clocks run out in the same second would otherwise submit in the same
    second. Answers are locked and flushed at the deadline, so the wait changes nothing
    but the load; it stays within a third of the grace, and the overdue sweep submits
    anything that still does not arrive.
    """
    spread = int(getattr(settings, "EXAMS_DEADLINE_SUBMIT_SPREAD_SECONDS", 15))
    return max(0, min(spread, grace_seconds() // 3))


class ExamError(ValidationError):
    """A refusal with an HTTP status and a machine code for the API/JSON views."""

    def __init__(
        self, message: str, *, code: str, status: int = 409, **extra: Any
    ) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.extra = extra


def audit_later(
    *,
    action: str,
    actor: User | None,
    target,
    request=None,
    details: dict | None = None,
) -> None:
    """Audit an action from a task after the commit instead of inside the request.

    Hundreds of candidates start in the same minute; the audit entry records the client
    address seen by the request and the server time of the action. When the broker
    cannot take the task, the entry is written here, after the commit, instead.
    """
    from core.net import client_ip

    payload = dict(details or {})
    payload["at"] = timezone.now().isoformat()
    if request is not None:
        payload["ip"] = client_ip(request)
    entry = {
        "action": action,
        "actor_id": getattr(actor, "pk", None),
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "target_repr": str(target)[:255],
        "details": payload,
    }
    transaction.on_commit(lambda: _send_audit(entry))


def _send_audit(entry: dict) -> None:
    from .tasks import write_audit_entry

    try:
        write_audit_entry.delay(**entry)
    except Exception:  # noqa: BLE001 - broker down: audit here rather than lose the entry
        logger.warning(
            "audit task not queued (broker unavailable); writing %s directly",
            entry["action"],
        )
        write_audit_entry.run(**entry)


# Question bank -----------------------------------------------------------------


def category_get_or_create(*, subject: str, topic: str = "") -> Category:
    """Return the topic ``subject / topic`` (or the subject), creating what is missing."""
    parent, _created = Category.objects.get_or_create(parent=None, name=subject.strip())
    if not topic.strip():
        return parent
    child, _created = Category.objects.get_or_create(parent=parent, name=topic.strip())
    return child


CONTENT_FIELDS = ("stem", "material", "options", "answer", "analysis", "parts")


def question_validate(*, qtype: str, content: dict[str, Any]) -> list[str]:
    """Return the problems with a question's content (empty when fine), in the UI language."""
    try:
        handler = qtypes.get(qtype)
    except KeyError:
        return [_(UNKNOWN_QTYPE).format(value=qtype)]
    return handler.validate(content)


@transaction.atomic
def question_create(
    *,
    category: Category,
    qtype: str,
    content: dict[str, Any],
    difficulty: int = 3,
    level: str = "basic",
    police_type: str = "",
    tags: list[str] | None = None,
    article_refs: list[str] | None = None,
    source: str = "",
    source_key: str | None = None,
    actor: User | None = None,
) -> Question:
    """Create a question with its first version. Raises ValidationError on bad content."""
    errors = question_validate(qtype=qtype, content=content)
    if errors:
        raise ValidationError(errors)
    question = Question(
        category=category,
        qtype=qtype,
        difficulty=difficulty,
        level=level,
        police_type=police_type,
        tags=tags or [],
        article_refs=article_refs or [],
        source=source,
        source_key=source_key,
        created_by=actor,
    )
    question.full_clean(exclude=["current_version"])
    question.save()
    version = QuestionVersion(
        question=question,
        number=1,
        **{
            k: content.get(k, "" if k in ("stem", "material", "analysis") else [])
            for k in CONTENT_FIELDS
        },
    )
    version.save()
    question.current_version = version
    question.save(update_fields=["current_version"])
    question_link_articles(question=question)
    return question


def version_in_use(version: QuestionVersion) -> bool:
    return AttemptQuestion.objects.filter(version=version).exists()


@transaction.atomic
def question_edit(
    *,
    question: Question,
    content: dict[str, Any],
    actor: User | None = None,
    request=None,
    **attributes: Any,
) -> QuestionVersion:
    """Change a question. Content edits to a version already shown in an attempt create a
    new version (attempts keep theirs); an unused version is edited in place."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current_version
    merged = {k: content.get(k, getattr(current, k)) for k in CONTENT_FIELDS}
    errors = question_validate(qtype=question.qtype, content=merged)
    if errors:
        raise ValidationError(errors)
    for name, value in attributes.items():
        setattr(question, name, value)
    if version_in_use(current):
        version = QuestionVersion(
            question=question, number=current.number + 1, **merged
        )
        version.save()
        question.current_version = version
    else:
        for k, v in merged.items():
            setattr(current, k, v)
        current.save()
        version = current
    question.needs_review = False
    question.save()
    question_link_articles(question=question)
    audit_log(
        action="exams.question_edit",
        actor=actor,
        request=request,
        target=question,
        details={"version": version.number},
    )
    return version


def question_link_articles(*, question: Question) -> int:
    """Resolve ``article_refs`` to casebank articles (when the casebank knows them)."""
    try:
        from casebank.references import resolve_reference
    except ImportError:  # the casebank is optional for the question bank
        return 0
    if not hasattr(question, "articles"):
        return 0
    found = []
    for ref in question.article_refs:
        try:
            article = resolve_reference(ref)
        except Exception:  # noqa: BLE001 - a bad reference must not block saving a question
            article = None
        if article is not None:
            found.append(article)
    question.articles.set(found)
    return len(found)


QUESTION_RETIRED_IN_PAPER = gettext_noop(
    "Question #{pk} is retired: restore it before adding it to a paper."
)
UNKNOWN_BULK_ACTION = gettext_noop("Unknown bulk action “{action}”.")
BULK_ACTIONS = ("retire", "restore", "category", "tag", "difficulty")


@transaction.atomic
def question_set_active(
    *, question: Question, active: bool, actor: User | None = None, request=None
) -> Question:
    """Retire a question (no longer drawn nor added to papers; attempts keep their
    version) or restore it. Audited."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.is_active != active:
        question.is_active = active
        question.save(update_fields=["is_active"])
        audit_log(
            action="exams.question_restore" if active else "exams.question_retire",
            actor=actor,
            request=request,
            target=question,
        )
    return question


@transaction.atomic
def questions_bulk(
    *,
    question_ids: list[int],
    action: str,
    value: Any = None,
    actor: User | None = None,
    request=None,
) -> int:
    """Apply one action to many questions: ``retire``, ``restore``, ``category`` (value:
    a Category), ``tag`` (value: a tag to add) or ``difficulty`` (value: 1–5). Return how
    many changed; one audit entry for the batch."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_(UNKNOWN_BULK_ACTION).format(action=action))
    questions = list(Question.objects.select_for_update().filter(pk__in=question_ids))
    changed = []
    for question in questions:
        if action in ("retire", "restore"):
            if question.is_active == (action == "restore"):
                continue
            question.is_active = action == "restore"
        elif action == "category":
            question.category = value
        elif action == "tag":
            tag = str(value or "").strip()
            if not tag or tag in question.tags:
                continue
            question.tags = [*question.tags, tag]
        else:
            question.difficulty = int(value)
            question.full_clean(exclude=["current_version", "category", "source_key"])
        changed.append(question)
    fields = {
        "retire": ["is_active"],
        "restore": ["is_active"],
        "category": ["category"],
        "tag": ["tags"],
        "difficulty": ["difficulty"],
    }[action]
    Question.objects.bulk_update(changed, fields)
    audit_log(
        action="exams.question_bulk",
        actor=actor,
        request=request,
        target_type="exams.question",
        details={
            "action": action,
            "value": str(getattr(value, "pk", value)),
            "ids": [q.pk for q in changed],
        },
    )
    return len(changed)


@transaction.atomic
def blueprint_add_questions(
    *,
    blueprint: Blueprint,
    questions: list[Question],
    points: Decimal,
    actor: User | None = None,
    request=None,
) -> int:
    """Add questions to a fixed paper (after its last item); skip ones already on it.
    Retired questions are refused. Return how many were added."""
    for question in questions:
        if not question.is_active:
            raise ValidationError(_(QUESTION_RETIRED_IN_PAPER).format(pk=question.pk))
    have = set(blueprint.items.values_list("question_id", flat=True))
    last = (
        blueprint.items.order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
        or 0
    )
    new = []
    for question in questions:
        if question.pk in have:
            continue
        last += 1
        new.append(
            BlueprintItem(
                blueprint=blueprint, question=question, points=points, sort_order=last
            )
        )
        have.add(question.pk)
    BlueprintItem.objects.bulk_create(new)
    if new:
        audit_log(
            action="exams.blueprint_save",
            actor=actor,
            request=request,
            target=blueprint,
            details={"added": [i.question_id for i in new]},
        )
    return len(new)


@transaction.atomic
def blueprint_items_update(
    *,
    blueprint: Blueprint,
    changes: dict[int, dict[str, Any]],
    actor: User | None = None,
    request=None,
) -> None:
    """Change a fixed paper's items: ``{item id: {"remove", "points", "sort_order"}}``."""
    for item in blueprint.items.select_for_update().filter(pk__in=list(changes)):
        change = changes[item.pk]
        if change.get("remove"):
            item.delete()
            continue
        item.points = change.get("points") or item.points
        if change.get("sort_order") is not None:
            item.sort_order = change["sort_order"]
        item.save(update_fields=["points", "sort_order"])
    audit_log(
        action="exams.blueprint_save",
        actor=actor,
        request=request,
        target=blueprint,
        details={"items": {str(k): str(v) for k, v in changes.items()}},
    )


@transaction.atomic
def version_key_fix(
    *,
    version: QuestionVersion,
    answer: Any = None,
    parts: list | None = None,
    actor: User,
    request=None,
) -> QuestionVersion:
    """Correct the key of a version that was already used (a faulty key), in place and
    audited. Follow with ``session_regrade`` to recompute the affected results."""
    version = QuestionVersion.objects.select_for_update().get(pk=version.pk)
    before = {"answer": version.answer, "parts": version.parts}
    content = {k: getattr(version, k) for k in CONTENT_FIELDS}
    if answer is not None:
        content["answer"] = answer
    if parts is not None:
        content["parts"] = parts
    errors = question_validate(qtype=version.question.qtype, content=content)
    if errors:
        raise ValidationError(errors)
    version.answer, version.parts = content["answer"], content["parts"]
    version.save()
    # A blank count or a part's text may have changed: papers showing it render again.
    transaction.on_commit(partial(_forget_papers, version.pk))
    audit_log(
        action="exams.key_fix",
        actor=actor,
        request=request,
        target=version.question,
        details={
            "version": version.number,
            "before": before,
            "after": {"answer": version.answer, "parts": version.parts},
        },
    )
    return version


# Sessions and audience ---------------------------------------------------------------


def session_audience(session: ExamSession):
    """Return the people the session is for: unit subtrees, roles and named people, and
    whoever the assignment rules of its tracked item match (``records.AssignmentRule``).

    ``selectors.audience_session_ids`` applies the same rule to one person over many
    sessions; change both together (their agreement is tested)."""
    units = list(session.audience_units.all())
    unit_q = Q()
    for unit in units:
        unit_q |= Q(unit__path__startswith=unit.path)
    qs = User.objects.filter(is_active=True)
    condition = Q(pk__in=session.audience_people.values("pk"))
    # Records' assignment rules on the session's tracked item (post, 警种, named people).
    item = TrackedItem.objects.filter(item_type="exam", item_id=str(session.pk)).first()
    ruled = rule_conditions(item.rules.select_related("unit")) if item else None
    if ruled is not None:
        condition |= ruled
    if units:
        base = unit_q
        if session.audience_roles:
            base &= Q(role_assignments__role__in=session.audience_roles)
        condition |= base
    elif session.audience_roles:
        condition |= Q(role_assignments__role__in=session.audience_roles)
    return qs.filter(condition).distinct()


def session_tracked_item(session: ExamSession):
    from records.services import tracked_item_upsert

    from .review import ReviewPolicy

    return tracked_item_upsert(
        item_type="exam",
        item_id=session.pk,
        title=session.title,
        category="exam",
        hours=session.credit_hours,
        url=f"/exams/s/{session.pk}/",
        is_active=session.is_published,
        result_release=ReviewPolicy.for_session(session).record_release(),
    )


def session_sync_assignments(*, session: ExamSession) -> tuple[int, int]:
    """Make the session's audience its required assignments in the training record."""
    from records.services import assignment_sync

    if session.kind != ExamSession.Kind.EXAM:
        session_tracked_item(session)
        return 0, 0
    item = session_tracked_item(session)
    return assignment_sync(
        item=item, users=list(session_audience(session)), due_at=session.closes_at
    )


@transaction.atomic
def user_exam_assignments_recompute(*, user: User) -> int:
    """Recompute one person's required exams after they joined, moved unit or changed
    role, post or 警种: published exam sessions whose audience now includes them are
    required (due when the session closes), those that no longer do are released
    (progress and results stay). Return the number of required exams."""
    from records.services import assignment_sync_person

    from .selectors import audience_session_ids

    user = User.objects.select_related("unit").get(pk=user.pk)
    user.forget_roles()
    sessions = list(
        ExamSession.objects.filter(
            is_published=True, kind=ExamSession.Kind.EXAM
        ).prefetch_related("audience_units")
    )
    members = audience_session_ids(user, sessions, overrides=False)
    required = []
    for session in sessions:
        if session.pk in members:
            item = session_tracked_item(session)
            assignment_sync_person(user=user, item=item, due_at=session.closes_at)
            required.append(item.pk)
    Assignment.objects.filter(
        user=user, item__item_type="exam", source="audience", required=True
    ).exclude(item_id__in=required).update(required=False)
    return len(required)


def session_override(session: ExamSession, user: User) -> ExamOverride | None:
    return ExamOverride.objects.filter(session=session, user=user).first()


def session_window(
    session: ExamSession, override: ExamOverride | None
) -> tuple[datetime, datetime]:
    opens = override.opens_at if override and override.opens_at else session.opens_at
    closes = (
        override.closes_at if override and override.closes_at else session.closes_at
    )
    return opens, closes


def user_in_audience(
    session: ExamSession, user: User, override: ExamOverride | None = None
) -> bool:
    """Is ``user`` in the session's audience (or given an override, passed when known)?"""
    if override is not None:
        return True
    return (
        session_audience(session).filter(pk=user.pk).exists()
        or ExamOverride.objects.filter(session=session, user=user).exists()
    )


@dataclass
class AudienceSync:
    withdrawn: list[int]
    started_outside: list[int]


def session_audience_sync(
    *, session: ExamSession, actor: User | None = None, request=None
) -> AudienceSync:
    """Bring the prepared papers in line with the session's audience.

    Prepared, never started attempts of people no longer in the audience (removed, or
    whose unit or roles no longer match, and with no override) are withdrawn. Attempts
    already started are left alone, but the change is audited with their ids. Run when
    the audience is edited, before papers are prepared, and when a removed person tries
    to start.
    """
    members = set(session_audience(session).values_list("pk", flat=True))
    members |= set(
        ExamOverride.objects.filter(session=session).values_list("user_id", flat=True)
    )
    outside = Attempt.objects.filter(session=session).exclude(user_id__in=members)
    with transaction.atomic():
        stale = list(
            outside.select_for_update()
            .filter(status=AttemptStatus.PREPARED)
            .values_list("pk", "user_id")
        )
        if stale:
            Attempt.objects.filter(
                pk__in=[pk for pk, _user in stale], status=AttemptStatus.PREPARED
            ).update(status=AttemptStatus.WITHDRAWN)
        started = list(
            outside.exclude(
                status__in=[AttemptStatus.PREPARED, AttemptStatus.WITHDRAWN]
            ).values_list("pk", "user_id")
        )
        if stale or started:
            audit_log(
                action="exams.audience_sync",
                actor=actor,
                request=request,
                target=session,
                details={
                    "withdrawn": [{"attempt": pk, "user": user} for pk, user in stale],
                    "started_outside_audience": [
                        {"attempt": pk, "user": user} for pk, user in started
                    ],
                },
            )
    return AudienceSync([pk for pk, _user in stale], [pk for pk, _user in started])


@lru_cache(maxsize=1024)
def _parsed_networks(text: str) -> tuple | None:
    """The networks of an ``allowed_networks`` text, parsed once per distinct text (the
    autosave of every candidate checks them): None when it names none (any address),
    else the valid networks (an all-invalid list therefore allows no address)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    networks = []
    for line in lines:
        try:
            networks.append(ipaddress.ip_network(line, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def networks_allow(allowed_networks: str, ip: str | None) -> bool:
    """Return True when ``ip`` lies in one of ``allowed_networks`` (CIDRs, one a line;
    empty allows any address)."""
    networks = _parsed_networks(allowed_networks or "")
    if networks is None:
        return True
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in networks)


def network_allowed(session: ExamSession, ip: str | None) -> bool:
    return networks_allow(session.allowed_networks, ip)


def _network_refusal(*, user, target, ip: str | None, request=None) -> ExamError:
    """Audit a request of a running attempt from outside the session's networks and
    return the error to raise (403, ``code: network``)."""
    audit_log(
        action="exams.attempt_network_refused",
        actor=user,
        request=request,
        target=target,
        result="denied",
        details={"ip": ip},
    )
    return ExamError(
        _(NETWORK_NOT_ALLOWED).format(ip=ip or "?"), code="network", status=403
    )


def attempt_network_check(*, attempt: Attempt, request) -> None:
    """Refuse (ExamError 403) a request about ``attempt`` (its page, state, paper) from
    outside its session's networks: the restriction holds on every request of the
    attempt, not only at its start. ``attempt.session`` should be loaded already."""
    from core.net import client_ip

    ip = client_ip(request)
    if not networks_allow(attempt.session.allowed_networks, ip):
        raise _network_refusal(
            user=request.user, target=attempt, ip=ip, request=request
        )


# Attempts ----------------------------------------------------------------------------


def _shuffled_order(version: QuestionVersion, qtype: str, rng: random.Random) -> Any:
    return qtypes.get(qtype).shuffle(version, rng)


@transaction.atomic
def attempt_prepare(
    *, session: ExamSession, user: User, number: int | None = None
) -> Attempt:
    """Create an attempt with its paper drawn and options shuffled, not yet started."""
    if number is None:
        number = (
            Attempt.objects.filter(session=session, user=user)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
    rng = random.SystemRandom()
    items = paper_draw(blueprint=session.blueprint, user=user, rng=rng)
    attempt = Attempt(
        session=session,
        user=user,
        number=number,
        max_score=sum((i.points for i in items), Decimal(0)),
    )
    attempt.save()
    qtypes = dict(
        Question.objects.filter(
            pk__in=[i.version.question_id for i in items]
        ).values_list("pk", "qtype")
    )
    AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(
                attempt=attempt,
                version=item.version,
                order=n,
                points=item.points,
                option_order=_shuffled_order(
                    item.version, qtypes[item.version.question_id], rng
                ),
            )
            for n, item in enumerate(items, start=1)
        ]
    )
    return attempt


def session_prepare_attempts(*, session: ExamSession, progress=None) -> int:
    """Create first attempts ahead of the window for everyone in the audience who has none,
    so the start of a large sitting is cheap. Return how many were created."""
    session_audience_sync(session=session)
    have = set(
        Attempt.objects.filter(session=session)
        .exclude(status=AttemptStatus.WITHDRAWN)
        .values_list("user_id", flat=True)
    )
    withdrawn = set(
        Attempt.objects.filter(
            session=session, status=AttemptStatus.WITHDRAWN
        ).values_list("user_id", flat=True)
    )
    created = 0
    people = [u for u in session_audience(session) if u.pk not in have]
    for user in people:
        try:
            # Back in the audience after a withdrawal: the next number.
            attempt = attempt_prepare(
                session=session, user=user, number=None if user.pk in withdrawn else 1
            )
            created += 1
            # Rendered now, off the start's path: a hall that starts together reads HTML.
            transaction.on_commit(partial(_warm_paper, attempt.pk))
        except IntegrityError:
            pass
        if progress:
            progress(1)
    return created


def _forget_papers(version_id: int) -> None:
    from .paper import forget_version

    forget_version(version_id)


def _warm_paper(attempt_id: int) -> None:
    # Imported here: the paper renders through the selectors, which import this module.
    from .paper import warm

    warm([attempt_id])


def attempts_allowed(session: ExamSession, override: ExamOverride | None) -> int:
    return session.attempts_allowed + (override.extra_attempts if override else 0)


@dataclass
class Availability:
    can_start: bool
    reason: str = ""
    resume: Attempt | None = None
    attempts_used: int = 0
    attempts_allowed: int = 0
    opens: datetime | None = None
    closes: datetime | None = None
    attempts: list[Attempt] = field(default_factory=list)
    override: ExamOverride | None = None
    # In the audience, or holding an attempt of the session (even a withdrawn one): the
    # session's page is theirs to see (else 404).
    member: bool = True


def session_availability(
    *, session: ExamSession, user: User, now: datetime | None = None
) -> Availability:
    """Say whether ``user`` may start or resume the session now, and why not."""
    now = now or timezone.now()
    override = session_override(session, user)
    opens, closes = session_window(session, override)
    attempts = list(
        Attempt.objects.filter(session=session, user=user).order_by("number")
    )
    allowed = attempts_allowed(session, override)
    used = sum(
        1
        for a in attempts
        if a.status not in (AttemptStatus.PREPARED, AttemptStatus.WITHDRAWN)
    )
    info = {
        "attempts_used": used,
        "attempts_allowed": allowed,
        "opens": opens,
        "closes": closes,
        "attempts": [a for a in attempts if a.status != AttemptStatus.WITHDRAWN],
        "override": override,
    }
    running = [
        a
        for a in attempts
        if a.status == AttemptStatus.IN_PROGRESS
        and a.deadline
        and now <= a.deadline + timedelta(seconds=grace_seconds())
    ]
    if running:
        return Availability(True, resume=running[0], **info)
    # Membership is checked now, not taken from a paper prepared earlier: the audience,
    # or the person's unit or roles, may have changed since.
    if not session.is_published or not user_in_audience(session, user, override):
        removed = any(
            a.status in (AttemptStatus.PREPARED, AttemptStatus.WITHDRAWN)
            for a in attempts
        )
        return Availability(
            False,
            _(
                REMOVED_FROM_AUDIENCE
                if removed and session.is_published
                else NOT_IN_AUDIENCE
            ),
            member=bool(attempts),
            **info,
        )
    if now < opens:
        return Availability(
            False,
            _(NOT_OPEN_YET).format(
                when=timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")
            ),
            **info,
        )
    if now >= closes:
        return Availability(
            False,
            _(CLOSED).format(
                when=timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")
            ),
            **info,
        )
    if used >= allowed:
        return Availability(False, _(NO_ATTEMPTS_LEFT).format(n=allowed), **info)
    return Availability(True, **info)


def _access_code_key(session: ExamSession, user: User) -> str:
    return f"exams:access-code:{session.pk}:{user.pk}"


def _check_access_code(session: ExamSession, user: User, code: str, request) -> None:
    """Refuse a wrong access code; after ``EXAMS_ACCESS_CODE_ATTEMPTS`` wrong ones in
    ``EXAMS_ACCESS_CODE_WINDOW_SECONDS`` refuse every try (429) until the window passes,
    so the code cannot be guessed. Both refusals are audited."""
    import hmac

    from django.conf import settings
    from django.core.cache import cache

    limit = getattr(settings, "EXAMS_ACCESS_CODE_ATTEMPTS", 5)
    window = getattr(settings, "EXAMS_ACCESS_CODE_WINDOW_SECONDS", 900)
    key = _access_code_key(session, user)
    failures = cache.get(key, 0)
    if failures >= limit:
        audit_log(
            action="exams.attempt_start",
            actor=user,
            request=request,
            target=session,
            result="denied",
            details={"reason": "access_code_throttled", "failures": failures},
        )
        raise ExamError(
            _(ACCESS_CODE_THROTTLED).format(minutes=max(1, window // 60)),
            code="access_code_throttled",
            status=429,
        )
    if hmac.compare_digest(code.strip().encode(), session.access_code.encode()):
        return
    if cache.add(key, 1, window) is False:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)
    audit_log(
        action="exams.attempt_start",
        actor=user,
        request=request,
        target=session,
        result="denied",
        details={"reason": "access_code"},
    )
    raise ExamError(_(WRONG_ACCESS_CODE), code="access_code", status=403)


def attempt_start(
    *,
    session: ExamSession,
    user: User,
    access_code: str = "",
    ip: str | None = None,
    request=None,
    availability: Availability | None = None,
) -> Attempt:
    """Start (or resume) an attempt and return it. The deadline is fixed now, by the server:
    start + time limit (+ extra time), never later than the window's close.

    ``availability`` is this person's ``session_availability``, when the caller has just
    computed it (the session's page does, to decide whether to show it at all).

    Raises ExamError when the person may not start.
    """
    now = timezone.now()
    if availability is None:
        availability = session_availability(session=session, user=user, now=now)
    if availability.resume is not None:
        if not network_allowed(session, ip):
            raise _network_refusal(
                user=user, target=availability.resume, ip=ip, request=request
            )
        return availability.resume
    if not availability.can_start:
        if availability.reason == _(REMOVED_FROM_AUDIENCE):
            session_audience_sync(
                session=session
            )  # withdraw the paper prepared for them
        raise ExamError(availability.reason, code="not_available", status=403)
    if session.access_code:
        _check_access_code(session, user, access_code, request)
    if not network_allowed(session, ip):
        audit_log(
            action="exams.attempt_start",
            actor=user,
            request=request,
            target=session,
            result="denied",
            details={"reason": "network", "ip": ip},
        )
        raise ExamError(
            _(NETWORK_NOT_ALLOWED).format(ip=ip or "?"), code="network", status=403
        )
    override = availability.override
    _opens, closes = session_window(session, override)
    limit = timedelta(
        minutes=session.time_limit_minutes + (override.extra_minutes if override else 0)
    )
    deadline = min(now + limit, closes)
    prepared = next(
        (a for a in availability.attempts if a.status == AttemptStatus.PREPARED), None
    )
    if prepared is not None:
        # The paper prepared ahead of the window: one conditional UPDATE starts it (no
        # transaction of its own, no lock held). A concurrent start of the same paper changes no row
        # and looks again, finding the attempt running (it resumes it).
        if not Attempt.objects.filter(
            pk=prepared.pk, status=AttemptStatus.PREPARED
        ).update(status=AttemptStatus.IN_PROGRESS, started_at=now, deadline=deadline):
            return attempt_start(
                session=session,
                user=user,
                access_code=access_code,
                ip=ip,
                request=request,
            )
        prepared.status = AttemptStatus.IN_PROGRESS
        prepared.started_at, prepared.deadline = now, deadline
        audit_later(
            action="exams.attempt_start",
            actor=user,
            request=request,
            target=prepared,
            details={"session": session.pk, "deadline": deadline.isoformat()},
        )
        return prepared
    with transaction.atomic():
        prepared = (
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(session=session, user=user, status=AttemptStatus.PREPARED)
            .order_by("number")
            .first()
        )
        try:
            attempt = prepared or attempt_prepare(session=session, user=user)
        except IntegrityError as e:
            raise ExamError(_(UNIQUE_ATTEMPT_CLASH), code="clash", status=409) from e
        attempt.status = AttemptStatus.IN_PROGRESS
        attempt.started_at = now
        attempt.deadline = deadline
        attempt.save(update_fields=["status", "started_at", "deadline"])
        audit_later(
            action="exams.attempt_start",
            actor=user,
            request=request,
            target=attempt,
            details={"session": session.pk, "deadline": attempt.deadline.isoformat()},
        )
    return attempt


_display_to_keys = qtypes.display_to_keys
keys_to_display = qtypes.keys_to_display


def _clean_response(slot: AttemptQuestion, qtype: str, value: Any) -> Any:
    return qtypes.get(qtype).clean_response(slot.version, slot.option_order, value)


@dataclass
class SaveAck:
    seq: int
    saved_at: datetime
    saved: list[int]


def attempt_save(
    *, attempt_id: int, user: User, seq: int, answers: dict[str, Any], request=None
) -> SaveAck:
    """Save answer changes (``{slot order: value}``) of the user's running attempt.

    Refuses (ExamError, HTTP 409) when the attempt is not running, when the server's
    clock is past deadline + grace, or when ``seq`` is not above the last accepted one
    (a replayed or out-of-order request); with the candidate's ``request``, also (403)
    when it comes from outside the session's networks. Values use the display letters
    of the shuffled options. Raises Attempt.DoesNotExist for another person's attempt.
    """
    now = timezone.now()
    ip = _request_ip(request)
    try:
        with transaction.atomic():
            # The session's networks come in the same query (only the attempt's row is
            # locked); their parsing is cached, so the check costs no query.
            attempt = (
                Attempt.objects.select_for_update(of=("self",))
                .select_related("session")
                .only(
                    "pk",
                    "user_id",
                    "status",
                    "deadline",
                    "last_seq",
                    "last_saved_at",
                    "session",
                    "session__allowed_networks",
                )
                .get(pk=attempt_id, user=user)
            )
            if request is not None and not networks_allow(
                attempt.session.allowed_networks, ip
            ):
                raise _OutsideNetwork(attempt)
            if attempt.status != AttemptStatus.IN_PROGRESS:
                raise ExamError(_(ATTEMPT_NOT_OPEN), code="submitted", status=409)
            late = _late_save_refusal(attempt, seq, now)
            if late is not None:
                raise _LateSave(late, attempt)
            if seq <= attempt.last_seq:
                raise ExamError(
                    _(STALE_SAVE).format(seq=seq, last=attempt.last_seq),
                    code="stale",
                    status=409,
                    last_seq=attempt.last_seq,
                )
            orders = []
            for key in answers:
                try:
                    orders.append(int(key))
                except (TypeError, ValueError) as e:
                    raise ExamError(
                        _(BAD_ANSWER).format(n=key), code="bad_answer", status=400
                    ) from e
            slots = {
                s.order: s
                for s in AttemptQuestion.objects.filter(
                    attempt_id=attempt.pk, order__in=orders
                )
                .select_related("version__question")
                .only(
                    "pk",
                    "order",
                    "option_order",
                    "response",
                    "checked_at",
                    "version__answer",
                    "version__parts",
                    "version__question__qtype",
                )
            }
            changed = []
            for key, value in answers.items():
                slot = slots.get(int(key))
                if slot is None:
                    raise ExamError(
                        _(BAD_ANSWER).format(n=key), code="bad_answer", status=400
                    )
                if slot.checked_at is not None:
                    raise ExamError(
                        _(CHECKED_LOCKED).format(n=key),
                        code="checked",
                        status=409,
                        order=slot.order,
                    )
                try:
                    slot.response = _clean_response(
                        slot, slot.version.question.qtype, value
                    )
                except (ValueError, TypeError, AttributeError) as e:
                    raise ExamError(
                        _(BAD_ANSWER).format(n=key), code="bad_answer", status=400
                    ) from e
                slot.saved_at = now
                changed.append(slot)
            if changed:
                AttemptQuestion.objects.bulk_update(changed, ["response", "saved_at"])
            Attempt.objects.filter(pk=attempt.pk).update(
                last_seq=seq, last_saved_at=now
            )
    except _OutsideNetwork as refused:
        raise _network_refusal(
            user=user, target=refused.attempt, ip=ip, request=request
        ) from None
    except _LateSave as refused:
        # Kept in the audit (outside the rolled-back transaction), then refused.
        audit_log(
            action="exams.late_save",
            actor=user,
            target=refused.attempt,
            result="denied",
            details={
                "seq": seq,
                "last_seq": refused.attempt.last_seq,
                "at": now.isoformat(),
                "deadline": refused.attempt.deadline.isoformat(),
                "accepted": False,
            },
        )
        raise ExamError(_(refused.reason), code="deadline", status=409) from None
    if now > attempt.deadline:
        audit_log(
            action="exams.late_save",
            actor=user,
            target=attempt,
            details={"seq": seq, "at": now.isoformat(), "accepted": True},
        )
    return SaveAck(seq=seq, saved_at=now, saved=sorted(s.order for s in changed))


def attempt_flag(*, attempt_id: int, user: User, order: int, flagged: bool) -> None:
    """Set or clear the candidate's flag on question ``order`` of their running attempt.

    A flag is a note to oneself, not an answer: it takes no sequence number and is
    accepted until the attempt is submitted. Refuses (ExamError, HTTP 409) once the
    attempt is over. Raises Attempt.DoesNotExist for another person's attempt and
    AttemptQuestion.DoesNotExist for a question not on it.
    """
    status = (
        Attempt.objects.filter(pk=attempt_id, user=user)
        .values_list("status", flat=True)
        .get()
    )
    if status != AttemptStatus.IN_PROGRESS:
        raise ExamError(_(ATTEMPT_NOT_OPEN), code="submitted", status=409)
    if not AttemptQuestion.objects.filter(attempt_id=attempt_id, order=order).update(
        flagged=bool(flagged)
    ):
        raise AttemptQuestion.DoesNotExist


class _OutsideNetwork(Exception):
    def __init__(self, attempt: Attempt) -> None:
        super().__init__("network")
        self.attempt = attempt


def _request_ip(request) -> str | None:
    if request is None:
        return None
    from core.net import client_ip

    return client_ip(request)


class _LateSave(Exception):
    def __init__(self, reason: str, attempt: Attempt) -> None:
        super().__init__(reason)
        self.reason, self.attempt = reason, attempt


def _late_save_refusal(attempt: Attempt, seq: int, now: datetime) -> str | None:
    """Why a save arriving after the deadline is refused, or None (in time, or the
    one save the page had in flight when the clock ran out).

    The page locks its answers at the deadline and flushes what is pending, with the
    next sequence number after the last one the server acknowledged; so a save made
    before the deadline carries exactly ``last_seq + 1`` and arrives within
    EXAMS_GRACE_SECONDS. Any other (a further change, a jump in the sequence, a
    second late save, or anything after the grace) was made after the deadline.
    """
    if now <= attempt.deadline:
        return None
    if now > attempt.deadline + timedelta(seconds=grace_seconds()):
        return DEADLINE_PASSED
    if seq != attempt.last_seq + 1:
        return LATE_SAVE_REFUSED
    if attempt.last_saved_at is not None and attempt.last_saved_at > attempt.deadline:
        return LATE_SAVE_REFUSED
    return None


def check_allowed(session: ExamSession) -> bool:
    """Immediate feedback per question: practice whose review policy shows answers
    right after submitting."""
    return (
        session.kind == ExamSession.Kind.PRACTICE
        and session.review_answers == ExamSession.ReviewWhen.AFTER_SUBMIT
    )


def attempt_check(
    *, attempt_id: int, user: User, order: int, request=None
) -> AttemptQuestion:
    """Practice: mark one answered question as checked and return its slot, whose key and
    analysis the candidate may now see (``selectors.slot_feedback``); its answer is
    locked from then on. Checking again returns the same slot.

    Refuses (ExamError) in an exam or a practice without immediate feedback, for an
    unanswered question, and once the attempt is over. Raises Attempt.DoesNotExist for
    another person's attempt, AttemptQuestion.DoesNotExist for a question not on it.
    With the candidate's ``request``, refuses (403) outside the session's networks.
    """
    now = timezone.now()
    ip = _request_ip(request)
    try:
        return _attempt_check(
            attempt_id=attempt_id, user=user, order=order, now=now, request=request
        )
    except _OutsideNetwork as refused:
        raise _network_refusal(
            user=user, target=refused.attempt, ip=ip, request=request
        ) from None


def _attempt_check(
    *, attempt_id: int, user: User, order: int, now: datetime, request
) -> AttemptQuestion:
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=attempt_id, user=user)
        )
        if request is not None and not networks_allow(
            attempt.session.allowed_networks, _request_ip(request)
        ):
            raise _OutsideNetwork(attempt)
        if not check_allowed(attempt.session):
            raise ExamError(_(CHECK_NOT_ALLOWED), code="check_not_allowed", status=403)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ExamError(_(ATTEMPT_NOT_OPEN), code="submitted", status=409)
        if now > attempt.deadline + timedelta(seconds=grace_seconds()):
            raise ExamError(_(DEADLINE_PASSED), code="deadline", status=409)
        slot = AttemptQuestion.objects.select_related("version__question").get(
            attempt=attempt, order=order
        )
        if slot.checked_at is None:
            if slot.response in (None, "", [], {}):
                raise ExamError(
                    _(CHECK_UNANSWERED).format(n=order), code="unanswered", status=409
                )
            slot.checked_at = now
            slot.save(update_fields=["checked_at"])
    return slot


def attempt_submit(
    *, attempt: Attempt, by_sweep: bool = False, request=None, user: User | None = None
) -> bool:
    """Submit a running attempt once; later calls change nothing. Return True when this
    call submitted it.

    Cheap on purpose (a submit burst at the deadline must not queue): one conditional
    UPDATE decides (concurrent submits of one attempt: exactly one sees its row change),
    and grading, which also writes the audit entry of the submission, is handed to
    Celery after the commit. When the broker cannot take the task the submission stays
    committed and acknowledged; ``ungraded_sweep`` grades it later. With ``user`` only
    that person's attempt is touched (Attempt.DoesNotExist for anyone else's).

    With the candidate's ``request``, a submit from outside the session's networks is
    refused (ExamError 403). Sessions without networks still decide in the one UPDATE;
    a restricted session's submit reads its networks first.
    """
    now = timezone.now()
    raw_ip = _request_ip(request)
    ip = _valid_ip(raw_ip)
    mine = Attempt.objects.filter(pk=attempt.pk)
    if user is not None:
        mine = mine.filter(user=user)
    running = mine.filter(status=AttemptStatus.IN_PROGRESS)
    submitted = {
        "status": AttemptStatus.SUBMITTED,
        "submitted_at": now,
        "submitted_by_sweep": by_sweep,
        "submitted_ip": ip,
    }
    if request is None:
        changed = running.update(**submitted)
    else:
        changed = running.filter(
            session__in=ExamSession.objects.filter(allowed_networks="")
        ).update(**submitted)
    if not changed:
        row = mine.values_list("status", "session__allowed_networks").first()
        if row is None:
            raise Attempt.DoesNotExist
        status, networks = row
        if request is not None and status == AttemptStatus.IN_PROGRESS:
            if not networks_allow(networks, raw_ip):
                raise _network_refusal(
                    user=user or request.user,
                    target=attempt,
                    ip=raw_ip,
                    request=request,
                )
            changed = running.update(**submitted)
            if not changed:  # submitted meanwhile by another request
                status = mine.values_list("status", flat=True).first() or status
        if not changed:
            attempt.status = status
            return False
    attempt_id = attempt.pk
    transaction.on_commit(lambda: grading_enqueue(attempt_id))
    attempt.status, attempt.submitted_at, attempt.submitted_by_sweep = (
        AttemptStatus.SUBMITTED,
        now,
        by_sweep,
    )
    return True


def _valid_ip(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def grading_enqueue(attempt_id: int) -> bool:
    """Queue the grading of a submitted attempt; never raise.

    A broker that is down or restarting must not turn a committed submission into an
    error for the candidate: the failure is logged and ``ungraded_sweep`` (Celery beat,
    reading the database) grades the attempt later. Return True when queued.
    """
    from .tasks import grade_attempt

    try:
        grade_attempt.delay(attempt_id)
    except Exception:
        logger.exception(
            "grading of attempt %s not queued (broker unavailable); the ungraded sweep will grade it",
            attempt_id,
        )
        return False
    return True


def overdue_sweep(*, now: datetime | None = None) -> int:
    """Submit every running attempt whose deadline + grace has passed. Return the count."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=grace_seconds())
    count = 0
    for attempt in Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=limit
    ):
        if attempt_submit(attempt=attempt, by_sweep=True):
            count += 1
    return count


def ungraded_after_seconds() -> int:
    return int(getattr(settings, "EXAMS_UNGRADED_AFTER_SECONDS", 60))


def ungraded_sweep(
    *, now: datetime | None = None, older_than: int | None = None
) -> int:
    """Grade submitted attempts that still have no Result some time after submission
    (their grading task was never queued, e.g. the broker was down, or was lost).
    Grading is idempotent, so a task arriving late changes nothing. Return the count."""
    now = now or timezone.now()
    wait = ungraded_after_seconds() if older_than is None else older_than
    ids = list(
        Attempt.objects.filter(
            status=AttemptStatus.SUBMITTED,
            result__isnull=True,
            submitted_at__lte=now - timedelta(seconds=wait),
        )
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )
    graded = 0
    for attempt_id in ids:
        try:
            if attempt_grade(attempt_id=attempt_id) is not None:
                graded += 1
        except Exception:
            logger.exception("ungraded sweep: grading attempt %s failed", attempt_id)
    return graded


# Grading -----------------------------------------------------------------------------


def _adjustments(session_id: int) -> dict[int, str]:
    return dict(
        QuestionAdjustment.objects.filter(session_id=session_id).values_list(
            "question_id", "mode"
        )
    )


def _slot_total(slots, adjustments: dict[int, str]) -> tuple[Decimal, Decimal]:
    score = Decimal(0)
    maximum = Decimal(0)
    for slot in slots:
        mode = adjustments.get(slot.version.question_id)
        if mode == QuestionAdjustment.Mode.REMOVE:
            continue
        maximum += slot.points
        if mode == QuestionAdjustment.Mode.FULL_MARKS:
            score += slot.points
        else:
            score += slot.score or Decimal(0)
    return score, maximum


def _score_objective(slot: AttemptQuestion, rule: str) -> None:
    auto, needs = scoring.score_slot(
        version=slot.version,
        qtype=slot.version.question.qtype,
        points=slot.points,
        response=slot.response,
        rule=rule,
    )
    slot.auto_score = auto
    if needs and slot.manual_score is None:
        if slot.essay_is_empty():
            # Nothing written: nothing to mark, the subjective parts score 0.
            slot.manual_score = Decimal(0)
        else:
            slot.needs_marking = True
    slot.score = auto + (slot.manual_score or Decimal(0))


def attempt_grade(*, attempt_id: int) -> Result | None:
    """Grade a submitted attempt's objective parts and queue its essays; return the Result.

    Idempotent: the attempt row is locked and a Result, once written, is returned as is;
    the OneToOne constraint refuses a second one even without the lock. The audit entry
    of the submission is written in the same transaction, so exactly once.
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("session", "user")
            .get(pk=attempt_id)
        )
        existing = Result.objects.filter(attempt=attempt).first()
        if existing is not None or attempt.status != AttemptStatus.SUBMITTED:
            return existing
        # The submission's audit entry, written once with the Result (the submit request
        # stays cheap; the time and address of the submission are the request's).
        audit_log(
            action="exams.attempt_submit",
            actor=None if attempt.submitted_by_sweep else attempt.user,
            target=attempt,
            client_ip=attempt.submitted_ip,
            details={
                "by_sweep": attempt.submitted_by_sweep,
                "at": attempt.submitted_at.isoformat()
                if attempt.submitted_at
                else None,
            },
        )
        slots = list(attempt.slots.select_related("version__question"))
        for slot in slots:
            _score_objective(slot, attempt.session.multiple_scoring)
            if slot.needs_marking:
                MarkingTask.objects.get_or_create(slot=slot, round=1)
        AttemptQuestion.objects.bulk_update(
            slots, ["auto_score", "manual_score", "score", "needs_marking"]
        )
        pending = any(s.needs_marking for s in slots)
        score, maximum = _slot_total(slots, _adjustments(attempt.session_id))
        result = Result.objects.create(
            attempt=attempt,
            score=score,
            max_score=maximum,
            percent=_percent(score, maximum),
            final=False,
        )
        attempt.status = AttemptStatus.MARKING if pending else AttemptStatus.GRADED
        attempt.save(update_fields=["status"])
        if not pending:
            _finalise(attempt, result)
    return result


def _percent(score: Decimal, maximum: Decimal) -> Decimal:
    return scoring.quantize(Decimal(100) * score / maximum) if maximum else Decimal(0)


def _finalise(attempt: Attempt, result: Result) -> None:
    session = attempt.session
    result.final = True
    result.passed = result.percent >= session.pass_mark
    result.graded_at = timezone.now()
    result.save()
    attempt.status = AttemptStatus.GRADED
    attempt.save(update_fields=["status"])
    exam_grade_update(session=session, user=attempt.user)


def exam_grade_update(
    *,
    session: ExamSession,
    user: User,
    reason: str = "result",
    actor: User | None = None,
) -> ExamGrade | None:
    """Recompute a person's grade for the session (highest / last / average of final
    results), then write passes to the training record and issue the certificate."""
    results = list(
        Result.objects.filter(
            attempt__session=session, attempt__user=user, final=True
        ).order_by("attempt__number")
    )
    if not results:
        return None
    if session.grading_method == ExamSession.GradingMethod.LAST:
        percent = results[-1].percent
    elif session.grading_method == ExamSession.GradingMethod.AVERAGE:
        percent = scoring.quantize(
            sum((r.percent for r in results), Decimal(0)) / len(results)
        )
    else:
        percent = max(r.percent for r in results)
    passed = percent >= session.pass_mark
    grade, _created = ExamGrade.objects.update_or_create(
        session=session,
        user=user,
        defaults={"percent": percent, "passed": passed, "updated_at": timezone.now()},
    )
    actor_id = actor.pk if actor is not None else None
    transaction.on_commit(lambda: _record_outcome(grade.pk, reason, actor_id))
    return grade


REVOKED_BY_REGRADE = "regrade"
RESULT_CHANGED_TITLE = gettext_noop("Your result of {title} has changed")
RESULT_CHANGED_BODY = gettext_noop(
    "After {reason}, your result is now: {outcome}. Your training record (学时, "
    "assignment and certificate) has been updated."
)
RESULT_CHANGED_HIDDEN = gettext_noop(
    "After {reason}, your result was recomputed. It will be shown when the results "
    "of this session are released."
)
CERTIFICATE_REVOKE_REASON_REQUIRED = gettext_noop(
    "Give the reason for revoking the certificate."
)
OUTCOME_REASONS = {
    "result": gettext_noop("grading"),
    "regrade": gettext_noop("a regrade"),
    "void": gettext_noop("a voided question"),
    "revoke": gettext_noop("the certificate was revoked"),
}


def _record_outcome(
    grade_id: int, reason: str = "result", actor_id: int | None = None
) -> None:
    """Make the training record follow the grade: the assignment (completed on a pass,
    reopened on a fail), the 学时 (credited, or withdrawn with a reversal entry) and the
    certificate (issued, restored or revoked). A certificate revoked by a trainer
    counts as a fail. A change of an earlier outcome is notified to the person, in the
    words the session's review policy allows."""
    from records.models import Assignment, NotificationKind, Verb
    from records.services import (
        assignment_result_set,
        credit_hours,
        credit_reverse,
        learning_event_record,
        notification_send,
    )

    from .review import ReviewPolicy

    grade = ExamGrade.objects.select_related("session", "user").get(pk=grade_id)
    session, user = grade.session, grade.user
    item = session_tracked_item(session)
    certificate = Certificate.objects.filter(session=session, user=user).first()
    revoked_by_hand = bool(
        certificate
        and certificate.revoked
        and certificate.revoked_reason != REVOKED_BY_REGRADE
    )
    passed = grade.passed and not revoked_by_hand
    learning_event_record(
        actor=user,
        verb=Verb.PASSED if passed else Verb.FAILED,
        object_type="exam",
        object_id=session.pk,
        object_name=session.title,
        result={"percent": float(grade.percent), "passed": passed},
        idempotency_key=f"exam:{session.pk}:{user.pk}:{grade.percent}:{passed}",
    )
    before = Assignment.objects.filter(user=user, item=item, period="").first()
    was_passed = before.passed if before is not None else None
    _assignment, change = assignment_result_set(
        user=user, item=item, score=grade.percent, passed=passed
    )
    label = OUTCOME_REASONS.get(reason, OUTCOME_REASONS["result"])
    if passed:
        if session.credit_hours:
            credit_hours(
                user=user,
                hours=session.credit_hours,
                category="exam",
                source_type="exam",
                source_id=session.pk,
                source_name=session.title,
            )
        if session.issue_certificate:
            if certificate is None:
                Certificate.objects.get_or_create(
                    session=session, user=user, defaults={"percent": grade.percent}
                )
            else:
                certificate.percent = grade.percent
                certificate.revoked = False
                certificate.revoked_reason = ""
                certificate.save(update_fields=["percent", "revoked", "revoked_reason"])
    else:
        credit_reverse(
            user=user,
            source_type="exam",
            source_id=session.pk,
            reason=f"{reason}: {grade.percent}%",
            actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
        )
        if certificate and not certificate.revoked:
            certificate.revoked = True
            certificate.revoked_reason = REVOKED_BY_REGRADE
            certificate.save(update_fields=["revoked", "revoked_reason"])
    if was_passed is not None and (was_passed != passed or change == "updated"):
        policy = ReviewPolicy.for_session(session)
        reason_text = _(label)
        if policy.score_visible():
            outcome = f"{grade.percent}% " + (
                _("passed") if passed else _("not passed")
            )
            body = _(RESULT_CHANGED_BODY).format(reason=reason_text, outcome=outcome)
        else:
            body = _(RESULT_CHANGED_HIDDEN).format(reason=reason_text)
        notification_send(
            user=user,
            kind=NotificationKind.RESULT_CHANGED,
            item=item,
            # One notification per change: the period names the new outcome.
            period=f"{reason}:{grade.percent}:{int(passed)}"[:40],
            title=_(RESULT_CHANGED_TITLE).format(title=session.title),
            body=body,
            url=f"/exams/s/{session.pk}/",
        )


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, reason: str, actor: User, request=None
) -> Certificate:
    """Revoke a certificate by hand (e.g. misconduct found later): the person's
    assignment is reopened, the 学时 withdrawn with a reversal entry, and they are
    notified. A later regrade does not restore it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_(CERTIFICATE_REVOKE_REASON_REQUIRED))
    certificate.revoked = True
    certificate.revoked_reason = reason[:200]
    certificate.save(update_fields=["revoked", "revoked_reason"])
    audit_log(
        action="exams.certificate_revoke",
        actor=actor,
        request=request,
        target=certificate,
        details={"session": certificate.session_id, "reason": reason},
    )
    grade = ExamGrade.objects.get(session=certificate.session, user=certificate.user)
    transaction.on_commit(
        lambda: _record_outcome(grade.pk, reason="revoke", actor_id=actor.pk)
    )
    return certificate


# Marking -----------------------------------------------------------------------------


def _running_candidate_blueprints(marker: User, now: datetime | None = None):
    """Blueprints (papers) on which ``marker`` is a candidate in a session still
    running, or has an attempt open."""
    now = now or timezone.now()
    return (
        Attempt.objects.filter(user=marker)
        .exclude(status=AttemptStatus.WITHDRAWN)
        .filter(Q(session__closes_at__gt=now) | Q(status=AttemptStatus.IN_PROGRESS))
        .values("session__blueprint_id")
    )


def attempt_running_for(user: User) -> bool:
    """True while ``user`` has an exam attempt in progress (exam administration and
    marking, which show keys, rubrics and analyses, are closed to them meanwhile)."""
    return Attempt.objects.filter(
        user=user,
        status=AttemptStatus.IN_PROGRESS,
        session__kind=ExamSession.Kind.EXAM,
    ).exists()


def marking_conflict(*, marker: User, slot: AttemptQuestion) -> str | None:
    """Why ``marker`` may not mark (nor see the rubric of) ``slot``, or None.

    Nobody marks their own attempt, nor the paper of a session in which they are a
    candidate alongside while it runs (or while they have an attempt open on it).
    """
    attempt = slot.attempt
    if attempt.user_id == marker.pk:
        return MARK_OWN_ATTEMPT
    if _running_candidate_blueprints(marker).filter(
        session__blueprint_id=attempt.session.blueprint_id
    ):
        return MARK_CO_CANDIDATE
    return None


def marking_queue(*, marker: User):
    """Open marking tasks this marker may take: never a later round of a slot they
    marked before (so adjudication goes to a third person), never their own attempt,
    never a paper on which they are a candidate in a running session."""
    earlier_mine = MarkingTask.objects.filter(marker=marker).values("slot_id")
    return (
        MarkingTask.objects.filter(submitted_at__isnull=True)
        .filter(Q(marker__isnull=True) | Q(marker=marker))
        .exclude(Q(round__gt=1) & Q(slot_id__in=earlier_mine))
        .exclude(slot__attempt__user=marker)
        .exclude(
            slot__attempt__session__blueprint_id__in=_running_candidate_blueprints(
                marker
            )
        )
        .select_related("slot__attempt__session", "slot__version__question")
        .order_by("created_at")
    )


def marking_submit(
    *,
    task: MarkingTask,
    marker: User,
    points: dict[str, list[Any]],
    comment: str = "",
    request=None,
) -> MarkingTask:
    """Record a marker's rubric points; decide the slot when the marking is complete.

    With second marking, the two totals are averaged unless they differ by more than the
    session's margin, in which case an adjudication round by a third person decides.
    Separation of duties is enforced here, not only in the queue: nobody marks their
    own attempt or a paper on which they are a running candidate (PermissionDenied,
    audited as ``exams.mark_refused``).
    """
    slot = (
        AttemptQuestion.objects.select_related("attempt__session")
        .filter(marking_tasks=task)
        .first()
    )
    conflict = marking_conflict(marker=marker, slot=slot) if slot is not None else None
    if conflict is not None:
        audit_log(
            action="exams.mark_refused",
            actor=marker,
            request=request,
            target=slot.attempt,
            result="denied",
            details={"slot": slot.order, "round": task.round, "why": conflict},
        )
        raise PermissionDenied(_(conflict))
    return _marking_submit(
        task=task, marker=marker, points=points, comment=comment, request=request
    )


@transaction.atomic
def _marking_submit(
    *,
    task: MarkingTask,
    marker: User,
    points: dict[str, list[Any]],
    comment: str = "",
    request=None,
) -> MarkingTask:
    task = (
        MarkingTask.objects.select_for_update()
        .select_related("slot__version__question", "slot__attempt__session")
        .get(pk=task.pk)
    )
    if task.submitted_at is not None:
        return task
    slot = task.slot
    session = slot.attempt.session
    if (
        task.round > 1
        and MarkingTask.objects.filter(
            slot=slot, round__lt=task.round, marker=marker
        ).exists()
    ):
        raise ValidationError(_(SECOND_MARKER_SAME))
    conflict = marking_conflict(marker=marker, slot=slot)
    if conflict is not None:  # checked before the transaction too (and audited there)
        raise PermissionDenied(_(conflict))
    total = Decimal(0)
    cleaned: dict[str, list[str]] = {}
    handler = qtypes.get(slot.version.question.qtype)
    for part in handler.essay_parts(slot.version, slot.response):
        given = points.get(part["key"], [])
        rubric = part.get("rubric", [])
        values = []
        for i, item in enumerate(rubric):
            try:
                value = (
                    Decimal(str(given[i]))
                    if i < len(given) and str(given[i]).strip()
                    else Decimal(0)
                )
            except ArithmeticError as e:
                raise ValidationError(_(POINTS_OUT_OF_RANGE)) from e
            if value < 0 or value > Decimal(str(item.get("points", 0))):
                raise ValidationError(_(POINTS_OUT_OF_RANGE))
            values.append(str(value))
            total += value
        cleaned[part["key"]] = values
    task.marker = marker
    task.points = cleaned
    task.total = total
    task.comment = comment
    task.submitted_at = timezone.now()
    task.save()
    audit_log(
        action="exams.mark",
        actor=marker,
        request=request,
        target=slot.attempt,
        details={"slot": slot.order, "round": task.round, "total": str(total)},
    )
    decided: Decimal | None = None
    if task.round == 3 or not session.second_marking:
        decided = total
    elif task.round == 1:
        MarkingTask.objects.get_or_create(slot=slot, round=2)
    else:
        first = MarkingTask.objects.get(slot=slot, round=1).total or Decimal(0)
        if abs(first - total) > session.marking_margin:
            MarkingTask.objects.get_or_create(slot=slot, round=3)
        else:
            decided = (first + total) / 2
    if decided is not None:
        _slot_decide(slot, decided)
    return task


def _slot_decide(slot: AttemptQuestion, raw: Decimal) -> None:
    slot.manual_score = scoring.essay_points_to_slot(
        version=slot.version, points=slot.points, marked=raw
    )
    slot.score = (slot.auto_score or Decimal(0)) + slot.manual_score
    slot.needs_marking = False
    slot.save(update_fields=["manual_score", "score", "needs_marking"])
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("session", "user")
        .get(pk=slot.attempt_id)
    )
    if attempt.slots.filter(needs_marking=True).exists():
        return
    slots = list(attempt.slots.select_related("version__question"))
    score, maximum = _slot_total(slots, _adjustments(attempt.session_id))
    result = Result.objects.select_for_update().get(attempt=attempt)
    result.score, result.max_score, result.percent = (
        score,
        maximum,
        _percent(score, maximum),
    )
    _finalise(attempt, result)


# Regrading and voiding ---------------------------------------------------------------


@dataclass
class RegradeChange:
    attempt_id: int
    user: str
    old_percent: Decimal
    new_percent: Decimal
    old_passed: bool | None
    new_passed: bool | None


def session_regrade(
    *,
    session: ExamSession,
    dry_run: bool = True,
    actor: User | None = None,
    request=None,
    reason: str = "regrade",
) -> list[RegradeChange]:
    """Recompute every graded attempt with the current keys and voided questions.

    With ``dry_run`` nothing is written and the list says who would change. Applying
    writes results, grades, records and certificates, and audits the run.
    """
    changes: list[RegradeChange] = []
    adjustments = _adjustments(session.pk)
    with transaction.atomic():
        attempts = (
            Attempt.objects.select_for_update()
            .filter(session=session, result__isnull=False)
            .select_related("user", "result")
            .order_by("pk")
        )
        touched_users = set()
        for attempt in attempts:
            slots = list(attempt.slots.select_related("version__question"))
            for slot in slots:
                auto, _needs = scoring.score_slot(
                    version=slot.version,
                    qtype=slot.version.question.qtype,
                    points=slot.points,
                    response=slot.response,
                    rule=session.multiple_scoring,
                )
                slot.auto_score = auto
                slot.score = auto + (slot.manual_score or Decimal(0))
            score, maximum = _slot_total(slots, adjustments)
            result = attempt.result
            percent = _percent(score, maximum)
            passed = percent >= session.pass_mark if result.final else None
            if (
                percent != result.percent
                or passed != result.passed
                or score != result.score
            ):
                changes.append(
                    RegradeChange(
                        attempt.pk,
                        attempt.user.display_name,
                        result.percent,
                        percent,
                        result.passed,
                        passed,
                    )
                )
            if not dry_run:
                AttemptQuestion.objects.bulk_update(slots, ["auto_score", "score"])
                result.score, result.max_score, result.percent = score, maximum, percent
                if result.final:
                    result.passed = passed
                result.save()
                touched_users.add(attempt.user)
        if not dry_run:
            for user in touched_users:
                exam_grade_update(
                    session=session, user=user, reason=reason, actor=actor
                )
            audit_log(
                action="exams.regrade",
                actor=actor,
                request=request,
                target=session,
                details={
                    "changed": len(changes),
                    "changes": [
                        {
                            "attempt": c.attempt_id,
                            "old": str(c.old_percent),
                            "new": str(c.new_percent),
                        }
                        for c in changes[:200]
                    ],
                },
            )
        else:
            transaction.set_rollback(True)
    return changes


def question_void(
    *,
    session: ExamSession,
    question: Question,
    mode: str,
    reason: str = "",
    actor: User,
    request=None,
) -> list[RegradeChange]:
    """Void a faulty question in a session (full marks, or out of the total) and regrade."""
    QuestionAdjustment.objects.update_or_create(
        session=session,
        question=question,
        defaults={"mode": mode, "reason": reason, "created_by": actor},
    )
    audit_log(
        action="exams.question_void",
        actor=actor,
        request=request,
        target=question,
        details={"session": session.pk, "mode": mode, "reason": reason},
    )
    return session_regrade(
        session=session, dry_run=False, actor=actor, request=request, reason="void"
    )
