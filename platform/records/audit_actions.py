"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "records.certification_record": _("Certification recorded"),
    "records.credit_reverse": _("Training hours reversed"),
    "records.export": _("Export requested"),
    "records.export_download": _("Export downloaded"),
    "records.offline_group_register": _("Group offline training registered"),
    "records.offline_review": _("Offline training reviewed"),
    "records.offline_submit": _("Offline training submitted"),
    "records.record_pdf": _("Training record PDF downloaded"),
    "records.record_view": _("Training record viewed"),
    "records.reminder_sent": _("Reminder sent (督办)"),
    "records.report_view": _("Report viewed"),
    "records.requirement_save": _("Requirement saved"),
    "records.assignment_extend": _("Due date extended"),
    "records.assignment_rule_create": _("Assignment rule created"),
    "records.assignment_rule_delete": _("Assignment rule deleted"),
    "records.assignment_waive": _("Assignment waived"),
    "records.assignment_waiver_revoke": _("Waiver lifted"),
}
