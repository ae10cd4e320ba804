"""Bulk case imports (no page signals) still reach the search index."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from casebank.importers.cases import import_cases
from casebank.models import CasePage
from search.backends import get_search_backend
from tests.base import BaseTestCase
from tests.casebank.factories import case_index

from .base import TempIndexMixin

CAIL_LINES = [
    {
        "fact": "2019年3月5日，被告人王某在某超市内趁店员不备，窃取货架上的香烟十条，价值人民币2000元。",
        "meta": {
            "accusation": ["盗窃"],
            "relevant_articles": [264],
            "term_of_imprisonment": {},
        },
    },
    {
        "fact": "2019年6月1日，被告人李某醉酒驾驶机动车在道路上行驶，经鉴定血液酒精含量为156mg/100ml。",
        "meta": {
            "accusation": ["危险驾驶"],
            "relevant_articles": [133],
            "term_of_imprisonment": {},
        },
    },
]


class BulkImportIndexingTests(TempIndexMixin, BaseTestCase):
    def test_published_bulk_import_is_indexed_after_commit(self) -> None:
        case_index()
        path = Path(tempfile.mkdtemp()) / "cases.jsonl"
        path.write_text(
            "\n".join(json.dumps(line, ensure_ascii=False) for line in CAIL_LINES),
            encoding="utf-8",
        )
        with self.captureOnCommitCallbacks(execute=True):
            report = import_cases(path, fmt="cail2018", publish=True)
        self.assertEqual(report.created, 2)
        backend = get_search_backend()
        for case in CasePage.objects.live():
            self.assertIsNotNone(backend.get("case", str(case.pk)), case.title)

    def test_dry_run_sends_nothing(self) -> None:
        case_index()
        path = Path(tempfile.mkdtemp()) / "cases.jsonl"
        path.write_text(json.dumps(CAIL_LINES[0], ensure_ascii=False), encoding="utf-8")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            import_cases(path, fmt="cail2018", publish=True, dry_run=True)
        self.assertEqual(callbacks, [])
