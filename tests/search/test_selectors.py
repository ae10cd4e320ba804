"""search.selectors.search_documents: date order over the whole result set."""

from __future__ import annotations

import datetime as dt

from search.backends import get_search_backend
from search.backends.base import SearchDocument
from search.selectors import search_documents
from tests.base import BaseTestCase

from .base import TempIndexMixin


class DateSortTests(TempIndexMixin, BaseTestCase):
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
