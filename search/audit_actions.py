"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "search.embedder_train": _("Search model trained"),
    "search.link_case": _("Case linking"),
}
