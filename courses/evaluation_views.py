"""Pages of 执法考评: the leader's view of their subtree (score, rank, trend, drill-down
from unit to person to records), a person's own view, the xlsx export, the scheme and
the frozen periods. Every unit or person shown is checked against the reader's scope
(``accounts.selectors``); one outside it is a 404. Every look at an evaluation is
audited (``courses.evaluation.view``), so the audit admin sees who looked at which."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Unit, User
from accounts.permissions import (
    can_configure_evaluation,
    can_view_unit_evaluations,
    require,
)
from accounts.selectors import can_see_person, can_see_unit
from audit.services import audit_log
from casebank.models import EnforcementProblem, ProblemCategory, remediation_state
from exams.models import ExamGrade
from records.models import CreditEntry, OfflineActivity
from records.selectors import report_roots

from . import evaluation_services as services
from .evaluation import (
    evaluate_person,
    monthly_trend,
    trend_svg_points,
    unit_evaluation_page,
)
from .models import (
    EvaluationScheme,
    EvaluationSnapshot,
    IndicatorCode,
    ProblemTrainingRule,
    SchemeStatus,
)

PEOPLE_PAGE_SIZE = 100


def year_param(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def unit_for(request: HttpRequest, reader: User, unit_id: str | int | None) -> Unit:
    """Return the unit to evaluate: ``unit_id`` inside the ``reader``'s scope (404 and an
    audited refusal otherwise), or the top of their scope."""
    if not can_view_unit_evaluations(reader):
        raise PermissionDenied(
            _("Evaluations of units are for leaders and unit admins.")
        )
    if unit_id in (None, ""):
        roots = report_roots(reader)
        if not roots:
            raise Http404(_("No such unit."))
        return roots[0]
    text = str(unit_id)
    unit = (
        Unit.objects.filter(pk=int(text)).first()
        if text.isdigit() and int(text) < 2**31
        else None
    )
    if unit is None or not can_see_unit(reader, unit):
        audit_log(
            action="courses.evaluation.view",
            request=request,
            result="denied",
            details={"unit": str(unit_id)[:20]},
        )
        raise Http404(_("No such unit."))
    return unit


def _audit_view(
    request: AuthenticatedHttpRequest, target, year: int, what: str
) -> None:
    audit_log(
        action="courses.evaluation.view",
        request=request,
        target=target,
        details={"year": year, "view": what},
    )


@login_required
def evaluation_unit(request: AuthenticatedHttpRequest) -> HttpResponse:
    unit = unit_for(request, request.user, request.GET.get("unit"))
    year = year_param(request)
    show_people = request.GET.get("people") == "1" or unit.is_leaf()
    page = unit_evaluation_page(unit=unit, year=year, with_people=show_people)
    _audit_view(request, unit, year, "unit")
    people = (
        Paginator(page.people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
        if show_people
        else None
    )
    return render(
        request,
        "courses/evaluation_unit.html",
        {
            "page": page,
            "unit": unit,
            "year": year,
            "people": people,
            "chart": trend_svg_points(page.trend),
            "roots": report_roots(request.user),
            "breadcrumbs": [
                u for u in unit.get_ancestors() if can_see_unit(request.user, u)
            ],
            "years": list(
                range(timezone.localdate().year, timezone.localdate().year - 4, -1)
            ),
        },
    )


def _person_page(request: AuthenticatedHttpRequest, person: User) -> HttpResponse:
    year = year_param(request)
    evaluation = evaluate_person(person=person, year=year)
    _audit_view(request, person, year, "person")
    problems = list(
        EnforcementProblem.objects.filter(person=person, found_on__year=year)
        .select_related("unit")
        .prefetch_related("remediations__assignment__item")
    )
    now = timezone.now()
    rules = ProblemTrainingRule.objects.filter(
        category__in={p.category for p in problems}
    ).prefetch_related("guidelines")
    return render(
        request,
        "courses/evaluation_person.html",
        {
            "person": person,
            "year": year,
            "evaluation": evaluation,
            "is_self": person.pk == request.user.pk,
            "chart": trend_svg_points(
                monthly_trend(person=person, year=year, live=evaluation.score)
            ),
            "credits": CreditEntry.objects.filter(user=person, year=year).order_by(
                "-earned_at"
            ),
            "grades": ExamGrade.objects.filter(
                user=person, session__opens_at__year=year
            ).select_related("session"),
            "problems": [
                (p, remediation_state(list(p.remediations.all()), now))
                for p in problems
            ],
            "rules": [(str(ProblemCategory(r.category).label), r) for r in rules],
            "offline": OfflineActivity.objects.filter(
                user=person, occurred_on__year=year
            ),
        },
    )


@login_required
def my_evaluation(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _person_page(request, request.user)


@login_required
def evaluation_person(
    request: AuthenticatedHttpRequest, person_id: int
) -> HttpResponse:
    person = (
        User.objects.select_related("unit").filter(pk=person_id).first()
        if person_id < 2**31
        else None
    )
    if person is None or not can_see_person(request.user, person):
        audit_log(
            action="courses.evaluation.view",
            request=request,
            result="denied",
            details={"person": person_id},
        )
        raise Http404(_("No such person."))
    return _person_page(request, person)


# Export ---------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "单位或人员",
    "类型",
    "单位编码/警号",
    "综合得分",
    "排名",
    "参与排名数",
]


def evaluation_rows(page) -> list[list]:
    """Rows of the export (and its documented format): the unit, its children, and its
    people when scored; then one column per indicator score, in IndicatorCode order."""
    codes = list(IndicatorCode.values)
    rows = []

    def row(ev, kind: str, code: str):
        scores = {r.code: r.score for r in ev.results}
        return [
            ev.label,
            kind,
            code,
            ev.score,
            ev.rank,
            ev.peers,
            *[scores.get(c) for c in codes],
        ]

    codes_by_unit = dict(
        Unit.objects.filter(
            pk__in=[page.unit.pk, *[c.key for c in page.children]]
        ).values_list("pk", "code")
    )
    rows.append(row(page.evaluation, "单位", codes_by_unit.get(page.unit.pk, "")))
    for child in page.children:
        rows.append(row(child, "下级单位", codes_by_unit.get(child.key, "")))
    numbers = dict(
        User.objects.filter(pk__in=[p.key for p in page.people]).values_list(
            "pk", "police_number"
        )
    )
    for person in page.people:
        rows.append(row(person, "人员", numbers.get(person.key) or ""))
    return rows


@login_required
def evaluation_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    import openpyxl

    unit = unit_for(request, request.user, request.GET.get("unit"))
    year = year_param(request)
    page = unit_evaluation_page(unit=unit, year=year, with_people=True)
    audit_log(
        action="courses.evaluation.export",
        request=request,
        target=unit,
        details={"year": year, "people": len(page.people)},
    )
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("执法考评")
    sheet.append(
        EXPORT_COLUMNS + [str(IndicatorCode(c).label) for c in IndicatorCode.values]
    )
    for values in evaluation_rows(page):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in values])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-{unit.code}-{year}.xlsx"'
    )
    return response


# The scheme and frozen periods (system admin) ----------------------------------------------


def _system_admin_required(request: AuthenticatedHttpRequest) -> None:
    require(request, can_configure_evaluation)


@login_required
def evaluation_schemes(request: AuthenticatedHttpRequest) -> HttpResponse:
    _system_admin_required(request)
    year = year_param(request)
    error = ""
    if request.method == "POST":
        indicators = {}
        try:
            for code in IndicatorCode.values:
                weight = request.POST.get(f"weight_{code}", "").strip()
                target = request.POST.get(f"target_{code}", "").strip()
                if weight and Decimal(weight) > 0:
                    indicators[code] = (
                        Decimal(weight),
                        Decimal(target) if target else None,
                    )
            services.scheme_create(
                author=request.user,
                year=year,
                indicators=indicators,
                note=request.POST.get("note", ""),
                request=request,
            )
        except (InvalidOperation, ValidationError) as e:
            error = (
                "；".join(e.messages)
                if isinstance(e, ValidationError)
                else _("Weights and targets are numbers.")
            )
        else:
            messages.success(request, _("Saved; a second system admin approves it."))
            return redirect(f"{request.path}?year={year}")
    from .evaluation import scheme_in_force

    return render(
        request,
        "courses/evaluation_schemes.html",
        {
            "year": year,
            "schemes": EvaluationScheme.objects.filter(year=year)
            .prefetch_related("indicators")
            .select_related("created_by", "approved_by"),
            "in_force": scheme_in_force(year),
            "codes": IndicatorCode.choices,
            "snapshots": EvaluationSnapshot.objects.filter(
                period__startswith=str(year)
            ).select_related("frozen_by", "supersedes"),
            "error": error,
        },
    )


@login_required
@require_POST
def evaluation_scheme_approve(
    request: AuthenticatedHttpRequest, pk: int
) -> HttpResponse:
    _system_admin_required(request)
    scheme = get_object_or_404(EvaluationScheme, pk=pk, status=SchemeStatus.DRAFT)
    try:
        services.scheme_approve(approver=request.user, scheme=scheme, request=request)
    except (PermissionDenied, ValidationError) as e:
        messages.error(request, "；".join(getattr(e, "messages", [str(e)])))
    else:
        messages.success(request, _("Approved: this version is now in force."))
    return redirect(f"{reverse('courses:evaluation_schemes')}?year={scheme.year}")


@login_required
@require_POST
def evaluation_freeze(request: AuthenticatedHttpRequest) -> HttpResponse:
    _system_admin_required(request)
    period = request.POST.get("period", "").strip()[:7]
    reason = request.POST.get("reason", "").strip()
    try:
        current = EvaluationSnapshot.objects.filter(
            period=period, is_current=True
        ).first()
        if current is not None and reason:
            services.evaluation_correct(
                by=request.user, snapshot=current, reason=reason, request=request
            )
        else:
            services.evaluation_freeze(by=request.user, period=period, request=request)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, _("Frozen and signed."))
    year = period[:4] if period[:4].isdigit() else ""
    return redirect(f"{reverse('courses:evaluation_schemes')}?year={year}")
