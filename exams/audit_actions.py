"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "exams.attempt_start": _("Exam started"),
    "exams.attempt_submit": _("Exam submitted"),
    "exams.audience_sync": _("Exam audience updated"),
    "exams.blueprint_save": _("Paper blueprint saved"),
    "exams.certificate_revoke": _("Certificate revoked"),
    "exams.key_fix": _("Answer key corrected"),
    "exams.late_save": _("Late answer refused"),
    "exams.mark": _("Answer marked"),
    "exams.mark_refused": _("Marking refused"),
    "exams.override": _("Individual allowance saved"),
    "exams.question_bulk": _("Questions changed in bulk"),
    "exams.question_edit": _("Question edited"),
    "exams.question_export": _("Questions exported"),
    "exams.question_import": _("Questions imported"),
    "exams.question_restore": _("Question restored"),
    "exams.question_retire": _("Question retired"),
    "exams.question_void": _("Question voided"),
    "exams.regrade": _("Exam regraded"),
    "exams.session_save": _("Exam session saved"),
    "exams.attempt_network_refused": _(
        "Attempt request refused outside the allowed networks"
    ),
}
