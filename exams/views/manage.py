"""Trainer pages: question bank, import/export, blueprints, sessions, regrading,
statistics; and the marking queue for markers (trainers and legal officers)."""

from __future__ import annotations

import re
import uuid
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Role, Unit, User
from accounts.permissions import (
    can_manage_exams,
    can_mark,
    can_see_all_exam_candidates,
    permission_required,
)
from accounts.selectors import visible_people
from audit.services import audit_log
from core.params import id_param

from .. import importing, qtypes, services
from ..drawing import blueprint_check, row_pool
from ..models import (
    Attempt,
    Blueprint,
    BlueprintRow,
    Category,
    Certificate,
    ExamOverride,
    ExamSession,
    MarkingTask,
    Question,
    QuestionAdjustment,
    Result,
)
from ..selectors import histogram_svg


def _no_running_attempt(view):
    """Separation of duties: nobody reads keys, rubrics or analyses (bank, sessions,
    statistics, marking) while their own attempt runs."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if services.attempt_running_for(request.user):
            raise PermissionDenied(_(services.OWN_ATTEMPT_RUNNING))
        return view(request, *args, **kwargs)

    return wrapped


def _exam_staff(predicate):
    """The predicate's rule (accounts.permissions, two-factor included), then no
    running attempt of one's own."""

    def decorator(view):
        return permission_required(predicate)(_no_running_attempt(view))

    return decorator


# One rule each, in accounts.permissions: exam administration and marking.
trainer_required = _exam_staff(can_manage_exams)
marker_required = _exam_staff(can_mark)


@trainer_required
def manage(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exams/manage/index.html",
        {
            "sessions": ExamSession.objects.select_related("blueprint")[:50],
            "blueprints": Blueprint.objects.order_by("-created_at")[:50],
            "question_count": Question.objects.active().count(),
            "categories": Category.objects.filter(parent__isnull=True).prefetch_related(
                "topics"
            ),
        },
    )


# Question bank ----------------------------------------------------------------------


@trainer_required
def question_list(request: HttpRequest) -> HttpResponse:
    qs = (
        Question.objects.filter(
            current_version__isnull=False, is_active=not request.GET.get("retired")
        )
        .select_related("category__parent", "current_version")
        .order_by("-pk")
    )
    if category := request.GET.get("category"):
        qs = qs.filter(
            category_id__in=get_object_or_404(
                Category, pk=id_param(category) or 0
            ).subtree_ids()
        )
    if qtype := request.GET.get("qtype"):
        qs = qs.filter(qtype=qtype)
    if text := request.GET.get("q", "").strip():
        qs = qs.filter(current_version__stem__icontains=text)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "exams/manage/questions.html",
        {
            "page": page,
            "types": qtypes.choices(),
            "categories": Category.objects.select_related("parent"),
            "flagged": set(_flagged_ids()),
            "papers": Blueprint.objects.filter(mode=Blueprint.Mode.FIXED).order_by(
                "-pk"
            )[:20],
        },
    )


def _flagged_ids() -> list[int]:
    try:
        from django.contrib.contenttypes.models import ContentType

        from casebank.models import LawChangeFlag
    except ImportError:
        return []
    ct = ContentType.objects.get_for_model(Question)
    return [
        int(i)
        for i in LawChangeFlag.objects.open()
        .filter(content_type=ct)
        .values_list("object_id", flat=True)
    ]


@trainer_required
def question_import(request: HttpRequest) -> HttpResponse:
    """Upload → dry-run report of every bad row → import (all or nothing)."""
    from core.uploads import UploadError, validate_upload

    report = None
    token = request.POST.get("token", "")
    if request.method == "POST":
        subject = request.POST.get("subject", "").strip()
        if "file" in request.FILES:
            upload = request.FILES["file"]
            try:
                validate_upload(upload, kinds=("xlsx",))
            except UploadError as e:
                messages.error(request, e.messages[0])
                return redirect("exams:question_import")
            upload.seek(0)
            token = uuid.uuid4().hex
            default_storage.save(
                f"exams/imports/{token}.xlsx", ContentFile(upload.read())
            )
            # The pending file is this person's: the token is bound to their session.
            request.session[QUESTION_IMPORT_SESSION_KEY] = token
        path = f"exams/imports/{token}.xlsx"
        if (
            not QUESTION_IMPORT_TOKEN_RE.fullmatch(token)
            or request.session.get(QUESTION_IMPORT_SESSION_KEY) != token
            or not default_storage.exists(path)
        ):
            messages.error(request, _("Choose an .xlsx file first."))
            return redirect("exams:question_import")
        with default_storage.open(path, "rb") as fh:
            data = fh.read()
        commit = request.POST.get("action") == "import"
        report = importing.import_xlsx(
            data, dry_run=not commit, actor=request.user, default_subject=subject
        )
        if report.committed:
            default_storage.delete(path)
            request.session.pop(QUESTION_IMPORT_SESSION_KEY, None)
            messages.success(
                request,
                _(
                    "Imported {created} questions ({duplicates} already in the bank)."
                ).format(created=report.created, duplicates=report.duplicates),
            )
            return redirect("exams:question_list")
    return render(
        request,
        "exams/manage/import.html",
        {"report": report, "token": token, "headers": importing.HEADERS},
    )


@trainer_required
def question_export(request: HttpRequest) -> HttpResponse:
    qs = (
        Question.objects.active()
        .select_related("category__parent", "current_version")
        .order_by("pk")
    )
    if category := request.GET.get("category"):
        qs = qs.filter(
            category_id__in=get_object_or_404(Category, pk=category).subtree_ids()
        )
    data = importing.export_xlsx(qs)
    audit_log(
        action="exams.question_export",
        request=request,
        target_type="exams.question",
        details={"count": qs.count()},
    )
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="questions-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


# Blueprints ---------------------------------------------------------------------------


class BlueprintRowForm(forms.ModelForm):
    class Meta:
        model = BlueprintRow
        fields = ["category", "qtype", "difficulty", "count", "points"]


RowFormSet = forms.inlineformset_factory(
    Blueprint, BlueprintRow, form=BlueprintRowForm, extra=4, can_delete=True
)


@trainer_required
def blueprint_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    blueprint = (
        get_object_or_404(Blueprint, pk=pk)
        if pk
        else Blueprint(created_by=request.user)
    )
    name_form = forms.modelform_factory(Blueprint, fields=["name", "mode"])(
        request.POST or None, instance=blueprint
    )
    formset = RowFormSet(request.POST or None, instance=blueprint)
    if request.method == "POST" and name_form.is_valid() and formset.is_valid():
        with transaction.atomic():
            blueprint = name_form.save()
            formset.instance = blueprint
            formset.save()
        audit_log(action="exams.blueprint_save", request=request, target=blueprint)
        for problem in blueprint_check(blueprint):
            messages.warning(request, problem)
        if blueprint.mode == Blueprint.Mode.FIXED:
            return redirect("exams:fixed_paper", pk=blueprint.pk)
        return redirect("exams:blueprint_edit", pk=blueprint.pk)
    pools = (
        [(row, len(row_pool(row))) for row in blueprint.rows.select_related("category")]
        if blueprint.pk
        else []
    )
    return render(
        request,
        "exams/manage/blueprint.html",
        {
            "blueprint": blueprint,
            "name_form": name_form,
            "formset": formset,
            "pools": pools,
        },
    )


# Sessions -----------------------------------------------------------------------------


class SessionForm(forms.ModelForm):
    audience_roles = forms.MultipleChoiceField(
        label=gettext_lazy("roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = forms.CharField(
        label=gettext_lazy("named people (usernames or police numbers, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = ExamSession
        fields = [
            "title",
            "kind",
            "level",
            "description",
            "blueprint",
            "opens_at",
            "closes_at",
            "time_limit_minutes",
            "attempts_allowed",
            "grading_method",
            "pass_mark",
            "multiple_scoring",
            "review_score",
            "review_answers",
            "access_code",
            "allowed_networks",
            "audience_units",
            "audience_roles",
            "credit_hours",
            "issue_certificate",
            "second_marking",
            "marking_margin",
            "is_published",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 2}),
            "allowed_networks": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience_units"].queryset = Unit.objects.order_by("path")
        if self.instance.pk:
            self.fields["people"].initial = "\n".join(
                self.instance.audience_people.values_list("username", flat=True)
            )

    def clean_people(self) -> list[User]:
        names = [
            n.strip() for n in self.cleaned_data["people"].splitlines() if n.strip()
        ]
        found = list(User.objects.filter(username__in=names)) + list(
            User.objects.filter(police_number__in=names)
        )
        known = {u.username for u in found} | {u.police_number for u in found}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValidationError(
                _("Unknown people: {names}").format(names="、".join(unknown))
            )
        return found

    def clean(self):
        data = super().clean()
        if (
            data.get("opens_at")
            and data.get("closes_at")
            and data["closes_at"] <= data["opens_at"]
        ):
            raise ValidationError(_("The session must close after it opens."))
        if data.get("blueprint"):
            for problem in blueprint_check(data["blueprint"]):
                self.add_error("blueprint", problem)
        return data


@trainer_required
def session_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    session = (
        get_object_or_404(ExamSession, pk=pk)
        if pk
        else ExamSession(created_by=request.user)
    )
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save()
            session.audience_people.set(form.cleaned_data["people"])
        added, released = services.session_sync_assignments(session=session)
        synced = services.session_audience_sync(
            session=session, actor=request.user, request=request
        )
        audit_log(
            action="exams.session_save",
            request=request,
            target=session,
            details={
                "assigned": added,
                "released": released,
                "withdrawn": len(synced.withdrawn),
            },
        )
        from ..tasks import prepare_session_attempts

        transaction.on_commit(lambda: prepare_session_attempts.delay(session.pk))
        messages.success(
            request,
            _("Saved. {n} people newly assigned; papers are being prepared.").format(
                n=added
            ),
        )
        return redirect("exams:session_manage", pk=session.pk)
    return render(
        request, "exams/manage/session_edit.html", {"form": form, "session": session}
    )


QUESTION_IMPORT_SESSION_KEY = "exams_question_import_token"
QUESTION_IMPORT_TOKEN_RE = re.compile(r"[0-9a-f]{32}")
OVERRIDE_INPUT_INVALID = gettext_noop(
    "Extra minutes and attempts must be whole numbers from 0 to 10000, and dates must "
    "be valid."
)


def _override_values(data) -> dict | None:
    """Parse the override form's numbers (0..10000) and dates; None when any is bad."""
    values: dict = {}
    for field in ("extra_minutes", "extra_attempts"):
        text = (data.get(field) or "0").strip()
        if not (text.isascii() and text.isdigit()) or int(text) > 10_000:
            return None
        values[field] = int(text)
    for field in ("opens_at", "closes_at"):
        try:
            values[field] = forms.DateTimeField().to_python(data.get(field) or None)
        except ValidationError:
            return None
    return values


def _session_people_filter(request: HttpRequest, session: ExamSession):
    """The session's owner and system admins see everyone; others see their units' people."""
    if session.created_by_id == request.user.pk or can_see_all_exam_candidates(
        request.user
    ):
        return None
    return visible_people(request.user)


@trainer_required
def session_manage(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession.objects.select_related("blueprint"), pk=pk)
    attempts = (
        Attempt.objects.filter(session=session)
        .exclude(status__in=["prepared", "withdrawn"])
        .select_related("user__unit", "result")
    )
    people = _session_people_filter(request, session)
    if people is not None:
        attempts = attempts.filter(user__in=people)
    changes = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("regrade_preview", "regrade_apply"):
            changes = services.session_regrade(
                session=session,
                dry_run=action == "regrade_preview",
                actor=request.user,
                request=request,
            )
            if action == "regrade_apply":
                messages.success(
                    request, _("Regraded: {n} results changed.").format(n=len(changes))
                )
                return redirect("exams:session_manage", pk=pk)
        elif action == "void":
            question = get_object_or_404(
                Question, pk=id_param(request.POST.get("question")) or 0
            )
            mode = request.POST.get("mode", QuestionAdjustment.Mode.FULL_MARKS)
            if mode not in QuestionAdjustment.Mode.values:
                raise Http404
            changes = services.question_void(
                session=session,
                question=question,
                mode=mode,
                reason=request.POST.get("reason", ""),
                actor=request.user,
                request=request,
            )
            messages.success(
                request,
                _("Question voided; {n} results changed.").format(n=len(changes)),
            )
            return redirect("exams:session_manage", pk=pk)
        elif action == "revoke_certificate":
            certificate = get_object_or_404(
                Certificate,
                session=session,
                code=request.POST.get("code", "").strip().upper(),
            )
            try:
                services.certificate_revoke(
                    certificate=certificate,
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                    request=request,
                )
            except ValidationError as e:
                messages.error(request, e.messages[0])
            else:
                messages.success(request, _("Certificate revoked."))
            return redirect("exams:session_manage", pk=pk)
        elif action == "prepare":
            n = services.session_prepare_attempts(session=session)
            messages.success(request, _("{n} papers prepared.").format(n=n))
            return redirect("exams:session_manage", pk=pk)
        elif action == "override":
            user = User.objects.filter(
                username=request.POST.get("user", "").strip()
            ).first()
            values = _override_values(request.POST)
            if user is None:
                messages.error(request, _("Unknown person."))
            elif values is None:
                messages.error(request, _(OVERRIDE_INPUT_INVALID))
            else:
                ExamOverride.objects.update_or_create(
                    session=session,
                    user=user,
                    defaults={
                        **values,
                        "reason": request.POST.get("reason", "")[:200],
                    },
                )
                audit_log(
                    action="exams.override",
                    request=request,
                    target=session,
                    details={
                        "user": user.username,
                        "extra_minutes": request.POST.get("extra_minutes"),
                        "extra_attempts": request.POST.get("extra_attempts"),
                    },
                )
                messages.success(request, _("Override saved."))
            return redirect("exams:session_manage", pk=pk)
    return render(
        request,
        "exams/manage/session.html",
        {
            "session": session,
            "attempts": attempts.order_by(
                "user__unit__path", "user__username", "number"
            ),
            "changes": changes,
            "prepared": Attempt.objects.filter(
                session=session, status="prepared"
            ).count(),
            "adjustments": session.adjustments.select_related("question"),
            "overrides": session.overrides.select_related("user"),
            "pending_marking": MarkingTask.objects.filter(
                slot__attempt__session=session, submitted_at__isnull=True
            ).count(),
            "modes": QuestionAdjustment.Mode.choices,
        },
    )


@trainer_required
def session_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession, pk=pk)
    if request.method == "POST" or not session.statistics:
        from ..selectors import session_statistics_compute

        session_statistics_compute(session=session)
        session.refresh_from_db()
    data = session.statistics
    questions = Question.objects.in_bulk([int(i["key"]) for i in data.get("items", [])])
    items = [
        dict(
            i,
            question=questions.get(int(i["key"])),
            flags=[_(flag) for flag in i.get("flags", [])],
        )
        for i in data.get("items", [])
    ]
    items.sort(key=lambda i: (not i["flags"], i["key"]))
    max_score = data.get("max_score") or 0
    chart = histogram_svg(
        data.get("totals", []), max_score, float(session.pass_mark) * max_score / 100
    )
    return render(
        request,
        "exams/manage/statistics.html",
        {
            "session": session,
            "test": data.get("test", {}),
            "items": items,
            "chart": chart,
            "closed": session.is_closed(),
        },
    )


# Marking ----------------------------------------------------------------------------


@marker_required
def marking_queue(request: HttpRequest) -> HttpResponse:
    tasks = services.marking_queue(marker=request.user)[:100]
    return render(request, "exams/manage/marking_queue.html", {"tasks": tasks})


@marker_required
def marking_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(services.marking_queue(marker=request.user), pk=pk)
    slot = task.slot
    handler = qtypes.get(slot.version.question.qtype)
    parts = handler.essay_parts(slot.version, slot.response)
    if request.method == "POST":
        points = {
            p["key"]: [
                request.POST.get(f"p{p['key']}_{i}", "0")
                for i in range(len(p["rubric"]))
            ]
            for p in parts
        }
        try:
            services.marking_submit(
                task=task,
                marker=request.user,
                points=points,
                comment=request.POST.get("comment", ""),
                request=request,
            )
        except ValidationError as e:
            messages.error(request, e.messages[0])
        else:
            messages.success(request, _("Marks saved."))
            return redirect("exams:marking_queue")
    return render(
        request,
        "exams/manage/marking_task.html",
        {
            "task": task,
            "material": slot.version.material,
            "parts": parts,
            "anon": slot.attempt.anon_code,
            "max": handler.essay_max(slot.version),
            "order": slot.order,
        },
    )


def result_rows(session: ExamSession):
    return Result.objects.filter(attempt__session=session)
