"""Report exports to .xlsx (openpyxl, write-only mode) and CSV.

Each report is a function returning (headers, row count, row iterator) for a unit the
caller has scope-checked; the same functions serve the synchronous download and the
background ``ExportJob``, so both contain exactly the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User

from . import selectors
from .selectors import ReportFilter

UNKNOWN_REPORT = "Unknown report “{name}”."
UNKNOWN_FORMAT = "Unknown format “{fmt}”: use xlsx or csv."
FORMATS = ("xlsx", "csv")


@dataclass
class Table:
    headers: list[str]
    count: int
    rows: Iterator[list[Any]]


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _overdue(unit: Unit, flt: ReportFilter) -> Table:
    qs = selectors.overdue_assignments(unit, flt)

    def rows():
        for a in qs.iterator(chunk_size=2000):
            yield [
                a.user.police_number or "",
                a.user.display_name,
                a.user.unit.name if a.user.unit else "",
                a.item.title,
                a.item.item_type,
                a.get_status_display(),
                round(a.progress * 100),
                _local(a.due_at),
            ]

    return Table(
        [
            _("Police number"),
            _("Name"),
            _("Unit"),
            _("Item"),
            _("Type"),
            _("Status"),
            _("Progress %"),
            _("Due"),
        ],
        qs.count(),
        rows(),
    )


def _at_risk(unit: Unit, flt: ReportFilter) -> Table:
    qs = selectors.at_risk_people(unit, flt)
    fraction = selectors.year_fraction(flt.year)

    def rows():
        for p in qs.iterator(chunk_size=2000):
            pace = selectors.pace_of(p)
            projected = round(float(pace.hours) / fraction, 1) if fraction else 0
            yield [
                p.police_number or "",
                p.display_name,
                p.unit.name if p.unit else "",
                float(pace.hours),
                projected,
                float(pace.target),
            ]

    return Table(
        [
            _("Police number"),
            _("Name"),
            _("Unit"),
            _("Hours so far"),
            _("Projected hours"),
            _("Target hours"),
        ],
        qs.count(),
        rows(),
    )


def _units(unit: Unit, flt: ReportFilter, viewer: User) -> Table:
    report = selectors.unit_report(viewer, unit, flt)
    data = [
        [
            r.label,
            r.total,
            r.done,
            r.rate,
            r.overdue,
            r.pass_rate if r.pass_rate is not None else "",
        ]
        for r in report.children
    ]
    return Table(
        [
            _("Unit"),
            _("Required"),
            _("Completed"),
            _("Completion %"),
            _("Overdue"),
            _("Pass rate %"),
        ],
        len(data),
        iter(data),
    )


def _items(unit: Unit, flt: ReportFilter, viewer: User) -> Table:
    report = selectors.unit_report(viewer, unit, flt)
    data = [
        [
            r.label,
            r.extra.get("type_label", ""),
            r.total,
            r.done,
            r.rate,
            r.overdue,
            r.pass_rate if r.pass_rate is not None else "",
        ]
        for r in report.items
    ]
    return Table(
        [
            _("Item"),
            _("Type"),
            _("Required"),
            _("Completed"),
            _("Completion %"),
            _("Overdue"),
            _("Pass rate %"),
        ],
        len(data),
        iter(data),
    )


def _people(unit: Unit, flt: ReportFilter) -> Table:
    count = selectors.people_in_scope(unit, flt).count()

    def rows():
        page = 1000
        for offset in range(0, count, page):
            people, _total = selectors.people_report(
                unit, flt, offset=offset, limit=page
            )
            for r in people:
                p = r.extra["person"]
                yield [
                    p.police_number or "",
                    p.display_name,
                    p.unit.name if p.unit else "",
                    r.total,
                    r.done,
                    r.rate,
                    r.overdue,
                    float(r.extra["hours"]),
                    float(r.extra["target"]),
                    _("yes") if r.extra["at_risk"] else "",
                ]

    return Table(
        [
            _("Police number"),
            _("Name"),
            _("Unit"),
            _("Required"),
            _("Completed"),
            _("Completion %"),
            _("Overdue"),
            _("Hours"),
            _("Target hours"),
            _("At risk"),
        ],
        count,
        rows(),
    )


def _pre_meeting(unit: Unit, flt: ReportFilter, viewer: User) -> Table:
    report = selectors.pre_meeting_report(viewer, unit, flt.year)
    data = [
        [
            r.person.display_name,
            r.person.police_number or "",
            str(r.person.unit or ""),
            r.attended,
            r.absent,
            r.required,
            _("yes") if r.met else _("no"),
        ]
        for r in report.rows
    ]
    return Table(
        [
            _("Name"),
            _("Police number"),
            _("Unit"),
            _("Pre-meeting sessions attended"),
            _("Absences (with reason)"),
            _("Required"),
            _("Requirement met"),
        ],
        len(data),
        iter(data),
    )


REPORTS: dict[str, Callable[..., Table]] = {
    "overdue": _overdue,
    "at_risk": _at_risk,
    "units": _units,
    "items": _items,
    "people": _people,
    "pre_meeting": _pre_meeting,
}
NEEDS_VIEWER = {"units", "items", "pre_meeting"}


def report_table(report: str, *, viewer: User, unit: Unit, flt: ReportFilter) -> Table:
    """Return the table of ``report`` for ``unit``. Raise ValueError for an unknown report."""
    if report not in REPORTS:
        raise ValueError(UNKNOWN_REPORT.format(name=report))
    if report in NEEDS_VIEWER:
        return REPORTS[report](unit, flt, viewer)
    return REPORTS[report](unit, flt)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    # A name or title beginning with "=" would run as a formula in Excel (CSV/formula
    # injection, OWASP); quote such text so it is shown, never evaluated.
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_table(
    table: Table,
    fmt: str,
    out: Any,
    *,
    title: str = "",
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write ``table`` as ``fmt`` to the binary file ``out``; return the rows written.
    ``progress`` is called with the running row count every 1,000 rows."""
    if fmt not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(fmt=fmt))
    written = 0
    if fmt == "csv":
        text = io.TextIOWrapper(
            out, encoding="utf-8-sig", newline=""
        )  # BOM: Excel reads UTF-8
        writer = csv.writer(text)
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow([_cell(v) for v in row])
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
        text.flush()
        text.detach()
        return written
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "report")[:31])
    ws.append(table.headers)
    for row in table.rows:
        ws.append([_cell(v) for v in row])
        written += 1
        if progress and written % 1000 == 0:
            progress(written)
    wb.save(out)
    return written
