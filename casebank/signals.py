"""Signals the case bank sends for others to act on (it knows nothing of its listeners)."""

from django.dispatch import Signal

#: Sent after an import wrote case pages without Wagtail's page signals (the bulk path)
#: or changed existing ones. Keyword arguments: ``created``, ``updated`` (counts) and
#: ``published`` (whether new pages went live). (The search app indexes the pages through
#: ``core.bulk.rows_changed``, which the importer also sends.)
cases_imported = Signal()

#: Sent inside the transaction that recorded an enforcement problem (by hand or by an
#: import). Keyword arguments: ``problem`` and ``recorder``. The courses app assigns the
#: learning mapped to the problem's category (courses.remediation).
problem_recorded = Signal()
