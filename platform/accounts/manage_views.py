"""People and units pages for the system admin, unit admins, leaders and the security
admin. Every page is scoped through ``accounts.selectors``: a unit outside the user's
scope is refused (403) and a person outside it is not found (404)."""

from __future__ import annotations

import csv
import secrets
import string
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_log

from .forms import ImportForm
from .imports import (
    TEMPLATE_HEADERS,
    ImportFileError,
    can_import,
    people_import,
    read_sheet,
)
from .models import SCOPED_MANAGER_ROLES, Role, Unit, User
from .selectors import (
    can_manage_people,
    can_see_person,
    directory_people,
    directory_units,
    person_list,
    sees_all_units,
)
from .services import can_manage_roles, user_set_roles

EXPORT_COLUMNS = ["单位编码", "单位名称", "警号", "姓名", "用户名", "职务", "警种", "角色", "状态"]
IMPORT_SESSION_KEY = "accounts_pending_import"


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_people(request.user):
        raise PermissionDenied


def _filters(request: HttpRequest) -> dict:
    """Parse the list filters. A unit outside the user's scope is refused, not ignored."""
    code = request.GET.get("unit", "").strip()
    unit = None
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise Http404
        if not directory_units(request.user).filter(pk=unit.pk).exists():
            raise PermissionDenied
    role = request.GET.get("role", "")
    if role and role not in Role.values:
        role = ""
    active = {"1": True, "0": False}.get(request.GET.get("active", ""))
    return {"query": request.GET.get("q", "").strip()[:50], "unit": unit, "role": role, "active": active}


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    """The units the user may see, as an indented tree with head counts."""
    _require_manager(request)
    units = list(directory_units(request.user).order_by("path"))
    counts: dict[int, int] = {}
    for unit_id in directory_people(request.user).filter(is_active=True).values_list("unit_id", flat=True):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    top = min((u.depth for u in units), default=1)
    rows = [{"unit": u, "indent": u.depth - top, "count": counts.get(u.pk, 0)} for u in units]
    return render(request, "accounts/unit_tree.html", {"rows": rows})


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    filters = _filters(request)
    people = person_list(user=request.user, **filters)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/people_list.html", {
        "page": page,
        "filters": filters,
        "units": directory_units(request.user).order_by("path"),
        "roles": Role.choices,
        "querystring": request.GET.urlencode(),
        "can_import": can_import(request.user),
    })


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in Excel (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _export_rows(people) -> list[list[str]]:
    labels = dict(Role.choices)
    rows = []
    for person in people:
        roles = "、".join(str(labels[a.role]) for a in person.role_assignments.all())
        rows.append([_safe_cell(v) for v in (
            person.unit.code if person.unit else "", person.unit.name if person.unit else "",
            person.police_number or "", person.full_name, person.username, person.position,
            person.police_type, roles, "在职" if person.is_active else "停用",
        )])
    return rows


@login_required
def people_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM, which Excel opens) or .xlsx; audited."""
    _require_manager(request)
    filters = _filters(request)
    people = person_list(user=request.user, **filters)
    rows = _export_rows(people)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    audit_log(action="accounts.people_export", request=request, target_type="accounts.user",
              details={"format": fmt, "count": len(rows), "unit": filters["unit"].code if filters["unit"] else None,
                       "role": filters["role"], "query": filters["query"]})
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="people-{stamp}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(rows)
        return response
    import io

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append(EXPORT_COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.xlsx"'
    return response


def _visible_person(request: HttpRequest, pk: int) -> User:
    person = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    if not directory_people(request.user).filter(pk=person.pk).exists():
        raise Http404
    return person


def _can_reset_password(actor: User, person: User) -> bool:
    return actor.pk != person.pk and (
        sees_all_units(actor) or (actor.has_role(Role.UNIT_ADMIN) and can_see_person(actor, person))
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    person = _visible_person(request, pk)
    assignments = list(person.role_assignments.select_related("scope_unit"))
    held = {a.role for a in assignments}
    scope = next((a.scope_unit for a in assignments if a.role in SCOPED_MANAGER_ROLES and a.scope_unit), None)
    return render(request, "accounts/person_detail.html", {
        "person": person,
        "assignments": assignments,
        "ancestors": person.unit.get_ancestors() if person.unit else [],
        "can_edit_roles": can_manage_roles(request.user) and request.user.pk != person.pk,
        "can_reset_password": _can_reset_password(request.user, person),
        "role_choices": [(code, label, code in held) for code, label in Role.choices],
        "scope_units": Unit.objects.order_by("path"),
        "scope": scope,
        "has_device": TOTPDevice.objects.filter(user=person).exists(),
        "temporary_password": request.session.pop(f"tmp_password_{person.pk}", None),
    })


@require_POST
@login_required
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """The security admin sets a person's roles."""
    if not can_manage_roles(request.user):
        raise PermissionDenied
    person = _visible_person(request, pk)
    scope = None
    if code := request.POST.get("scope_unit"):
        scope = get_object_or_404(Unit, code=code)
    try:
        user_set_roles(actor=request.user, user=person, roles=request.POST.getlist("roles"), scope_unit=scope)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Roles saved."))
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """The security admin removes a person's authenticator (lost phone)."""
    if not can_manage_roles(request.user):
        raise PermissionDenied
    person = _visible_person(request, pk)
    deleted, _details = TOTPDevice.objects.filter(user=person).delete()
    audit_log(action="accounts.two_factor_reset", request=request, target=person, details={"devices": deleted})
    messages.success(request, _("The authenticator was removed; the person sets up a new one at next sign-in."))
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable or re-enable an account (system admin, or unit admin in scope); audited.
    A disabled account cannot sign in and its API tokens stop working."""
    person = _visible_person(request, pk)
    if not _can_reset_password(request.user, person):
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    if person.is_active != active:
        User.objects.filter(pk=person.pk).update(is_active=active)
        audit_log(action="accounts.enable" if active else "accounts.disable", request=request, target=person)
    return redirect("accounts:person_detail", pk=person.pk)


def _temporary_password() -> str:
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{core[:5]}-{core[5:]}{secrets.choice('@#%&')}{secrets.randbelow(10)}"


@require_POST
@login_required
def person_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a random temporary password, shown once to the admin; audited."""
    person = _visible_person(request, pk)
    if not _can_reset_password(request.user, person):
        raise PermissionDenied
    password = _temporary_password()
    person.set_password(password)
    person.save(update_fields=["password"])
    audit_log(action="accounts.password_reset", request=request, target=person)
    request.session[f"tmp_password_{person.pk}"] = password
    return redirect("accounts:person_detail", pk=person.pk)


@login_required
def import_people(request: HttpRequest) -> HttpResponse:
    """Upload a sheet → check every row → apply the checked file (one transaction)."""
    if not can_import(request.user):
        raise PermissionDenied
    context: dict = {"form": ImportForm(), "headers": TEMPLATE_HEADERS}
    pending = request.session.get(IMPORT_SESSION_KEY)
    if request.method == "POST" and request.POST.get("action") == "apply" and pending:
        # Apply exactly the file that was checked (kept in shared storage, not in memory).
        name, original = pending["path"], pending["name"]
        try:
            with default_storage.open(name, "rb") as handle:
                rows = read_sheet(handle, original)
        except (ImportFileError, OSError) as e:
            messages.error(request, str(e))
            return redirect("accounts:import_people")
        report = people_import(actor=request.user, rows=rows, apply=True, request=request, source_name=original)
        default_storage.delete(name)
        request.session.pop(IMPORT_SESSION_KEY, None)
        context.update(report=report, filename=original)
        return render(request, "accounts/import.html", context)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                from io import BytesIO

                rows = read_sheet(BytesIO(data), upload.name)
            except ImportFileError as e:
                form.add_error("file", str(e))
                return render(request, "accounts/import.html", context)
            report = people_import(actor=request.user, rows=rows, apply=False, request=request, source_name=upload.name)
            context.update(report=report, filename=upload.name)
            if report.ok:
                suffix = Path(upload.name).suffix.lower()
                name = default_storage.save(f"imports/{uuid.uuid4().hex}{suffix}", ContentFile(data))
                request.session[IMPORT_SESSION_KEY] = {"path": name, "name": upload.name}
                context["can_apply"] = True
    return render(request, "accounts/import.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty sheet with the expected headers and one example row."""
    if not can_import(request.user):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people-template.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(["37010101", "东城分局解放路派出所", "370101", "派出所", "218888", "张某某", "社区民警", "治安", "民警", "", ""])
    return response
