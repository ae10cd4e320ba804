"""Writes to the case bank: article versions and the "law changed, review" flags."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from wagtail.models import Page
from wagtail.query import PageQuerySet

from core.bulk import bulk_operation

from .citations import citers_of
from .models import (
    AmendmentStatus,
    Article,
    ArticleAmendment,
    ArticleVersion,
    CasePage,
    EnforcementProblem,
    FlagStatus,
    LawChangeFlag,
    content_hash,
)

FLAG_ALREADY_RESOLVED = "This flag has already been marked as reviewed."


@dataclass(frozen=True)
class ArticleChange:
    """An article whose open version was replaced by a new text."""

    article_id: int
    old_version_id: int | None
    new_version_id: int


def text_diff(
    old: str, new: str, *, old_label: str = "旧文本", new_label: str = "新文本"
) -> str:
    """Return a unified diff of two article texts, sentence by sentence.

    Statute texts are long lines of Chinese; splitting on 。；： and line ends gives a diff a
    reviewer can read without a character-level tool.
    """

    def sentences(text: str) -> list[str]:
        out, current = [], ""
        for ch in text:
            current += ch
            if ch in "。；：\n":
                out.append(current.strip() + "\n")
                current = ""
        if current.strip():
            out.append(current.strip() + "\n")
        return out

    return "".join(
        difflib.unified_diff(
            sentences(old), sentences(new), fromfile=old_label, tofile=new_label
        )
    )


def article_version_add(
    *, article: Article, text: str, effective_from: dt.date | None, source_id: str = ""
) -> tuple[ArticleVersion | None, ArticleChange | None]:
    """Record ``text`` as the article's text from ``effective_from`` on.

    Returns ``(version, change)``: ``(None, None)`` when this exact text is already stored
    (idempotent by content hash); ``change`` is set when an open version was closed (the
    day before the new one starts), so its citers can be flagged. A text dated before the
    open version is stored as a closed, historical version instead.
    """
    digest = content_hash(text)
    versions = list(article.versions.order_by("effective_from", "pk"))
    if any(v.content_hash == digest for v in versions):
        return None, None
    open_version = next((v for v in reversed(versions) if v.effective_to is None), None)
    if open_version is None:
        version = ArticleVersion.objects.create(
            article=article,
            text=text,
            effective_from=effective_from,
            content_hash=digest,
            source_id=source_id,
        )
        return version, None
    start = open_version.effective_from
    if effective_from is not None and start is not None and effective_from <= start:
        # An older text imported after a newer one: slot it in as history.
        version = ArticleVersion.objects.create(
            article=article,
            text=text,
            effective_from=effective_from,
            effective_to=start - dt.timedelta(days=1)
            if effective_from < start
            else start,
            content_hash=digest,
            source_id=source_id,
        )
        return version, None
    new_from = effective_from or timezone.localdate()
    if start is not None and new_from <= start:
        new_from = start + dt.timedelta(days=1)
    open_version.effective_to = new_from - dt.timedelta(days=1)
    open_version.save(update_fields=["effective_to"])
    version = ArticleVersion.objects.create(
        article=article,
        text=text,
        effective_from=new_from,
        content_hash=digest,
        source_id=source_id,
    )
    return version, ArticleChange(article.pk, open_version.pk, version.pk)


def _owner_of(obj):
    owner = getattr(obj, "owner", None)
    if owner is None and hasattr(obj, "get_owner"):
        owner = obj.get_owner()
    return owner


def _url_of(obj) -> str:
    for attr in ("get_absolute_url", "get_url"):
        method = getattr(obj, attr, None)
        if callable(method):
            try:
                return method() or ""
            except Exception:  # noqa: BLE001 - a link is a nicety; the flag must still be made
                return ""
    return ""


def law_change_flags_create(changes: Iterable[ArticleChange]) -> list[LawChangeFlag]:
    """Flag everything citing a changed article "law changed, review", with the text diff.

    Runs the registered citation sources; creating a flag twice for the same citer and new
    version does nothing (unique constraint), so re-imports do not pile flags up.
    """
    changes = list(changes)
    if not changes:
        return []
    # Flagging touches many citers: their indexing waits for the end, in bulk.
    with bulk_operation("law_change_flags"):
        return _flags_create(changes)


def _flags_create(changes: list[ArticleChange]) -> list[LawChangeFlag]:
    by_article = {c.article_id: c for c in changes}
    versions = ArticleVersion.objects.in_bulk(
        [c.new_version_id for c in changes]
        + [c.old_version_id for c in changes if c.old_version_id]
    )
    articles = Article.objects.select_related("law").in_bulk(list(by_article))
    created: list[LawChangeFlag] = []
    for citation in citers_of(by_article):
        obj = citation.obj
        cited_ids = [citation.article_id] if citation.article_id else list(by_article)
        for article_id in cited_ids:
            change = by_article.get(article_id)
            if change is None:
                continue
            article = articles[article_id]
            old = versions.get(change.old_version_id)
            new = versions[change.new_version_id]
            diff = text_diff(
                old.text if old else "",
                new.text,
                old_label=f"{article.citation}（{old.effective_from or '…'} 起）"
                if old
                else "（无）",
                new_label=f"{article.citation}（{new.effective_from or '…'} 起）",
            )
            try:
                with transaction.atomic():
                    flag, made = LawChangeFlag.objects.get_or_create(
                        content_type=ContentType.objects.get_for_model(
                            obj, for_concrete_model=False
                        ),
                        object_id=str(obj.pk),
                        new_version=new,
                        defaults={
                            "article": article,
                            "old_version": old,
                            "citer_title": str(getattr(obj, "title", None) or obj)[
                                :255
                            ],
                            "citer_url": _url_of(obj)[:500],
                            "owner": _owner_of(obj),
                            "diff": diff,
                        },
                    )
            except IntegrityError:
                continue
            if made:
                created.append(flag)
    return created


@transaction.atomic
def law_change_flag_resolve(*, flag: LawChangeFlag, user) -> LawChangeFlag:
    """Mark ``flag`` as reviewed by ``user``; raises ValueError when it already is."""
    if flag.status == FlagStatus.RESOLVED:
        raise ValueError(FLAG_ALREADY_RESOLVED)
    flag.status = FlagStatus.RESOLVED
    flag.resolved_by = user
    flag.resolved_at = timezone.now()
    flag.full_clean()
    flag.save()
    from audit.services import audit_log

    audit_log(
        action="casebank.law_change_flag.resolve",
        actor=user,
        target=flag,
        details={"article": flag.article_id},
    )
    return flag


REVIEW_WORKFLOW_NAME = "案例库审核（第二人审核）"
REVIEW_TASK_NAME = "法制员或教官审核"
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page")
EDITOR_SNIPPET_PERMISSIONS = ("change_charge", "add_charge")


def casebank_review_setup(
    *,
    sections,
    editor_group_names=("legal_officer",),
    reviewer_group_names=("legal_officer", "trainer"),
):
    """Put the case and guideline libraries (``sections``) and the charges (element analyses)
    under one review workflow: legal officers draft, a *second* legal officer or a trainer
    approves (``CasebankReviewTask`` refuses self-approval). Editors never get publish.
    Idempotent; return the workflow."""
    from django.contrib.auth.models import Group, Permission

    from wagtail.models import (
        GroupPagePermission,
        Workflow,
        WorkflowContentType,
        WorkflowPage,
        WorkflowTask,
    )

    from .models import CasebankReviewTask, Charge

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    reviewers = [
        Group.objects.get_or_create(name=name)[0] for name in reviewer_group_names
    ]
    editors = [Group.objects.get_or_create(name=name)[0] for name in editor_group_names]
    task = CasebankReviewTask.objects.filter(
        name=REVIEW_TASK_NAME
    ).first() or CasebankReviewTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set(reviewers)
    workflow, _ = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    for section in sections:
        WorkflowPage.objects.update_or_create(
            page=section, defaults={"workflow": workflow}
        )
    WorkflowContentType.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(Charge),
        defaults={"workflow": workflow},
    )
    for group in {*editors, *reviewers}:
        group.permissions.add(access_admin)
        for codename in EDITOR_SNIPPET_PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="casebank", codename=codename
                )
            )
        for section in sections:
            for codename in EDITOR_PAGE_PERMISSIONS:
                permission = Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                )
                GroupPagePermission.objects.get_or_create(
                    group=group, page=section, permission=permission
                )
    return workflow


# Enforcement problems (执法问题) -----------------------------------------------------------

PROBLEM_NOT_A_RECORDER = _(
    "Only legal officers, leaders and the system admin record enforcement problems."
)
PROBLEM_UNIT_OUTSIDE_SCOPE = _("You may not record problems for this unit.")
PROBLEM_PERSON_OUTSIDE_UNIT = _("The person is not in this unit or a unit below it.")
PROBLEM_FUTURE = _("The date found cannot be in the future.")
PROBLEM_DESCRIPTION_REQUIRED = _("Describe the problem.")


@transaction.atomic
def problem_record(
    *,
    recorder: Any,
    unit: Any,
    category: str,
    severity: str,
    description: str,
    found_on: dt.date,
    person: Any = None,
    articles: Iterable[Article] = (),
    articles_text: str = "",
    case_reference: str = "",
    case_page: Any = None,
    source: str = "review",
    campaign: str = "",
    request: Any = None,
) -> EnforcementProblem:
    """Record an enforcement problem against ``unit`` (and ``person``), audit it, and
    send ``problem_recorded`` in the same transaction (the mapped learning is assigned by
    its listener, so a failure there records nothing).

    Raise ``PermissionDenied`` when ``recorder`` may not record for ``unit``, and
    ``ValidationError`` (texts above) for a person outside the unit, a future date, or a
    field that fails the model's checks.
    """
    from audit.services import audit_log

    from .selectors import can_record_problems, problem_record_units
    from .signals import problem_recorded

    if not can_record_problems(recorder):
        raise PermissionDenied(PROBLEM_NOT_A_RECORDER)
    if not problem_record_units(recorder).filter(pk=unit.pk).exists():
        raise PermissionDenied(PROBLEM_UNIT_OUTSIDE_SCOPE)
    if person is not None and (
        person.unit_id is None or not person.unit.is_within(unit)
    ):
        raise ValidationError({"person": PROBLEM_PERSON_OUTSIDE_UNIT})
    if found_on > timezone.localdate():
        raise ValidationError({"found_on": PROBLEM_FUTURE})
    if not (description or "").strip():
        raise ValidationError({"description": PROBLEM_DESCRIPTION_REQUIRED})
    articles = list(articles)
    if not articles_text and articles:
        articles_text = "、".join(a.citation for a in articles)
    problem = EnforcementProblem(
        unit=unit,
        person=person,
        category=category,
        severity=severity,
        description=description.strip(),
        found_on=found_on,
        articles_text=articles_text[:500],
        case_reference=case_reference[:200],
        case_page=case_page,
        source=source,
        campaign=campaign[:200],
        recorded_by=recorder,
    )
    problem.full_clean()
    problem.save()
    if articles:
        problem.articles.set(articles)
    audit_log(
        action="casebank.problem.record",
        actor=recorder,
        request=request,
        target=problem,
        details={
            "unit": unit.pk,
            "person": getattr(person, "pk", None),
            "category": category,
            "severity": severity,
            "source": source,
        },
    )
    problem_recorded.send(sender=EnforcementProblem, problem=problem, recorder=recorder)
    return problem


def articles_from_text(text: str, on_date: dt.date | None = None) -> list[Article]:
    """Return the articles cited in ``text`` (e.g. "刑事诉讼法第一百一十五条"), in order,
    each once; references that resolve to no known article are left out."""
    from .references import parse_references, resolve

    found: list[Article] = []
    for ref in parse_references(text or ""):
        article = resolve(ref, on_date)
        if article is not None and article not in found:
            found.append(article)
    return found


def case_pages_delete(*, queryset: QuerySet[CasePage]) -> int:
    """Delete the case pages of ``queryset`` (and anything below them) in one transaction
    and one bulk operation: the search index is written once at the end, not per page.
    Return how many case pages were deleted."""
    with transaction.atomic(), bulk_operation("case_pages_delete"):
        pks = list(queryset.values_list("pk", flat=True))
        deleted = 0
        for start in range(0, len(pks), 500):
            batch = Page.objects.filter(pk__in=pks[start : start + 500])
            deleted += batch.count()
            # treebeard's queryset delete removes descendants and fixes numchild.
            batch.delete()
        return deleted


def case_pages_unpublish(*, queryset: PageQuerySet, user=None) -> int:
    """Unpublish the live case pages of ``queryset`` in one bulk operation (the index is
    written once at the end). Return how many were unpublished."""
    count = 0
    with transaction.atomic(), bulk_operation("case_pages_unpublish"):
        for page in queryset.live().specific():
            page.unpublish(user=user, log_action="wagtail.unpublish")
            count += 1
    return count


# Amendments entered in pages (a legal officer enters, a second one approves) -------------

AMENDMENT_NOT_LEGAL_OFFICER = gettext_noop(
    "Only legal officers enter and review statute amendments."
)
AMENDMENT_SELF_REVIEW = gettext_noop(
    "The person who entered an amendment cannot review it."
)
AMENDMENT_NOT_PENDING = gettext_noop("This amendment has already been reviewed.")
AMENDMENT_SAME_TEXT = gettext_noop(
    "The new text is the same as a text this article already has."
)
AMENDMENT_EMPTY = gettext_noop("Enter the new text and its source.")


def amendment_can_enter(user) -> bool:
    """Legal officers (and the system admin) keep the statute library current."""
    from accounts.models import Role

    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_role(Role.LEGAL_OFFICER, Role.SYSTEM_ADMIN))
    )


@transaction.atomic
def amendment_propose(
    *,
    actor,
    article: Article,
    text: str,
    effective_from: dt.date,
    source: str,
    request=None,
) -> ArticleAmendment:
    """Enter a new text of ``article`` in force from ``effective_from``; it waits for a
    second legal officer's review."""
    from audit.services import audit_log

    if not amendment_can_enter(actor):
        raise PermissionDenied(gettext(AMENDMENT_NOT_LEGAL_OFFICER))
    text, source = (text or "").strip(), (source or "").strip()
    if not text or not source:
        raise ValidationError(gettext(AMENDMENT_EMPTY))
    if article.versions.filter(content_hash=content_hash(text)).exists():
        raise ValidationError(gettext(AMENDMENT_SAME_TEXT))
    amendment = ArticleAmendment(
        article=article,
        text=text,
        effective_from=effective_from,
        source=source[:300],
        proposed_by=actor,
    )
    amendment.full_clean()
    amendment.save()
    audit_log(
        action="casebank.amendment_propose",
        actor=actor,
        request=request,
        target=article,
        details={"amendment": amendment.pk, "effective_from": str(effective_from)},
    )
    return amendment


@transaction.atomic
def amendment_review(
    *,
    amendment: ArticleAmendment,
    reviewer,
    approve: bool,
    note: str = "",
    request=None,
) -> ArticleAmendment:
    """Approve (record the version exactly as the import does, and flag what cites the
    article "law changed, review") or reject an amendment. Never by its author."""
    from audit.services import audit_log

    amendment = ArticleAmendment.objects.select_for_update().get(pk=amendment.pk)
    if not amendment_can_enter(reviewer):
        raise PermissionDenied(gettext(AMENDMENT_NOT_LEGAL_OFFICER))
    if amendment.proposed_by_id == reviewer.pk:
        raise PermissionDenied(gettext(AMENDMENT_SELF_REVIEW))
    if amendment.status != AmendmentStatus.PENDING:
        raise ValidationError(gettext(AMENDMENT_NOT_PENDING))
    amendment.reviewed_by = reviewer
    amendment.reviewed_at = timezone.now()
    amendment.review_note = (note or "")[:300]
    if approve:
        version, change = article_version_add(
            article=amendment.article,
            text=amendment.text,
            effective_from=amendment.effective_from,
            source_id=f"amendment:{amendment.pk}",
        )
        amendment.version = version
        amendment.flags_created = len(
            law_change_flags_create([change] if change else [])
        )
        amendment.status = AmendmentStatus.APPROVED
    else:
        amendment.status = AmendmentStatus.REJECTED
    amendment.save()
    audit_log(
        action="casebank.amendment_approve" if approve else "casebank.amendment_reject",
        actor=reviewer,
        request=request,
        target=amendment.article,
        details={
            "amendment": amendment.pk,
            "version": amendment.version_id,
            "flags": amendment.flags_created,
        },
    )
    return amendment


CASE_VOLUME_OUTSIDE_SCOPE = _("You may not enter the cases of this unit.")


@transaction.atomic
def case_volume_set(
    *, by: Any, unit: Any, year: int, cases_handled: int, request: Any = None
) -> Any:
    """Set the number of cases ``unit`` handled in ``year`` (the denominator of
    "problems per 100 cases"); audited. Raise ``PermissionDenied`` outside the scope of
    ``by`` (``selectors.problem_units``)."""
    from audit.services import audit_log

    from .models import CaseVolume
    from .selectors import problem_units

    if not problem_units(by).filter(pk=unit.pk).exists():
        raise PermissionDenied(CASE_VOLUME_OUTSIDE_SCOPE)
    volume, _created = CaseVolume.objects.update_or_create(
        unit=unit, year=year, defaults={"cases_handled": cases_handled}
    )
    audit_log(
        action="casebank.case_volume.set",
        actor=by,
        request=request,
        target=volume,
        details={"unit": unit.pk, "year": year, "cases_handled": cases_handled},
    )
    return volume
