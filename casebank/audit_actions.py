"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "casebank.amendment_propose": _("Amendment proposed"),
    "casebank.amendment_approve": _("Amendment approved"),
    "casebank.amendment_reject": _("Amendment rejected"),
    "casebank.case.view": _("Case viewed"),
    "casebank.case_volume.set": _("Cases handled recorded"),
    "casebank.import_cases": _("Cases imported"),
    "casebank.import_charges": _("Charges imported"),
    "casebank.import_statutes": _("Statutes imported"),
    "casebank.law_change_flag.resolve": _("Law-change flag resolved"),
    "casebank.problem.import": _("Enforcement problems imported"),
    "casebank.problem.record": _("Enforcement problem recorded"),
    "casebank.restricted_read": _("Restricted material read"),
    "wagtail.unpublish": _("Page unpublished"),
}
