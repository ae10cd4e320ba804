"""Import units and people from an HR sheet (.xlsx or .csv), as HR departments keep them.

One row per person (or per unit, when the person columns are empty), with Chinese
headers: 单位编码, 单位名称, 上级单位编码, 单位类型, 警号, 姓名, 职务, 警种, 角色, 用户名, 手机.
``people_import`` checks every row first and reports each bad one with its row number
and reason; it writes only when asked to and only when no row is bad, in one
transaction, so nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy

from audit.services import audit_log
from core.bulk import bulk_operation

from .models import (
    SEPARATED_SYSTEM_ROLES,
    PoliceType,
    Post,
    Role,
    Unit,
    UnitKind,
    User,
)
from .selectors import (
    can_see_person,
    sees_all_units,
    visible_units,
    vocabulary_term,
)
from .services import roles_replace, temporary_password_set

# Header → field. The first name of each is what the template sheet uses.
HEADERS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位编码", "单位代码", "机构代码", "unit_code"),
    "unit_name": ("单位名称", "机构名称", "unit_name"),
    "parent_code": ("上级单位编码", "上级单位代码", "上级机构代码", "parent_code"),
    "unit_kind": ("单位类型", "unit_kind"),
    "police_number": ("警号", "police_number"),
    "full_name": ("姓名", "full_name"),
    "position": ("职务", "position"),
    "police_type": ("警种", "police_type"),
    "roles": ("角色", "roles"),
    "username": ("用户名", "账号", "username"),
    "phone": ("手机", "手机号", "联系电话", "phone"),
}
TEMPLATE_HEADERS = [names[0] for names in HEADERS.values()]

ROLE_NAMES: dict[str, str] = {
    "民警": Role.OFFICER,
    "法制员": Role.LEGAL_OFFICER,
    "领导": Role.LEADER,
    "教官": Role.TRAINER,
    "单位管理员": Role.UNIT_ADMIN,
    "系统管理员": Role.SYSTEM_ADMIN,
    "安全管理员": Role.SECURITY_ADMIN,
    "安全审计员": Role.AUDIT_ADMIN,
    "审计管理员": Role.AUDIT_ADMIN,
    **{code: code for code in Role.values},
}
KIND_NAMES: dict[str, str] = {
    "市局": UnitKind.CITY_BUREAU,
    "分局": UnitKind.BRANCH,
    "支队": UnitKind.DETACHMENT,
    "派出所": UnitKind.STATION,
    "大队": UnitKind.BRIGADE,
    "处室": UnitKind.DEPARTMENT,
    "部门": UnitKind.DEPARTMENT,
    "其他": UnitKind.OTHER,
    **{code: code for code in UnitKind.values},
}
# 三员分立: roles are the security admin's (on the person's page, audited). An import only
# gives a new person the officer role; the roles column may say 民警 or be left empty, and
# never changes the roles of anybody who exists.
IMPORT_ROLES = frozenset({Role.OFFICER})
POLICE_NUMBER_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")
ROLE_SPLIT_RE = re.compile(r"[、,，;；/\s]+")

# Error texts (row-level ones are prefixed with 第N行 by RowError).
MISSING_COLUMNS = gettext_lazy("The sheet lacks the column(s): %(columns)s")
UNREADABLE_FILE = gettext_lazy(
    "The file could not be read as .xlsx or .csv: %(reason)s"
)
UNSUPPORTED_TYPE = gettext_lazy("Only .xlsx and .csv files can be imported.")
EMPTY_FILE = gettext_lazy("The sheet has no data rows.")
NOT_ALLOWED = gettext_lazy("Only the system admin and unit admins may import people.")
E_POLICE_NUMBER_MISSING = gettext_lazy("police number (警号) is missing")
E_POLICE_NUMBER_FORMAT = gettext_lazy(
    "police number %(value)s is not 4–20 letters or digits"
)
E_POLICE_NUMBER_DUPLICATE = gettext_lazy(
    "duplicate police number %(value)s (same as row %(other)d)"
)
E_NAME_MISSING = gettext_lazy("name (姓名) is missing")
E_UNIT_MISSING = gettext_lazy("unit code (单位编码) is missing")
E_UNIT_UNKNOWN = gettext_lazy("unit code %(value)s does not exist")
E_UNIT_OUT_OF_SCOPE = gettext_lazy("unit %(value)s is outside the units you manage")
E_UNIT_NEEDS_NAME = gettext_lazy("new unit %(value)s needs a unit name (单位名称)")
E_UNIT_CONFLICT = gettext_lazy(
    "unit %(value)s is described differently in row %(other)d"
)
E_UNIT_CREATE_DENIED = gettext_lazy(
    "only the system admin may create or rename units (%(value)s)"
)
E_PARENT_UNKNOWN = gettext_lazy("parent unit code %(value)s does not exist")
E_PARENT_CHANGE = gettext_lazy(
    "moving unit %(value)s to another parent is not supported by the import"
)
E_PARENT_CYCLE = gettext_lazy("unit %(value)s lies below itself")
E_KIND_UNKNOWN = gettext_lazy("unknown unit type %(value)s")
E_ROLE_UNKNOWN = gettext_lazy("unknown role %(value)s")
E_ROLE_SYSTEM = gettext_lazy(
    "system roles (system, security, audit admin) cannot be given by import"
)
E_ROLE_DENIED = gettext_lazy("you may not give the role %(value)s")
E_ROLE_NOT_BY_IMPORT = gettext_lazy(
    "the role %(value)s is given by the security admin on the person's page, not by import"
)
E_PERSON_OUT_OF_SCOPE = gettext_lazy(
    "police number %(value)s belongs to a person outside the units you manage"
)
E_USERNAME_TAKEN = gettext_lazy("username %(value)s is already taken")
E_USERNAME_IS_POLICE_NUMBER = gettext_lazy(
    "username %(value)s is another person's police number"
)
E_USERNAME_DUPLICATE = gettext_lazy(
    "duplicate username %(value)s (same as row %(other)d)"
)
E_TOO_LONG = gettext_lazy("%(column)s is longer than %(max)d characters")
ROW_ERROR = gettext_lazy("Row %(row)d: %(message)s")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong type, unreadable, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return str(ROW_ERROR) % {"row": self.row, "message": self.message}


CREDENTIALS_COLUMNS = [
    "单位编码",
    "单位名称",
    "警号",
    "姓名",
    "用户名",
    "临时密码",
    "有效期至",
]


def safe_cell(value: str) -> str:
    """Return ``value`` safe for a spreadsheet cell.

    A cell starting with = + - @ would run as a formula in Excel (CSV injection).
    """
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


@dataclass(frozen=True)
class Credential:
    """A temporary password given by an applied import, for distribution (shown once)."""

    unit_code: str
    unit_name: str
    police_number: str
    full_name: str
    username: str
    password: str = field(repr=False)
    expires_at: Any = None


def credential_rows(credentials: Iterable[Credential]) -> list[list[str]]:
    """Return temporary passwords as sheet rows (``CREDENTIALS_COLUMNS``), local time."""
    from django.utils import timezone

    return [
        [
            safe_cell(v)
            for v in (
                c.unit_code,
                c.unit_name,
                c.police_number,
                c.full_name,
                c.username,
                c.password,
                timezone.localtime(c.expires_at).strftime("%Y-%m-%d %H:%M"),
            )
        ]
        for c in credentials
    ]


@dataclass
class ImportReport:
    """What an import would do (dry run) or did (``applied``), and every bad row."""

    rows: int = 0
    units_created: list[str] = field(default_factory=list)
    units_renamed: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)
    people_updated: list[str] = field(default_factory=list)
    # People who get a temporary password: the new ones, and those who have none usable.
    passwords_issued: list[str] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list, repr=False)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "units_created": len(self.units_created),
            "units_renamed": len(self.units_renamed),
            "people_created": len(self.people_created),
            "people_updated": len(self.people_updated),
            "passwords_issued": len(self.passwords_issued),
            "errors": len(self.errors),
            "applied": self.applied,
        }


# Reading -----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 警号 typed as numbers as floats
    return str(value).strip()


def _decode(raw: bytes) -> str:
    # HR sheets saved by Excel on Chinese Windows are often GB18030 (GBK), not UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(UNREADABLE_FILE % {"reason": "encoding"})


def read_sheet(
    source: str | Path | IO[bytes], filename: str = ""
) -> list[tuple[int, dict[str, str]]]:
    """Return ``(row number, {field: text})`` for each non-empty data row.

    Row numbers are the spreadsheet's own (the header is row 1). Raises ImportFileError
    for an unsupported or unreadable file and for missing required columns.
    """
    name = (filename or str(getattr(source, "name", source))).lower()
    raw = (
        Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    )
    if name.endswith(".xlsx"):
        table = _xlsx_rows(raw)
    elif name.endswith(".csv"):
        table = list(csv.reader(io.StringIO(_decode(raw))))
    else:
        raise ImportFileError(UNSUPPORTED_TYPE)
    if not table:
        raise ImportFileError(EMPTY_FILE)
    lookup = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    columns = {i: lookup.get(_cell(h).replace(" ", "")) for i, h in enumerate(table[0])}
    present = set(columns.values())
    missing = [
        HEADERS[key][0] for key in ("unit_code", "police_number") if key not in present
    ]
    if "full_name" not in present and "unit_name" not in present:
        missing.append(HEADERS["full_name"][0])
    if missing:
        raise ImportFileError(MISSING_COLUMNS % {"columns": "、".join(missing)})
    rows = []
    for number, values in enumerate(table[1:], start=2):
        record = dict.fromkeys(HEADERS, "")
        for i, value in enumerate(values):
            if (key := columns.get(i)) is not None:
                record[key] = _cell(value)
        if any(record.values()):
            rows.append((number, record))
    return rows


def _xlsx_rows(raw: bytes) -> list[list[Any]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(raw), read_only=True, data_only=True
        )
    except (BadZipFile, KeyError, OSError, ValueError) as e:
        raise ImportFileError(UNREADABLE_FILE % {"reason": type(e).__name__}) from e
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


# Checking and applying -----------------------------------------------------------------


@dataclass
class _UnitPlan:
    code: str
    name: str
    parent_code: str
    kind: str
    row: int


@dataclass
class _PersonPlan:
    row: int
    police_number: str
    full_name: str
    unit_code: str
    username: str
    position: str
    police_type: str
    phone: str
    roles: set[str] | None
    existing: User | None


def _guess_kind(name: str) -> str:
    for suffix, kind in (
        ("派出所", UnitKind.STATION),
        ("分局", UnitKind.BRANCH),
        ("支队", UnitKind.DETACHMENT),
        ("大队", UnitKind.BRIGADE),
        ("公安局", UnitKind.CITY_BUREAU),
    ):
        if name.endswith(suffix):
            return kind
    return UnitKind.OTHER


def can_import(user: User) -> bool:
    """Return True for the system admin and unit admins."""
    return bool(
        user.is_authenticated
        and (sees_all_units(user) or user.has_role(Role.UNIT_ADMIN))
    )


def people_import(
    *,
    actor: User,
    rows: list[tuple[int, dict[str, str]]],
    apply: bool = False,
    request: Any = None,
    source_name: str = "",
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> ImportReport:
    """Check ``rows`` (from ``read_sheet``) and, when ``apply`` and all are good, write them.

    Every bad row is reported (``report.errors``); with any error nothing is written.
    The system admin may create and rename units and import anywhere; a unit admin may
    import people into their own units only. Raises PermissionDenied for anyone else.
    """
    if not can_import(actor):
        raise PermissionDenied(NOT_ALLOWED)
    report = ImportReport(rows=len(rows))
    all_units = {u.code: u for u in Unit.objects.all()}
    in_scope = set(visible_units(actor).values_list("code", flat=True))
    is_system = sees_all_units(actor)
    unit_plans = _check_units(rows, all_units, is_system, report)
    people = _check_people(
        rows, all_units, unit_plans, in_scope, is_system, actor, report, progress
    )
    # The plan is the same for a dry run and an applied import.
    report.units_created = [code for code in unit_plans if code not in all_units]
    report.units_renamed = [code for code in unit_plans if code in all_units]
    report.people_created = [p.police_number for p in people if p.existing is None]
    report.people_updated = [p.police_number for p in people if p.existing is not None]
    report.passwords_issued = [
        p.police_number
        for p in people
        if p.existing is None or not p.existing.has_usable_password()
    ]
    if report.errors or not apply:
        report.errors.sort(key=lambda e: e.row)
        audit_log(
            action="accounts.import" if apply else "accounts.import_check",
            actor=actor,
            request=request,
            target_type="accounts.user",
            target_repr=source_name[:255],
            result="success" if report.ok else "failure",
            details={
                **report.summary(),
                "first_errors": [str(e) for e in report.errors[:20]],
            },
        )
        return report
    # Per-row side effects wait until every person is written (core.bulk).
    with transaction.atomic(), bulk_operation("import_people"):
        _apply(unit_plans, people, all_units, report)
        report.applied = True
        audit_log(
            action="accounts.import",
            actor=actor,
            request=request,
            target_type="accounts.user",
            target_repr=source_name[:255],
            details={
                **report.summary(),
                "units_created_codes": report.units_created[:200],
                "people_created_numbers": report.people_created[:500],
                "people_updated_numbers": report.people_updated[:500],
                "passwords_issued_numbers": report.passwords_issued[:500],
            },
        )
    return report


def _too_long(row: int, record: dict[str, str], report: ImportReport) -> bool:
    limits = {
        "unit_code": 32,
        "unit_name": 100,
        "police_number": 20,
        "full_name": 50,
        "position": 50,
        "police_type": 30,
        "username": 150,
        "phone": 20,
    }
    bad = False
    for key, limit in limits.items():
        if len(record[key]) > limit:
            report.errors.append(
                RowError(
                    row, str(E_TOO_LONG % {"column": HEADERS[key][0], "max": limit})
                )
            )
            bad = True
    return bad


def _check_units(
    rows, all_units: dict[str, Unit], is_system: bool, report: ImportReport
) -> dict[str, _UnitPlan]:
    """Collect units the sheet creates or renames; report conflicts."""
    plans: dict[str, _UnitPlan] = {}
    for row, r in rows:
        code, name = r["unit_code"], r["unit_name"]
        if not code or _too_long(row, r, report):
            continue
        existing = all_units.get(code)
        if existing is not None and (not name or name == existing.name):
            continue
        if existing is None and not name:
            continue  # reported as an unknown unit by the person check
        if not is_system:
            report.errors.append(
                RowError(row, str(E_UNIT_CREATE_DENIED % {"value": code}))
            )
            continue
        kind = r["unit_kind"]
        if kind and kind not in KIND_NAMES:
            report.errors.append(RowError(row, str(E_KIND_UNKNOWN % {"value": kind})))
            continue
        plan = _UnitPlan(
            code, name, r["parent_code"], KIND_NAMES.get(kind) or _guess_kind(name), row
        )
        if (earlier := plans.get(code)) is not None:
            if (earlier.name, earlier.parent_code) != (plan.name, plan.parent_code):
                report.errors.append(
                    RowError(
                        row,
                        str(E_UNIT_CONFLICT % {"value": code, "other": earlier.row}),
                    )
                )
            continue
        plans[code] = plan
    for code, plan in plans.items():
        existing = all_units.get(code)
        if existing is not None:
            parent = existing.get_parent()
            if plan.parent_code and (parent is None or parent.code != plan.parent_code):
                report.errors.append(
                    RowError(plan.row, str(E_PARENT_CHANGE % {"value": code}))
                )
            continue
        if (
            plan.parent_code
            and plan.parent_code not in all_units
            and plan.parent_code not in plans
        ):
            report.errors.append(
                RowError(plan.row, str(E_PARENT_UNKNOWN % {"value": plan.parent_code}))
            )
            continue
        # Walk up through the sheet's own new units: a cycle never reaches an existing unit.
        seen, cursor = {code}, plan.parent_code
        while cursor in plans and cursor not in all_units:
            if cursor in seen:
                report.errors.append(
                    RowError(plan.row, str(E_PARENT_CYCLE % {"value": code}))
                )
                break
            seen.add(cursor)
            cursor = plans[cursor].parent_code
    return plans


def _parse_roles(
    row: int, text: str, is_system: bool, report: ImportReport
) -> set[str] | None:
    if not text:
        return None
    roles: set[str] = set()
    ok = True
    for token in filter(None, ROLE_SPLIT_RE.split(text)):
        role = ROLE_NAMES.get(token)
        if role is None:
            report.errors.append(RowError(row, str(E_ROLE_UNKNOWN % {"value": token})))
            ok = False
        elif role in SEPARATED_SYSTEM_ROLES:
            report.errors.append(RowError(row, str(E_ROLE_SYSTEM)))
            ok = False
        elif role not in IMPORT_ROLES:
            report.errors.append(
                RowError(row, str(E_ROLE_NOT_BY_IMPORT % {"value": token}))
            )
            ok = False
        else:
            roles.add(str(role))
    return roles if ok else None


def _check_people(
    rows,
    all_units,
    unit_plans,
    in_scope: set[str],
    is_system: bool,
    actor: User,
    report: ImportReport,
    progress,
) -> list[_PersonPlan]:
    person_rows = [(row, r) for row, r in rows if r["police_number"] or r["full_name"]]
    numbers = [r["police_number"] for _, r in person_rows if r["police_number"]]
    existing_by_number = {
        u.police_number: u
        for u in User.objects.filter(police_number__in=numbers).select_related("unit")
    }
    wanted_usernames = [r["username"] or r["police_number"] for _, r in person_rows]
    lowered = [n.lower() for n in wanted_usernames if n]
    # Sign-in accepts a username or a police number, case-insensitively: a username may
    # not differ from another only by case, nor equal another person's police number.
    taken = {
        u.username.lower(): u
        for u in User.objects.annotate(name_lower=Lower("username")).filter(
            name_lower__in=lowered
        )
    }
    numbers_taken = {
        (u.police_number or "").lower(): u
        for u in User.objects.annotate(number_lower=Lower("police_number")).filter(
            number_lower__in=lowered
        )
    }
    sheet_numbers = {
        r["police_number"].lower(): row for row, r in person_rows if r["police_number"]
    }
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    plans: list[_PersonPlan] = []
    iterator: Iterable[Any] = progress(person_rows) if progress else person_rows
    for row, r in iterator:
        errors_before = len(report.errors)
        if _too_long(row, r, report):
            continue
        number, name, code = r["police_number"], r["full_name"], r["unit_code"]
        # A username derived from a repeated 警号 repeats too; one reason is enough.
        check_username = not (number in seen_numbers and not r["username"])
        if not number:
            report.errors.append(RowError(row, str(E_POLICE_NUMBER_MISSING)))
        elif not POLICE_NUMBER_RE.match(number):
            report.errors.append(
                RowError(row, str(E_POLICE_NUMBER_FORMAT % {"value": number}))
            )
        elif number in seen_numbers:
            report.errors.append(
                RowError(
                    row,
                    str(
                        E_POLICE_NUMBER_DUPLICATE
                        % {"value": number, "other": seen_numbers[number]}
                    ),
                )
            )
        else:
            seen_numbers[number] = row
        if not name:
            report.errors.append(RowError(row, str(E_NAME_MISSING)))
        if not code:
            report.errors.append(RowError(row, str(E_UNIT_MISSING)))
        elif code not in all_units and code not in unit_plans:
            report.errors.append(RowError(row, str(E_UNIT_UNKNOWN % {"value": code})))
        elif not is_system and code not in in_scope:
            report.errors.append(
                RowError(row, str(E_UNIT_OUT_OF_SCOPE % {"value": code}))
            )
        existing = existing_by_number.get(number)
        if (
            existing is not None
            and not is_system
            and not can_see_person(actor, existing)
        ):
            report.errors.append(
                RowError(row, str(E_PERSON_OUT_OF_SCOPE % {"value": number}))
            )
        username = r["username"] or (existing.username if existing else number)
        number_holder = numbers_taken.get(username.lower()) if username else None
        if username and check_username:
            holder = taken.get(username.lower())
            if holder is not None and (existing is None or holder.pk != existing.pk):
                report.errors.append(
                    RowError(row, str(E_USERNAME_TAKEN % {"value": username}))
                )
            elif (
                number_holder is not None
                and (existing is None or number_holder.pk != existing.pk)
                and number_holder.police_number != number
            ) or (
                username.lower() != (number or "").lower()
                and username.lower() in sheet_numbers
            ):
                report.errors.append(
                    RowError(
                        row, str(E_USERNAME_IS_POLICE_NUMBER % {"value": username})
                    )
                )
            elif username.lower() in seen_usernames:
                report.errors.append(
                    RowError(
                        row,
                        str(
                            E_USERNAME_DUPLICATE
                            % {
                                "value": username,
                                "other": seen_usernames[username.lower()],
                            }
                        ),
                    )
                )
            else:
                seen_usernames[username.lower()] = row
        roles = _parse_roles(row, r["roles"], is_system, report)
        if len(report.errors) == errors_before:
            plans.append(
                _PersonPlan(
                    row,
                    number,
                    name,
                    code,
                    username,
                    r["position"],
                    r["police_type"],
                    r["phone"],
                    roles,
                    existing,
                )
            )
    return plans


def _ordered(
    plans: dict[str, _UnitPlan], all_units: dict[str, Unit]
) -> Iterator[_UnitPlan]:
    done = set(all_units)
    pending = [p for p in plans.values() if p.code not in all_units]
    while pending:
        ready = [p for p in pending if not p.parent_code or p.parent_code in done]
        for plan in ready:
            done.add(plan.code)
            yield plan
        pending = [p for p in pending if p.code not in done]
        if not ready:  # cycles were reported by the check; never reached with errors
            return


def _apply(
    unit_plans,
    people: list[_PersonPlan],
    all_units: dict[str, Unit],
    report: ImportReport,
) -> None:
    for code, plan in unit_plans.items():
        unit = all_units.get(code)
        if unit is not None and unit.name != plan.name:
            Unit.objects.filter(pk=unit.pk).update(name=plan.name)
    for plan in _ordered(unit_plans, all_units):
        if plan.parent_code:
            parent = Unit.objects.get(code=plan.parent_code)
            unit = parent.add_child(code=plan.code, name=plan.name, kind=plan.kind)
        else:
            unit = Unit.add_root(code=plan.code, name=plan.name, kind=plan.kind)
        all_units[plan.code] = unit
    units = {
        u.code: u for u in Unit.objects.filter(code__in={p.unit_code for p in people})
    }
    issue = set(report.passwords_issued)
    for plan in people:
        person = plan.existing or User(police_number=plan.police_number)
        created = person.pk is None
        person.username = plan.username
        person.full_name = plan.full_name
        person.unit = units[plan.unit_code]
        person.position = plan.position or person.position
        if plan.police_type:
            term = vocabulary_term(PoliceType, plan.police_type)
            person.police_type = term
            person.police_type_text = "" if term else plan.police_type
        if plan.position and person.post_id is None:
            person.post = vocabulary_term(Post, plan.position)
        person.phone = plan.phone or person.phone
        password = None
        if plan.police_number in issue:
            # A one-time random password each (never a shared initial one), to be replaced
            # at the first sign-in; handed to the admin once through ``report.credentials``.
            password = temporary_password_set(user=person)
        person.save()
        if password is not None:
            report.credentials.append(
                Credential(
                    person.unit.code,
                    person.unit.name,
                    plan.police_number,
                    person.full_name,
                    person.username,
                    password,
                    person.temporary_password_expires_at,
                )
            )
        if created:
            # The only role an import gives; the rest are the security admin's.
            roles_replace(user=person, roles={Role.OFFICER}, scope_unit=person.unit)
