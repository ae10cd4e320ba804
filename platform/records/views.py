"""Training record pages, reports, exports, offline training and notifications.

Every view that shows someone else's data checks scope through ``accounts.selectors``
(``can_see_person``, ``can_see_unit`` via ``selectors.report_unit_get``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, Unit, User

# The rules live in accounts.permissions (two-factor included); re-exported for the menu.
from accounts.permissions import (
    can_credit_offline_any_unit,
    can_credit_offline_group,
    can_exempt,
    can_exempt_assignment,
    can_review_offline,
    can_set_requirements,
    can_view_reports,
    require,
)
from accounts.selectors import can_see_person
from audit.services import audit_log
from core.params import id_params

from . import charts, selectors, services
from .exports import REPORTS, report_table, write_table
from .forms import (
    CertificationForm,
    GroupAttendanceForm,
    OfflineActivityForm,
    ReviewForm,
    RoleRequirementForm,
)
from .models import (
    Assignment,
    ExportJob,
    ExportStatus,
    Notification,
    OfflineActivity,
    OfflineStatus,
    RoleRequirement,
    TrackedItem,
)
from .selectors import ReportFilter

REPORT_ROLES = (Role.UNIT_ADMIN, Role.LEADER, Role.SYSTEM_ADMIN)
PEOPLE_PAGE_SIZE = 200


@dataclass(frozen=True)
class AtRiskRow:
    """One line of the at-risk report."""

    person: User  # annotated with hours, expected, target (at_risk_people)
    overdue: int  # required items overdue
    reason: selectors.AtRiskReason


def _reports_required(request: AuthenticatedHttpRequest) -> None:
    require(request, can_view_reports)


# The record -------------------------------------------------------------------------------


def _year(request: AuthenticatedHttpRequest) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


def _person_or_403(request: AuthenticatedHttpRequest, pk: int) -> User:
    person = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    if not can_see_person(request.user, person):
        audit_log(
            action="records.record_view",
            request=request,
            target=person,
            result="denied",
        )
        raise PermissionDenied(_("This person is outside your scope."))
    return person


@login_required
def my_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _record_page(request, request.user)


@login_required
def person_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = _person_or_403(request, pk)
    if person.pk != request.user.pk:
        audit_log(action="records.record_view", request=request, target=person)
    return _record_page(request, person)


def _record_page(request: AuthenticatedHttpRequest, person: User) -> HttpResponse:
    # A person's own record follows the review policies of their exams.
    record = selectors.person_record_get(
        person, _year(request), as_learner=person.pk == request.user.pk
    )
    soon = getattr(settings, "RECORDS_CERT_EXPIRY_WARN_DAYS", 90)
    return render(
        request,
        "records/record.html",
        {
            "record": record,
            "person": person,
            "is_self": person.pk == request.user.pk,
            # Waive / extend links: asked of the person (any of their assignments).
            "may_exempt": can_exempt(request.user)
            and can_exempt_assignment(request.user, Assignment(user=person)),
            "certs": selectors.certifications_status(
                record.certifications, record.today, soon
            ),
            "pdf_url": reverse("records:my_record_pdf")
            if person.pk == request.user.pk
            else reverse("records:person_record_pdf", args=[person.pk]),
        },
    )


@login_required
def my_record_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _record_pdf(request, request.user)


@login_required
def person_record_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _record_pdf(request, _person_or_403(request, pk))


def _record_pdf(request: AuthenticatedHttpRequest, person: User) -> HttpResponse:
    from .pdf import FontMissingError, record_pdf

    record = selectors.person_record_get(
        person, _year(request), as_learner=person.pk == request.user.pk
    )
    try:
        data = record_pdf(record)
    except FontMissingError as e:
        messages.error(request, str(e))
        return redirect(request.path.rsplit("pdf/", 1)[0])
    audit_log(action="records.record_pdf", request=request, target=person)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="record-{person.pk}-{record.year}.pdf"'
    )
    return response


# Reports ----------------------------------------------------------------------------------


def _report_context(request: AuthenticatedHttpRequest) -> tuple[Unit, ReportFilter]:
    _reports_required(request)
    try:
        unit = selectors.report_unit_get(request.user, request.GET.get("unit"))
    except (Unit.DoesNotExist, ValueError) as e:
        raise Http404(_("No such unit.")) from e
    except PermissionDenied:
        audit_log(
            action="records.report_view",
            request=request,
            result="denied",
            details={"unit": request.GET.get("unit")},
        )
        raise
    return unit, ReportFilter.from_query(request.GET)


def _filter_choices(flt: ReportFilter) -> dict:
    this_year = timezone.localdate().year
    return {
        "years": list(range(this_year, this_year - 5, -1)),
        "roles": Role.choices,
        "item_types": [("course", _("Courses")), ("exam", _("Exams"))],
        "tracked_items": TrackedItem.objects.filter(is_active=True)
        .only("id", "title")
        .order_by("title")[:300],
    }


@login_required
def report_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit, flt = _report_context(request)
    report = selectors.unit_report(request.user, unit, flt)
    people = None
    if not any(not r.extra.get("direct") for r in report.children):
        rows, count = selectors.people_report(unit, flt, limit=200)
        people = {"rows": rows, "count": count}
    query = flt.as_query()
    ranking = charts.unit_ranking(
        [
            {
                "label": row.label,
                "rate": row.rate,
                "url": f"?{urlencode({'unit': row.key, **query})}",
            }
            for row in report.children
            if not row.extra.get("direct") and row.total
        ]
    )
    done, trend = 0, []
    for _m, n in report.completions_by_month:
        done += n
        trend.append(
            round(100 * done / report.totals.total) if report.totals.total else 0
        )
    max_hours = max((h for _m, h in report.hours_by_month), default=0) or 1
    max_done = max((n for _m, n in report.completions_by_month), default=0) or 1
    return render(
        request,
        "records/report_dashboard.html",
        {
            "report": report,
            "unit": unit,
            "flt": flt,
            "query": flt.as_query(),
            "people": people,
            "roots": selectors.report_roots(request.user),
            "pre_meeting": selectors.pre_meeting_report(request.user, unit, flt.year),
            **_filter_choices(flt),
            "ranking": ranking,
            "trend": charts.month_trend(trend, max_value=100, suffix="%"),
            "hours_chart": [
                (m, h, round(100 * h / max_hours)) for m, h in report.hours_by_month
            ],
            "done_chart": [
                (m, n, round(100 * n / max_done))
                for m, n in report.completions_by_month
            ],
        },
    )


@login_required
def report_people(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit, flt = _report_context(request)
    raw = request.GET.get("page", "1")
    # Capped so that a huge ?page= cannot overflow the database's OFFSET.
    digits = raw.isascii() and raw.isdigit()
    page_no = min(int(raw), 1_000_000) if digits and int(raw) > 0 else 1
    size = PEOPLE_PAGE_SIZE
    rows, count = selectors.people_report(
        unit, flt, offset=(page_no - 1) * size, limit=size
    )
    page = Paginator(range(count), size).get_page(page_no)
    if count and page.number != page_no:  # past the last page: show the last one
        rows, count = selectors.people_report(
            unit, flt, offset=(page.number - 1) * size, limit=size
        )
    return render(
        request,
        "records/report_people.html",
        {
            "unit": unit,
            "flt": flt,
            "query": flt.as_query(),
            "rows": rows,
            "count": count,
            "page": page,
            "breadcrumbs": selectors.breadcrumbs_for(request.user, unit),
        },
    )


@login_required
def report_overdue(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit, flt = _report_context(request)
    page = Paginator(selectors.overdue_assignments(unit, flt), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "records/report_overdue.html",
        {
            "unit": unit,
            "flt": flt,
            "query": flt.as_query(),
            "page": page,
            "breadcrumbs": selectors.breadcrumbs_for(request.user, unit),
        },
    )


@login_required
def report_at_risk(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit, flt = _report_context(request)
    page = Paginator(selectors.at_risk_people(unit, flt), 100).get_page(
        request.GET.get("page")
    )
    fraction = selectors.year_fraction(flt.year)
    overdue = selectors.overdue_counts(
        [p.pk for p in page.object_list], flt=flt, unit=unit
    )
    rows = [
        AtRiskRow(
            person=p,
            overdue=overdue.get(p.pk, 0),
            reason=selectors.at_risk_reason(
                hours=selectors.pace_of(p).hours,
                target=selectors.pace_of(p).target,
                year=flt.year,
            ),
        )
        for p in page.object_list
    ]
    return render(
        request,
        "records/report_at_risk.html",
        {
            "unit": unit,
            "flt": flt,
            "query": flt.as_query(),
            "page": page,
            "rows": rows,
            "fraction": round(fraction * 100),
            "pace": round(selectors.at_risk_pace(flt.year) * 100),
            "catch_up": selectors.setting_value("RECORDS_AT_RISK_CATCH_UP", 1.5),
            "grace_days": selectors.setting_value("RECORDS_AT_RISK_GRACE_DAYS", 60),
            "min_shortfall": selectors.at_risk_minimum(
                selectors.at_risk_pace(flt.year)
            ),
            "breadcrumbs": selectors.breadcrumbs_for(request.user, unit),
        },
    )


@login_required
@require_POST
def report_remind(request: AuthenticatedHttpRequest) -> HttpResponse:
    """督办: send a reminder to the people chosen on the at-risk or overdue list."""
    _reports_required(request)
    ids = id_params(request.POST.getlist("person"))[:1000]
    people = User.objects.filter(pk__in=ids)
    back = request.POST.get("next", "")
    if not back.startswith("/records/reports/"):
        back = reverse("records:report_at_risk")
    try:
        sent = services.reminders_send(
            sender=request.user,
            people=people,
            note=request.POST.get("note", ""),
            request=request,
        )
    except ValidationError as e:
        messages.error(request, e.messages[0])
    else:
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(n)d person.",
                "Reminder sent to %(n)d people.",
                sent,
            )
            % {"n": sent},
        )
    return redirect(back)


# Exports ----------------------------------------------------------------------------------


@login_required
def report_export(request: AuthenticatedHttpRequest, report: str) -> HttpResponse:
    unit, flt = _report_context(request)
    fmt = request.GET.get("fmt", "xlsx")
    if report not in REPORTS or fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest(_("Unknown report or format."))
    table = report_table(report, viewer=request.user, unit=unit, flt=flt)
    limit = getattr(settings, "RECORDS_EXPORT_SYNC_MAX_ROWS", 5000)
    if table.count > limit or request.GET.get("background"):
        job = services.export_job_create(
            requester=request.user,
            report=report,
            unit_id=unit.pk,
            params=flt.as_query(),
            fmt=fmt,
            request=request,
        )
        messages.info(
            request, _("The export is large; it is being prepared in the background.")
        )
        return redirect("records:export_detail", pk=job.pk)
    audit_log(
        action="records.export",
        request=request,
        target=unit,
        details={
            "report": report,
            "fmt": fmt,
            "params": flt.as_query(),
            "rows": table.count,
        },
    )
    import io

    buffer = io.BytesIO()
    write_table(table, fmt, buffer, title=report)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{report}-{unit.code}-{flt.year}.{fmt}"'
    )
    return response


@login_required
def export_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(requester=request.user)[:50]
    return render(request, "records/export_list.html", {"jobs": jobs})


@login_required
def export_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk, requester=request.user)
    return render(
        request,
        "records/export_detail.html",
        {
            "job": job,
            "running": job.status in (ExportStatus.PENDING, ExportStatus.RUNNING),
        },
    )


@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = ExportJob.objects.filter(pk=pk).first()
    if job is None or job.requester_id != request.user.pk:
        audit_log(
            action="records.export_download",
            request=request,
            result="denied",
            target_id=str(pk),
            target_type="records.exportjob",
        )
        raise Http404(_("No such export."))
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404(_("The export is not ready."))
    path = (Path(settings.MEDIA_ROOT) / job.file).resolve()
    if (
        not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "exports")
        or not path.exists()
    ):
        raise Http404(_("The export file is gone."))
    audit_log(action="records.export_download", request=request, target=job)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


# Offline training ---------------------------------------------------------------------------


@login_required
def offline_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The home page's to-do links here with the required item's title and hours.
    form = OfflineActivityForm(
        initial={
            key: request.GET[key][:200]
            for key in ("title", "hours")
            if key in request.GET
        }
    )
    if request.method == "POST":
        form = OfflineActivityForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.offline_activity_submit(
                    user=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(
                    request, _("Recorded. Your unit admin will review it.")
                )
                return redirect("records:offline")
    activities = OfflineActivity.objects.filter(user=request.user).select_related(
        "reviewed_by"
    )[:100]
    return render(
        request,
        "records/offline_list.html",
        {
            "form": form,
            "activities": activities,
            "can_review": can_review_offline(request.user),
            "can_register": can_credit_offline_group(request.user),
        },
    )


@login_required
def offline_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, can_review_offline)
    from accounts.selectors import visible_people

    pending = (
        OfflineActivity.objects.filter(
            status=OfflineStatus.PENDING, user__in=visible_people(request.user)
        )
        .exclude(user=request.user)
        .select_related("user", "user__unit")
        .order_by("created_at")
    )
    page = Paginator(pending, 50).get_page(request.GET.get("page"))
    return render(
        request, "records/offline_review.html", {"page": page, "form": ReviewForm()}
    )


@login_required
@require_POST
def offline_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, can_review_offline)
    activity = get_object_or_404(OfflineActivity, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("records:offline_review_list")
    try:
        services.offline_activity_review(
            activity=activity,
            reviewer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Review saved."))
    return redirect("records:offline_review_list")


@login_required
def offline_evidence(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    activity = get_object_or_404(OfflineActivity.objects.select_related("user"), pk=pk)
    name = activity.evidence.name  # empty when there is no file
    if not can_see_person(request.user, activity.user) or not name:
        raise Http404(_("No such file."))
    return FileResponse(
        activity.evidence.open("rb"), as_attachment=False, filename=Path(name).name
    )


@login_required
def offline_group(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, can_credit_offline_group)
    form = GroupAttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        people = form.cleaned_data.pop("people")
        if not can_credit_offline_any_unit(request.user):
            outside = [p for p in people if not can_see_person(request.user, p)]
            if outside:
                form.add_error(
                    "people",
                    _("Outside your units: %(names)s")
                    % {"names": ", ".join(p.display_name for p in outside)},
                )
        if not form.errors:
            try:
                created = services.offline_group_register(
                    trainer=request.user,
                    people=people,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(
                    request,
                    _("Attendance registered for %(n)d people.") % {"n": len(created)},
                )
                return redirect("records:offline_group")
    return render(request, "records/offline_group.html", {"form": form})


# Requirements and certifications ------------------------------------------------------------


@login_required
def requirement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, can_set_requirements)
    instance = None
    if request.GET.get("edit"):
        instance = get_object_or_404(RoleRequirement, pk=request.GET["edit"])
    form = RoleRequirementForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        synced = services.requirement_assignments_sync(
            year=saved.year or timezone.localdate().year
        )
        audit_log(
            action="records.requirement_save",
            request=request,
            target=saved,
            details={
                "role": saved.role,
                "year": saved.year,
                "min_hours": str(saved.min_hours),
                "assignments": synced,
            },
        )
        messages.success(request, _("Requirement saved."))
        return redirect("records:requirements")
    rows = RoleRequirement.objects.prefetch_related("required_items").order_by(
        "role", "year"
    )
    return render(
        request,
        "records/requirements.html",
        {"form": form, "rows": rows, "editing": instance},
    )


@login_required
def certification_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, can_review_offline)
    form = CertificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data.pop("person")
        if not can_see_person(request.user, person):
            form.add_error("person", _("This person is outside your scope."))
        else:
            try:
                services.certification_record(
                    user=person,
                    actor=request.user,
                    source="manual",
                    **form.cleaned_data,
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("Certification recorded."))
                return redirect("records:person_record", pk=person.pk)
    return render(request, "records/certification_form.html", {"form": form})


# Notifications ------------------------------------------------------------------------------


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("records:notifications")
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related("item"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "records/notifications.html", {"page": page})
