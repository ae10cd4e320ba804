"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "audit.access_denied": _("Audit log access refused"),
    "audit.export": _("Audit log exported"),
    "audit.purge": _("Old audit entries purged"),
}
