"""Bulk operations (imports, bulk delete and unpublish, many objects in one transaction)
write the search index once, in eager mode as with a broker; single edits stay
immediate.

Index writes are counted by the embedded engine's manifest version, which every write
(a new delta, a compaction, a rebuild) increases by one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.test import override_settings

from casebank.importers.cases import import_cases
from casebank.importers.statutes import import_statutes
from casebank.models import Article, CasePage
from casebank.services import case_pages_delete, case_pages_unpublish
from core.bulk import bulk_operation
from search.backends import get_search_backend, reset_backends
from search.backends.base import SearchQuery
from search.models import IndexState
from tests.base import BaseTestCase
from tests.casebank.factories import case_index

from .base import TempIndexMixin

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STATUTES = FIXTURES / "statutes_small.jsonl"
CASES = FIXTURES / "cases_small.jsonl"


def index_writes(doc_type: str) -> int:
    """Return how many times ``doc_type``'s index has been written."""
    backend = get_search_backend()
    return int(backend._read_manifest(doc_type).get("version", 0))


def keyword_hits(text: str, doc_type: str) -> list[str]:
    results = get_search_backend().search(
        SearchQuery(text=text, doc_types=[doc_type], mode="keyword", viewer_units=None)
    )
    return [hit.title for hit in results]


class KeywordIndexMixin:
    """A fresh keyword-only embedded index (these tests count writes, not vectors)."""

    def setUp(self) -> None:
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
        super().setUp()


class StatuteImportTests(TempIndexMixin, BaseTestCase):
    """The embedded defaults: BM25 and the bundled test model."""

    def test_import_writes_the_article_index_once_and_is_searchable(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            report = import_statutes([STATUTES])
        self.assertEqual(report.created, 7)
        self.assertEqual(index_writes("article"), 1)
        self.assertEqual(len(callbacks), 1)  # one batch task for the seven articles
        self.assertEqual(get_search_backend().count("article"), 7)
        self.assertIn("示例道路法第三条", keyword_hits("醉酒驾驶机动车", "article"))
        self.assertFalse(IndexState.objects.filter(dirty=True).exists())

    @override_settings(SEARCH_BULK_REBUILD_MIN=5)
    def test_a_large_share_of_the_type_is_rebuilt_once(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            import_statutes([STATUTES])
        self.assertEqual(index_writes("article"), 1)
        self.assertEqual(len(callbacks), 1)  # the rebuild
        self.assertEqual(get_search_backend().count("article"), 7)
        self.assertIn("示例治安法第三条", keyword_hits("哄抢", "article"))

    def test_amendments_reindex_the_changed_articles_in_one_write(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            import_statutes([STATUTES])
        amended = Path(tempfile.mkdtemp()) / "amended.jsonl"
        lines = STATUTES.read_text(encoding="utf-8").splitlines()
        amended.write_text(
            "\n".join(
                line.replace("示例治安法(2020-01-01)", "示例治安法(2024-01-01)")
                .replace("五日以上十日以下", "十日以上十五日以下")
                .replace("制定本法", "依据宪法，制定本法")
                for line in lines[:4]
            ),
            encoding="utf-8",
        )
        with self.captureOnCommitCallbacks(execute=True):
            report = import_statutes([amended])
        self.assertEqual(report.updated, 3)
        self.assertEqual(index_writes("article"), 2)
        self.assertIn("示例治安法第三条", keyword_hits("十五日以下拘留", "article"))

    def test_a_dry_run_indexes_nothing(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            import_statutes([STATUTES], dry_run=True)
        self.assertEqual(callbacks, [])
        self.assertEqual(index_writes("article"), 0)


class CaseBulkTests(KeywordIndexMixin, BaseTestCase):
    def import_cases(self) -> list[CasePage]:
        case_index()
        with self.captureOnCommitCallbacks(execute=True):
            report = import_cases(CASES, fmt="cail2018", publish=True)
        self.assertEqual(report.created, 4)
        return list(CasePage.objects.live().order_by("pk"))

    def test_case_import_writes_the_case_index_once(self) -> None:
        cases = self.import_cases()
        self.assertEqual(index_writes("case"), 1)
        self.assertEqual(get_search_backend().count("case"), 4)
        self.assertEqual(len(keyword_hits("醉酒驾驶", "case")), 1)
        self.assertIsNotNone(get_search_backend().get("case", str(cases[0].pk)))

    def test_bulk_delete_writes_the_index_once(self) -> None:
        cases = self.import_cases()
        before = index_writes("case")
        with self.captureOnCommitCallbacks(execute=True):
            deleted = case_pages_delete(
                queryset=CasePage.objects.filter(pk__in=[c.pk for c in cases[:3]])
            )
        self.assertEqual(deleted, 3)
        self.assertEqual(index_writes("case") - before, 1)
        self.assertEqual(get_search_backend().count("case"), 1)
        self.assertEqual(keyword_hits("醉酒驾驶", "case"), [])
        self.assertFalse(CasePage.objects.filter(pk=cases[0].pk).exists())

    def test_bulk_unpublish_writes_the_index_once(self) -> None:
        cases = self.import_cases()
        before = index_writes("case")
        with self.captureOnCommitCallbacks(execute=True):
            count = case_pages_unpublish(
                queryset=CasePage.objects.filter(pk__in=[c.pk for c in cases[1:]])
            )
        self.assertEqual(count, 3)
        self.assertEqual(index_writes("case") - before, 1)
        self.assertEqual(get_search_backend().count("case"), 1)

    def test_many_pages_changed_in_one_transaction_write_the_index_once(self) -> None:
        # An admin's bulk action runs in one transaction, without a bulk operation.
        cases = self.import_cases()
        before = index_writes("case")
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            transaction.atomic(),
        ):
            for case in cases:
                case.unpublish()
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(index_writes("case") - before, 1)
        self.assertEqual(get_search_backend().count("case"), 0)

    def test_a_single_edit_is_indexed_immediately(self) -> None:
        cases = self.import_cases()
        case = CasePage.objects.get(pk=cases[0].pk)
        before = index_writes("case")
        case.title = "王某盗窃香烟案（改）"
        with self.captureOnCommitCallbacks(execute=True):
            case.save_revision().publish()
        self.assertEqual(index_writes("case") - before, 1)
        self.assertEqual(
            get_search_backend().get("case", str(case.pk)).title, "王某盗窃香烟案（改）"
        )

    def test_saves_inside_a_bulk_operation_wait_for_its_end(self) -> None:
        cases = self.import_cases()
        before = index_writes("case")
        with self.captureOnCommitCallbacks(execute=True), bulk_operation("test"):
            for case in cases:
                case.title = f"{case.title}（复核）"
                case.save()
            # Nothing written yet: the marks wait for the end of the operation.
            self.assertEqual(index_writes("case"), before)
            self.assertFalse(IndexState.objects.filter(dirty=True).exists())
        self.assertEqual(index_writes("case") - before, 1)
        for case in cases:
            self.assertTrue(
                get_search_backend()
                .get("case", str(case.pk))
                .title.endswith("（复核）")
            )
        self.assertFalse(IndexState.objects.filter(dirty=True).exists())


class ArticleRowsTests(KeywordIndexMixin, BaseTestCase):
    def test_deleted_rows_announced_in_bulk_leave_the_index(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            import_statutes([STATUTES])
        self.assertEqual(get_search_backend().count("article"), 7)
        with self.captureOnCommitCallbacks(execute=True), bulk_operation("test"):
            Article.objects.filter(label="第一条").delete()
        self.assertEqual(get_search_backend().count("article"), 5)
        self.assertEqual(index_writes("article"), 2)
