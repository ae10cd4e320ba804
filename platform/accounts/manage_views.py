"""People and units pages for the system admin, unit admins, leaders and the security
admin. Every page is scoped through ``accounts.selectors``: a unit outside the user's
scope is refused (403) and a person outside it is not found (404)."""

from __future__ import annotations

import csv
from io import BytesIO
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_log
from core.params import id_param
from core.sealed import SealExpired, seal_json, unseal_json

from . import permissions
from .forms import ImportForm
from .http import AuthenticatedHttpRequest
from .imports import (
    CREDENTIALS_COLUMNS,
    TEMPLATE_HEADERS,
    ImportFileError,
    can_import,
    credential_rows,
    people_import,
    read_sheet,
    safe_cell,
)
from .models import SCOPED_MANAGER_ROLES, PoliceType, Post, Role, Unit, User
from .permissions import require
from .selectors import (
    directory_people,
    directory_units,
    person_list,
    sees_all_units,
)
from .services import (
    can_manage_roles,
    can_move_unit,
    can_reset_password,
    pending_import_read,
    pending_import_save,
    secrets_ttl_seconds,
    unit_admin_roots,
    unit_move,
    unit_move_targets,
    unit_path_display,
    user_reset_password,
    user_set_roles,
)

EXPORT_COLUMNS = [
    "单位编码",
    "单位名称",
    "警号",
    "姓名",
    "用户名",
    "职务",
    "警种",
    "角色",
    "状态",
]
NO_OWN_AUTHENTICATOR_RESET = _lazy(
    "Nobody resets their own authenticator; ask another security admin."
)
IMPORT_SESSION_KEY = "accounts_pending_import"
# The temporary passwords of the last applied import, until the admin downloads them once.
CREDENTIALS_SESSION_KEY = "accounts_import_credentials"


IMPORT_CHECK_EXPIRED = gettext_noop(
    "The checked sheet expired before it was applied. Upload it again to check it."
)


def _unsealed(token):
    """The value sealed in the session, or None when absent or expired."""
    if token is None:
        return None
    try:
        return unseal_json(token, max_age=secrets_ttl_seconds())
    except SealExpired:
        return None


def _require_manager(request: AuthenticatedHttpRequest) -> None:
    require(request, permissions.can_manage_people)


def _filters(request: AuthenticatedHttpRequest) -> dict:
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
    return {
        "query": request.GET.get("q", "").strip()[:50],
        "unit": unit,
        "role": role,
        "active": active,
    }


@login_required
def unit_tree(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The units the user may see, as an indented tree with head counts."""
    _require_manager(request)
    units = list(directory_units(request.user).order_by("path"))
    counts: dict[int, int] = {}
    for unit_id in (
        directory_people(request.user)
        .filter(is_active=True)
        .values_list("unit_id", flat=True)
    ):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    top = min((u.depth for u in units), default=1)
    everywhere = sees_all_units(request.user)
    roots = [] if everywhere else unit_admin_roots(request.user)

    def movable(unit: Unit) -> bool:
        # The same rule as services.can_move_unit, without a query per row.
        return everywhere or any(
            unit.path.startswith(r.path) and unit.pk != r.pk for r in roots
        )

    rows = [
        {
            "unit": u,
            "indent": u.depth - top,
            "count": counts.get(u.pk, 0),
            "movable": movable(u),
        }
        for u in units
    ]
    return render(request, "accounts/unit_tree.html", {"rows": rows})


TOP_LEVEL = "__top__"


@login_required
def unit_move_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a unit (with its sub-units and people) under another parent. The system admin
    anywhere; a unit admin inside their own subtree. Audited with the old and new path."""
    _require_manager(request)
    unit = get_object_or_404(Unit, pk=pk)
    if not directory_units(request.user).filter(pk=unit.pk).exists():
        raise Http404
    targets = list(unit_move_targets(actor=request.user, unit=unit))
    parent = unit.get_parent()
    if not can_move_unit(request.user, unit, parent):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        choice = request.POST.get("parent", "")
        new_parent = None
        if choice != TOP_LEVEL:
            # Bounded: a number past a database integer would be an error, not "no such unit".
            new_parent = Unit.objects.filter(pk=id_param(choice) or 0).first()
            if new_parent is None:
                error = _("Choose the new parent unit.")
        if not error:
            try:
                moved = unit_move(
                    actor=request.user,
                    unit=unit,
                    new_parent=new_parent,
                    request=request,
                )
            except ValidationError as e:
                error = " ".join(e.messages)
            else:
                messages.success(
                    request,
                    _("%(unit)s was moved: %(path)s")
                    % {"unit": moved.name, "path": unit_path_display(moved)},
                )
                return redirect("accounts:unit_tree")
    return render(
        request,
        "accounts/unit_move.html",
        {
            "unit": unit,
            "parent": parent,
            "path": unit_path_display(unit),
            "targets": targets,
            "top_level": TOP_LEVEL
            if sees_all_units(request.user) and parent is not None
            else "",
            "subtree_count": unit.subtree().count() - 1,
            "people_count": User.objects.filter(
                unit__path__startswith=unit.path
            ).count(),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def people_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_manager(request)
    filters = _filters(request)
    people = person_list(user=request.user, **filters)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people_list.html",
        {
            "page": page,
            "filters": filters,
            "units": directory_units(request.user).order_by("path"),
            "roles": Role.choices,
            "querystring": request.GET.urlencode(),
            "can_import": can_import(request.user),
        },
    )


def _export_rows(people) -> list[list[str]]:
    labels = dict(Role.choices)
    rows = []
    for person in people:
        roles = "、".join(str(labels[a.role]) for a in person.role_assignments.all())
        rows.append(
            [
                safe_cell(v)
                for v in (
                    person.unit.code if person.unit else "",
                    person.unit.name if person.unit else "",
                    person.police_number or "",
                    person.full_name,
                    person.username,
                    person.position,
                    str(person.police_type or person.police_type_text or ""),
                    roles,
                    "在职" if person.is_active else "停用",
                )
            ]
        )
    return rows


@login_required
def people_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM, which Excel opens) or .xlsx; audited."""
    require(request, permissions.can_export_people)
    filters = _filters(request)
    people = person_list(user=request.user, **filters)
    rows = _export_rows(people)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    audit_log(
        action="accounts.people_export",
        request=request,
        target_type="accounts.user",
        details={
            "format": fmt,
            "count": len(rows),
            "unit": filters["unit"].code if filters["unit"] else None,
            "role": filters["role"],
            "query": filters["query"],
        },
    )
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
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.xlsx"'
    return response


def _visible_person(request: AuthenticatedHttpRequest, pk: int) -> User:
    person = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    if not directory_people(request.user).filter(pk=person.pk).exists():
        raise Http404
    return person


def _can_set_active(actor: User, person: User) -> bool:
    return permissions.can_set_active(actor, person)


@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    person = _visible_person(request, pk)
    assignments = list(person.role_assignments.select_related("scope_unit"))
    held = {a.role for a in assignments}
    scope = next(
        (
            a.scope_unit
            for a in assignments
            if a.role in SCOPED_MANAGER_ROLES and a.scope_unit
        ),
        None,
    )
    temporary_password = _unsealed(
        request.session.pop(f"tmp_password_{person.pk}", None)
    )
    response = render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "assignments": assignments,
            "ancestors": person.unit.get_ancestors() if person.unit else [],
            "can_edit_roles": can_manage_roles(request.user)
            and request.user.pk != person.pk,
            "can_reset_password": can_reset_password(request.user, person),
            "can_set_post": permissions.can_set_post(request.user, person),
            "posts": Post.objects.filter(is_active=True),
            "police_types": PoliceType.objects.filter(is_active=True),
            "can_set_active": _can_set_active(request.user, person),
            "role_choices": [
                (code, label, code in held) for code, label in Role.choices
            ],
            "scope_units": Unit.objects.order_by("path"),
            "scope": scope,
            "has_device": TOTPDevice.objects.filter(user=person).exists(),
            "can_unlock": permissions.can_unlock_account(request.user, person),
            "temporary_password": temporary_password,
            "temporary_expired": person.temporary_password_expired(),
        },
    )
    if temporary_password:
        add_never_cache_headers(
            response
        )  # a working password: not for the browser cache
    return response


@require_POST
@login_required
def person_roles(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The security admin sets a person's roles."""
    require(request, permissions.can_manage_roles)
    person = _visible_person(request, pk)
    scope = None
    if code := request.POST.get("scope_unit"):
        scope = get_object_or_404(Unit, code=code)
    try:
        user_set_roles(
            actor=request.user,
            user=person,
            roles=request.POST.getlist("roles"),
            scope_unit=scope,
        )
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Roles saved."))
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_reset_two_factor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The security admin removes a person's authenticator (lost phone); nobody their own."""
    require(request, permissions.can_manage_roles)
    person = _visible_person(request, pk)
    if not permissions.can_reset_two_factor(request.user, person):
        raise PermissionDenied(NO_OWN_AUTHENTICATOR_RESET)
    deleted, _details = TOTPDevice.objects.filter(user=person).delete()
    audit_log(
        action="accounts.two_factor_reset",
        request=request,
        target=person,
        details={"devices": deleted},
    )
    messages.success(
        request,
        _(
            "The authenticator was removed; the person sets up a new one at next sign-in."
        ),
    )
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The security admin lifts a sign-in lockout of a person (by username and police
    number); never their own. Audited as ``accounts.unlock``."""
    from .lockout import unlock

    require(request, permissions.can_manage_roles)
    person = _visible_person(request, pk)
    require(request, permissions.can_unlock_account, person)
    for identifier in filter(None, (person.username, person.police_number)):
        unlock(identifier=identifier)
    audit_log(action="accounts.unlock", request=request, target=person)
    messages.success(request, _("The sign-in lockout was lifted."))
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_set_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Disable or re-enable an account (system admin, or unit admin in scope); audited.
    A disabled account cannot sign in and its API tokens stop working."""
    person = _visible_person(request, pk)
    require(request, permissions.can_set_active, person, not_found=False)
    active = request.POST.get("active") == "1"
    if person.is_active != active:
        User.objects.filter(pk=person.pk).update(is_active=active)
        audit_log(
            action="accounts.enable" if active else "accounts.disable",
            request=request,
            target=person,
        )
        if not active:
            from .authentication import api_tokens_revoke

            api_tokens_revoke(user=person, reason="disabled", request=request)
    return redirect("accounts:person_detail", pk=person.pk)


@require_POST
@login_required
def person_reset_password(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set a random temporary password, shown once to the admin; the person must replace
    it at their next sign-in, before it expires. Audited."""
    person = _visible_person(request, pk)
    require(request, permissions.can_reset_password, person)
    password = user_reset_password(actor=request.user, user=person, request=request)
    # Sealed and expiring: the session table never holds it in clear (core.sealed).
    request.session[f"tmp_password_{person.pk}"] = seal_json(password)
    return redirect("accounts:person_detail", pk=person.pk)


@login_required
def import_people(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a sheet → check every row → apply the checked file (one transaction)."""
    require(request, permissions.can_import_people)
    context: dict = {"form": ImportForm(), "headers": TEMPLATE_HEADERS}
    pending = request.session.get(IMPORT_SESSION_KEY)
    if request.method == "POST" and request.POST.get("action") == "apply" and pending:
        # Apply exactly the file that was checked (kept in shared storage, not in memory).
        name, original = pending["path"], pending["name"]
        try:
            rows = read_sheet(BytesIO(pending_import_read(name)), original)
        except SealExpired:
            request.session.pop(IMPORT_SESSION_KEY, None)
            messages.error(request, _(IMPORT_CHECK_EXPIRED))
            return redirect("accounts:import_people")
        except (ImportFileError, OSError) as e:
            messages.error(request, str(e))
            return redirect("accounts:import_people")
        report = people_import(
            actor=request.user,
            rows=rows,
            apply=True,
            request=request,
            source_name=original,
        )
        default_storage.delete(name)
        request.session.pop(IMPORT_SESSION_KEY, None)
        if report.credentials:
            request.session[CREDENTIALS_SESSION_KEY] = seal_json(
                credential_rows(report.credentials)
            )
        context.update(report=report, filename=original)
        response = render(request, "accounts/import.html", context)
        add_never_cache_headers(response)  # it may list working passwords
        return response
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                rows = read_sheet(BytesIO(data), upload.name)
            except ImportFileError as e:
                form.add_error("file", str(e))
                return render(request, "accounts/import.html", context)
            report = people_import(
                actor=request.user,
                rows=rows,
                apply=False,
                request=request,
                source_name=upload.name,
            )
            context.update(report=report, filename=upload.name)
            if report.ok:
                if pending:  # a sheet checked earlier and not applied is dropped
                    default_storage.delete(pending["path"])
                name = pending_import_save(
                    data, suffix=Path(upload.name).suffix.lower()
                )
                request.session[IMPORT_SESSION_KEY] = {
                    "path": name,
                    "name": upload.name,
                }
                context["can_apply"] = True
    return render(request, "accounts/import.html", context)


@login_required
def import_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The temporary passwords of the admin's last applied import as CSV, once: the copy
    kept in the session is dropped as it is sent. Audited."""
    require(request, permissions.can_import_people)
    rows = _unsealed(request.session.pop(CREDENTIALS_SESSION_KEY, None))
    if not rows:
        messages.error(
            request,
            _("The temporary passwords were already downloaded or there are none."),
        )
        return redirect("accounts:import_people")
    audit_log(
        action="accounts.import_credentials_download",
        request=request,
        target_type="accounts.user",
        details={"count": len(rows), "police_numbers": [row[2] for row in rows[:500]]},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="temporary-passwords-{stamp}.csv"'
    )
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CREDENTIALS_COLUMNS)
    writer.writerows(rows)
    return response


@login_required
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An empty sheet with the expected headers and one example row."""
    require(request, permissions.can_import_people)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="people-template.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(
        [
            "37010101",
            "东城分局解放路派出所",
            "370101",
            "派出所",
            "218888",
            "张某某",
            "社区民警",
            "治安",
            "民警",
            "",
            "",
        ]
    )
    return response
