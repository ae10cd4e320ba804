"""Signals the case bank sends for others to act on (it knows nothing of its listeners)."""

from django.dispatch import Signal

#: Sent after an import wrote case pages without Wagtail's page signals (the bulk path)
#: or changed existing ones. Keyword arguments: ``created``, ``updated`` (counts) and
#: ``published`` (whether new pages went live). (The search app indexes the pages through
#: ``core.bulk.rows_changed``, which the importer also sends.)
cases_imported = Signal()
