"""search.selectors.search_documents: date order over the whole result set."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from django.test import override_settings

from search.backends import get_search_backend, reset_backends
from search.backends.base import SearchDocument
from search.selectors import search_documents
from tests.base import BaseTestCase


class DateSortTests(BaseTestCase):
    def setUp(self) -> None:
        # Keyword only: 150 documents need no embeddings to be sorted by date.
        index_dir = Path(tempfile.mkdtemp(prefix="search-index-"))
        override = override_settings(
            SEARCH_BACKENDS={
                "default": {
                    "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
                    "PATH": index_dir,
                    "SEMANTIC": False,
                }
            }
        )
        override.enable()
        reset_backends()
        self.addCleanup(shutil.rmtree, index_dir, True)
        self.addCleanup(reset_backends)
        self.addCleanup(override.disable)

    def test_date_order_pages_through_every_match(self) -> None:
        """Issue 18: sorted by date, search showed the newest of the 100 most relevant
        hits and counted at most 100. Fails before: total 100, first hit d99."""
        backend = get_search_backend()
        backend.reset("case")
        backend.add_bulk(
            SearchDocument(
                doc_type="case",
                id=f"d{n}",
                title=f"案件{n}",
                body="盗窃" * (1 + (150 - n) // 10) + "。其他案情" * 5,
                extra={
                    "case_date": (
                        dt.date(2000, 1, 1) + dt.timedelta(days=30 * n)
                    ).isoformat()
                },
            )
            for n in range(150)
        )
        search = {
            "user": self.officer,
            "text": "盗窃",
            "doc_types": ["case"],
            "mode": "keyword",
            "sort": "date",
            "limit": 50,
        }
        first = search_documents(**search)
        self.assertEqual(first.total, 150)
        self.assertEqual([h.id for h in first.hits[:2]], ["d149", "d148"])
        dates = [
            h.extra["case_date"]
            for offset in (0, 50, 100)
            for h in search_documents(**search, offset=offset).hits
        ]
        self.assertEqual(len(dates), 150)
        self.assertEqual(dates, sorted(dates, reverse=True))
