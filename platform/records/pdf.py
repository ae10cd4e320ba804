"""The printable training record (fpdf2 with an embedded CJK font)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .selectors import PersonRecord, certifications_status

# Tried in order; RECORDS_PDF_FONTS overrides the list.
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
]
FONT_MISSING = gettext_lazy(
    "No Chinese font found for the PDF; install fonts-wqy-microhei or "
    "fonts-noto-cjk, or set RECORDS_PDF_FONTS. Tried: {paths}"
)


class FontMissingError(RuntimeError):
    """No usable CJK font file exists on this machine."""


def font_path() -> str:
    """Return the first CJK font that exists; raise FontMissingError otherwise."""
    candidates = getattr(settings, "RECORDS_PDF_FONTS", None) or FONT_CANDIDATES
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    raise FontMissingError(str(FONT_MISSING).format(paths=", ".join(candidates)))


def record_pdf(record: PersonRecord) -> bytes:
    """Return ``record`` as a PDF document (A4)."""
    from fpdf import FPDF

    font = font_path()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", "", font)
    pdf.add_font("cjk", "B", font)  # table headings use bold; the same face serves
    pdf.add_page()
    person = record.person
    w = pdf.epw

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("cjk", size=13)
        pdf.cell(w, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)

    def line(text: str) -> None:
        pdf.multi_cell(w, 6, text, new_x="LMARGIN", new_y="NEXT")

    def table(headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        if not rows:
            line(_("None."))
            return
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=6) as t:
            t.row(headers)
            for r in rows:
                t.row([str(c) for c in r])

    pdf.set_font("cjk", size=16)
    pdf.cell(
        w,
        10,
        _("Training record") + f" · {record.year}",
        new_x="LMARGIN",
        new_y="NEXT",
        align="C",
    )
    pdf.set_font("cjk", size=10)
    line(
        f"{person.display_name}  {person.police_number or ''}  {person.unit.name if person.unit else ''}  "
        f"{person.position}"
    )
    line(_("Printed") + f": {timezone.localtime():%Y-%m-%d %H:%M}")
    cur = record.current
    heading(_("Hours (学时)"))
    if cur is not None:
        target = f" / {cur.targets.min_hours:.0f}" if cur.targets.min_hours else ""
        line(_("Total") + f": {cur.total:.1f}{target}")
        table(
            [_("Category"), _("Hours"), _("Minimum")],
            [
                [
                    r["label"],
                    f"{r['hours']:.1f}",
                    f"{r['target']:.1f}" if r["target"] else "—",
                ]
                for r in cur.rows
            ],
            [3, 1, 1],
        )
    if record.pre_meeting_required or record.pre_meeting_attended:
        line(
            _("Pre-meeting law study (会前学法) attended")
            + f": {record.pre_meeting_attended}"
            + (
                f" / {record.pre_meeting_required}"
                if record.pre_meeting_required
                else ""
            )
        )
    heading(_("Courses completed"))
    table(
        [_("Course"), _("Hours"), _("Date")],
        [
            [
                a.item.title,
                f"{a.item.hours:.1f}",
                f"{a.completed_at:%Y-%m-%d}" if a.completed_at else "",
            ]
            for a in record.courses_completed
        ],
        [4, 1, 1.5],
    )
    heading(_("Exams"))
    table(
        [_("Exam"), _("Score"), _("Result"), _("Date")],
        [
            [
                a.item.title,
                "" if a.score is None else f"{a.score}",
                _("Result not yet released")
                if getattr(a, "result_hidden", False)
                else _("Passed")
                if a.passed
                else _("Failed")
                if a.passed is False
                else "",
                f"{a.completed_at:%Y-%m-%d}" if a.completed_at else "",
            ]
            for a in record.exams
        ],
        [4, 1, 1, 1.5],
    )
    heading(_("Qualifications"))
    states = {
        "valid": _("Valid"),
        "expiring": _("Expiring soon: renew"),
        "expired": _("Expired"),
    }
    table(
        [
            _("Qualification"),
            pgettext("records", "Level"),
            _("Issued"),
            _("Expires"),
            "",
        ],
        [
            [
                c["cert"].get_kind_display(),
                c["cert"].level,
                f"{c['cert'].issued_at:%Y-%m-%d}",
                f"{c['cert'].expires_at:%Y-%m-%d}" if c["cert"].expires_at else "—",
                states[c["state"]],
            ]
            for c in certifications_status(record.certifications, record.today, 90)
        ],
        [3, 1, 1.5, 1.5, 1.5],
    )
    return bytes(pdf.output())
