"""Publishing a case indexes it through a real Celery worker (Redis + PostgreSQL)."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.test import TransactionTestCase

import pytest

from search.backends import get_search_backend
from search.backends.base import SearchQuery
from search.models import IndexState

from .factories import legal_corpus
from .test_browser import site_root

# The worker is started once per session with a copy of this environment: give it the
# same scratch folder, so it writes the index this process reads.
os.environ.setdefault("TEST_VAR_DIR", str(settings.MEDIA_ROOT.parent))


@pytest.mark.integration
@pytest.mark.usefixtures("celery_worker_process")
class PublishIndexesThroughWorkerTests(TransactionTestCase):
    def wait_for(self, predicate, timeout: float = 90.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.5)
        return False

    def test_published_case_is_searchable_and_unpublished_one_is_not(self) -> None:
        self.assertEqual(
            str(settings.SEARCH_BACKENDS["default"]["PATH"]),
            str(settings.MEDIA_ROOT.parent / "search"),
        )
        site_root()
        corpus = legal_corpus()
        backend = get_search_backend()
        theft = corpus["cases"]["theft"]
        self.assertTrue(
            self.wait_for(lambda: backend.get("case", str(theft.pk)) is not None),
            "the worker did not index the case",
        )
        self.assertTrue(
            self.wait_for(lambda: not IndexState.objects.filter(dirty=True).exists())
        )
        hits = backend.search(
            SearchQuery(
                text="撬锁 秘密窃取",
                doc_types=["case"],
                mode="keyword",
                viewer_units=None,
            )
        ).hits
        self.assertEqual(hits[0].id, str(theft.pk))
        drunk = corpus["cases"]["drunk"]
        drunk.unpublish()
        self.assertTrue(
            self.wait_for(lambda: backend.get("case", str(drunk.pk)) is None),
            "the worker did not remove the case",
        )

    def test_renamed_charge_reaches_its_cases_through_the_worker(self) -> None:
        site_root()
        corpus = legal_corpus()
        backend = get_search_backend()

        def charges_of(doc_type: str, obj) -> list[str] | None:
            doc = backend.get(doc_type, str(obj.pk))
            return None if doc is None else list(doc.filters.get("charge") or [])

        theft, article = corpus["cases"]["theft"], corpus["articles"][264]
        self.assertTrue(
            self.wait_for(lambda: charges_of("case", theft) == ["盗窃罪"]),
            "the worker did not index the case",
        )
        charge = corpus["charges"]["theft"]
        charge.name = "盗窃公私财物罪"
        charge.save()
        self.assertTrue(
            self.wait_for(lambda: charges_of("case", theft) == ["盗窃公私财物罪"]),
            "the worker did not reindex the case after the charge was renamed",
        )
        self.assertTrue(
            self.wait_for(lambda: charges_of("article", article) == ["盗窃公私财物罪"]),
            "the worker did not reindex the charge's article",
        )
        self.assertTrue(
            self.wait_for(lambda: not IndexState.objects.filter(dirty=True).exists())
        )

    def test_bulk_imports_and_a_bulk_delete_reach_the_index_through_the_worker(
        self,
    ) -> None:
        from pathlib import Path

        from casebank.importers.cases import import_cases
        from casebank.importers.statutes import import_statutes
        from casebank.models import CasePage
        from casebank.services import case_pages_delete
        from tests.casebank.factories import case_index

        fixtures = Path(__file__).resolve().parents[1] / "fixtures"
        site_root()
        case_index()
        import_statutes([fixtures / "statutes_small.jsonl"])
        import_cases(fixtures / "cases_small.jsonl", fmt="cail2018", publish=True)
        backend = get_search_backend()
        # A cold worker loads the encoder before its first write (up to minutes on a
        # loaded machine, see docs/deployment.md).
        self.assertTrue(
            self.wait_for(
                lambda: (backend.count("article"), backend.count("case")) == (7, 4),
                timeout=400,
            ),
            "the worker did not index the imports",
        )
        self.assertTrue(
            self.wait_for(lambda: not IndexState.objects.filter(dirty=True).exists())
        )
        case_pages_delete(queryset=CasePage.objects.order_by("pk")[:2])
        self.assertTrue(
            self.wait_for(lambda: backend.count("case") == 2),
            "the worker did not apply the bulk delete",
        )
