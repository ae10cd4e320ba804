"""Pages of the enforcement problem register (执法问题台账). Every problem a page shows
comes through ``selectors.problem_queryset_visible_to``: a problem outside the reader's
scope is a 404, as if it did not exist."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from audit.services import audit_log

from . import selectors
from .models import ProblemCategory, ProblemSeverity, remediation_state
from .problem_forms import ProblemForm, ProblemImportForm
from .problem_imports import TEMPLATE_HEADERS, ProblemImportError, problems_import
from .services import articles_from_text, problem_record


def _recorder_required(request: AuthenticatedHttpRequest) -> None:
    if not selectors.can_record_problems(request.user):
        raise PermissionDenied(
            _(
                "Only legal officers, leaders and the system admin record enforcement problems."
            )
        )


@login_required
def problem_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    problems = selectors.problem_list(user=request.user, params=request.GET)
    page = Paginator(
        problems.prefetch_related("remediations__assignment"), 50
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(p, remediation_state(list(p.remediations.all()), now)) for p in page]
    return render(
        request,
        "casebank/problem_list.html",
        {
            "rows": rows,
            "page_obj": page,
            "count": page.paginator.count,
            "units": selectors.problem_units(request.user).order_by("path")[:500],
            "categories": ProblemCategory.choices,
            "severities": ProblemSeverity.choices,
            "params": request.GET,
            "can_record": selectors.can_record_problems(request.user),
        },
    )


@login_required
def problem_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = get_object_or_404(
        selectors.problem_queryset_visible_to(request.user).select_related(
            "unit", "person", "case_page", "recorded_by"
        ),
        pk=pk,
    )
    remediations = list(
        problem.remediations.select_related("assignment__item", "assignment__user")
    )
    return render(
        request,
        "casebank/problem_detail.html",
        {
            "problem": problem,
            "remediations": remediations,
            "state": remediation_state(remediations),
            "articles": problem.articles.select_related("law"),
        },
    )


@login_required
def problem_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    _recorder_required(request)
    units = selectors.problem_record_units(request.user)
    cases = selectors.case_queryset_visible_to(request.user)
    form = ProblemForm(request.POST or None, units=units, cases=cases)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = problem_record(
                recorder=request.user,
                unit=data["unit"],
                person=data["person"],
                category=data["category"],
                severity=data["severity"],
                found_on=data["found_on"],
                description=data["description"],
                articles=articles_from_text(data["articles_text"], data["found_on"]),
                articles_text=data["articles_text"],
                case_reference=data["case_reference"],
                case_page=data["case_page"],
                source=data["source"],
                campaign=data["campaign"],
                request=request,
            )
        except ValidationError as e:
            if hasattr(e, "error_dict"):
                for name, errors in e.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, e.messages)
        else:
            messages.success(request, _("The problem is recorded."))
            return redirect(problem)
    return render(request, "casebank/problem_form.html", {"form": form})


@login_required
def problem_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    _recorder_required(request)
    form = ProblemImportForm(request.POST or None, request.FILES or None)
    report = None
    file_error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = problems_import(
                recorder=request.user,
                source=upload,
                filename=upload.name,
                campaign=form.cleaned_data["campaign"],
            )
        except ProblemImportError as e:
            file_error = str(e)
        else:
            audit_log(
                action="casebank.problem.import",
                request=request,
                result="success" if report.ok else "failure",
                details={
                    "file": upload.name[:100],
                    "created": report.created,
                    "errors": len(report.errors),
                },
            )
            if report.ok:
                messages.success(
                    request,
                    _("%(count)d problems imported.") % {"count": report.created},
                )
                return redirect("casebank:problem_list")
    return render(
        request,
        "casebank/problem_import.html",
        {"form": form, "report": report, "file_error": file_error},
    )


@login_required
def problem_import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    _recorder_required(request)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "执法问题"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(
        [
            "C-A-1",
            "",
            "证据收集",
            "较重",
            timezone.localdate().isoformat(),
            "讯问笔录未记载告知犯罪嫌疑人诉讼权利",
            "刑事诉讼法第一百二十条",
            "",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="problems-template.xlsx"'
    return response


@login_required
def case_volumes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cases each unit handled in a year, entered by the people of the register."""
    from django import forms as django_forms

    from .models import CaseVolume
    from .services import case_volume_set

    units = selectors.problem_units(request.user)
    if not units.exists():
        raise PermissionDenied(_("This page is for the people who keep the register."))
    today = timezone.localdate()

    class VolumeForm(django_forms.Form):
        unit = django_forms.ModelChoiceField(
            label=_("Unit"), queryset=units.order_by("path")
        )
        year = django_forms.IntegerField(
            label=_("Year"), min_value=2000, max_value=2100, initial=today.year
        )
        cases_handled = django_forms.IntegerField(
            label=_("Cases handled"), min_value=0, max_value=10_000_000
        )

    form = VolumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case_volume_set(
            by=request.user,
            unit=data["unit"],
            year=data["year"],
            cases_handled=data["cases_handled"],
            request=request,
        )
        messages.success(request, _("Saved."))
        return redirect("casebank:case_volumes")
    return render(
        request,
        "casebank/case_volumes.html",
        {
            "form": form,
            "volumes": CaseVolume.objects.filter(unit__in=units)
            .select_related("unit")
            .order_by("-year", "unit__path")[:500],
        },
    )
