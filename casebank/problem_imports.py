"""Importing the problems of a supervision campaign (执法检查) from a spreadsheet.

All or nothing: every row is checked first; when any row is wrong nothing is recorded and
each error names its spreadsheet line (the header is line 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User

from .models import ProblemCategory, ProblemSeverity, ProblemSource
from .selectors import can_record_problems, problem_record_units
from .services import articles_from_text, problem_record

# Column headers (Chinese first, as the template has them) → field.
HEADERS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位编码", "unit_code"),
    "person": ("警号", "police_number", "person"),
    "category": ("问题类别", "category"),
    "severity": ("严重程度", "severity"),
    "found_on": ("发现日期", "found_on", "date"),
    "description": ("问题描述", "description"),
    "articles": ("涉及条文", "articles"),
    "case_reference": ("案件编号", "案件", "case_reference"),
}
REQUIRED = ("unit_code", "category", "found_on", "description")
TEMPLATE_HEADERS = [names[0] for names in HEADERS.values()]

# The controlled list's Chinese names, accepted in the sheet as well as the codes.
CATEGORY_NAMES = {
    "受案立案": ProblemCategory.ACCEPTANCE,
    "证据收集": ProblemCategory.EVIDENCE,
    "强制措施": ProblemCategory.COERCIVE,
    "涉案财物": ProblemCategory.PROPERTY,
    "法律适用": ProblemCategory.LAW_APPLICATION,
    "程序违法": ProblemCategory.PROCEDURE,
    "文书制作": ProblemCategory.DOCUMENTS,
    "执法记录": ProblemCategory.RECORDING,
    "其他": ProblemCategory.OTHER,
}
SEVERITY_NAMES = {
    "一般": ProblemSeverity.MINOR,
    "较重": ProblemSeverity.SERIOUS,
    "严重": ProblemSeverity.GRAVE,
}

NOT_ALLOWED = _(
    "Only legal officers, leaders and the system admin record enforcement problems."
)
UNSUPPORTED_TYPE = _("Only .xlsx and .csv files can be imported.")
UNREADABLE = _("The file cannot be read as a spreadsheet.")
EMPTY = _("The sheet has no data rows.")
MISSING_COLUMNS = _("The sheet lacks the column(s): {columns}")
LINE_ERROR = _("Line {line}: {message}")
E_REQUIRED = _("{column} is missing")
E_UNIT_UNKNOWN = _("unit code {value} does not exist")
E_UNIT_SCOPE = _("unit {value} is outside the units you may record problems for")
E_PERSON_UNKNOWN = _("nobody has police number {value}")
E_PERSON_UNIT = _("{value} is not in this unit or a unit below it")
E_CATEGORY = _("unknown problem category {value}")
E_SEVERITY = _("unknown severity {value}")
E_DATE = _("date {value} is not a date like 2026-03-05")
E_FUTURE = _("date {value} is in the future")
E_TOO_LONG = _("{column} is longer than {max} characters")


class ProblemImportError(ValueError):
    """The file as a whole cannot be imported (type, encoding, columns)."""


@dataclass
class ProblemImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _table(raw: bytes, name: str) -> list[list[Any]]:
    if name.endswith(".xlsx"):
        from zipfile import BadZipFile

        import openpyxl

        try:
            book = openpyxl.load_workbook(
                io.BytesIO(raw), read_only=True, data_only=True
            )
        except (BadZipFile, KeyError, OSError, ValueError) as e:
            raise ProblemImportError(UNREADABLE) from e
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return list(csv.reader(io.StringIO(raw.decode(encoding))))
            except UnicodeDecodeError:
                continue
        raise ProblemImportError(UNREADABLE)
    raise ProblemImportError(UNSUPPORTED_TYPE)


def read_problem_sheet(source: IO[bytes], filename: str) -> list[tuple[int, dict]]:
    """Return (line, {field: text}) for each non-empty data row; raise
    ``ProblemImportError`` for a file that cannot be read or lacks required columns."""
    table = _table(source.read(), filename.lower())
    if len(table) < 2:
        raise ProblemImportError(EMPTY)
    lookup = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    columns = {i: lookup.get(_cell(h).replace(" ", "")) for i, h in enumerate(table[0])}
    missing = [HEADERS[k][0] for k in REQUIRED if k not in set(columns.values())]
    if missing:
        raise ProblemImportError(MISSING_COLUMNS.format(columns="、".join(missing)))
    rows = []
    for line, values in enumerate(table[1:], start=2):
        record = dict.fromkeys(HEADERS, "")
        for i, value in enumerate(values):
            if (key := columns.get(i)) is not None:
                record[key] = _cell(value)
        if any(record.values()):
            rows.append((line, record))
    if not rows:
        raise ProblemImportError(EMPTY)
    return rows


def _choice(value: str, names: Mapping[str, str], codes: list[str]) -> str | None:
    value = value.strip()
    if value in codes:
        return value
    return names.get(value)


def problems_import(
    *, recorder: User, source: IO[bytes], filename: str, campaign: str = ""
) -> ProblemImportReport:
    """Check every row of the sheet and, when all are right, record them all (each
    through ``problem_record``: audited, training assigned). Return the report; its
    ``errors`` are line-numbered texts in the user's language."""
    if not can_record_problems(recorder):
        raise PermissionDenied(NOT_ALLOWED)
    rows = read_problem_sheet(source, filename)
    report = ProblemImportReport()
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in={r["unit_code"] for _l, r in rows})
    }
    allowed = set(
        problem_record_units(recorder)
        .filter(pk__in=[u.pk for u in units.values()])
        .values_list("pk", flat=True)
    )
    people = {
        p.police_number: p
        for p in User.objects.filter(
            police_number__in={r["person"] for _l, r in rows if r["person"]}
        ).select_related("unit")
    }
    today = timezone.localdate()
    planned = []
    for line, row in rows:
        errors = []
        for key in REQUIRED:
            if not row[key]:
                errors.append(E_REQUIRED.format(column=HEADERS[key][0]))
        unit = units.get(row["unit_code"])
        if row["unit_code"] and unit is None:
            errors.append(E_UNIT_UNKNOWN.format(value=row["unit_code"]))
        elif unit is not None and unit.pk not in allowed:
            errors.append(E_UNIT_SCOPE.format(value=row["unit_code"]))
        person = None
        if row["person"]:
            person = people.get(row["person"])
            if person is None:
                errors.append(E_PERSON_UNKNOWN.format(value=row["person"]))
            elif unit is not None and (
                person.unit is None or not person.unit.is_within(unit)
            ):
                errors.append(E_PERSON_UNIT.format(value=row["person"]))
        category = _choice(row["category"], CATEGORY_NAMES, ProblemCategory.values)
        if row["category"] and category is None:
            errors.append(E_CATEGORY.format(value=row["category"]))
        severity = (
            _choice(row["severity"], SEVERITY_NAMES, ProblemSeverity.values)
            if row["severity"]
            else ProblemSeverity.MINOR
        )
        if severity is None:
            errors.append(E_SEVERITY.format(value=row["severity"]))
        found_on = None
        if row["found_on"]:
            try:
                found_on = dt.date.fromisoformat(
                    row["found_on"][:10].replace("/", "-").replace(".", "-")
                )
            except ValueError:
                errors.append(E_DATE.format(value=row["found_on"]))
            else:
                if found_on > today:
                    errors.append(E_FUTURE.format(value=row["found_on"]))
        for key, limit in (("case_reference", 200), ("articles", 500)):
            if len(row[key]) > limit:
                errors.append(E_TOO_LONG.format(column=HEADERS[key][0], max=limit))
        # Without errors, the required columns gave a category and a date.
        if errors or category is None or severity is None or found_on is None:
            report.errors.extend(
                LINE_ERROR.format(line=line, message=str(e)) for e in errors
            )
            continue
        planned.append((line, unit, person, category, severity, found_on, row))
    if report.errors:
        return report
    with transaction.atomic():
        for line, unit, person, category, severity, found_on, row in planned:
            try:
                problem_record(
                    recorder=recorder,
                    unit=unit,
                    person=person,
                    category=category,
                    severity=severity,
                    found_on=found_on,
                    description=row["description"],
                    articles=articles_from_text(row["articles"], found_on),
                    articles_text=row["articles"],
                    case_reference=row["case_reference"],
                    source=ProblemSource.INSPECTION,
                    campaign=campaign,
                )
            except ValidationError as e:
                # Checked above; a model rule missed there still names its line.
                report.errors.append(
                    LINE_ERROR.format(line=line, message="；".join(e.messages))
                )
        if report.errors:
            transaction.set_rollback(True)
            return report
    report.created = len(planned)
    return report
