"""Indexing on publish/unpublish/delete, the dirty-mark sweeper and the rebuild."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from casebank.models import ArticleVersion, CasePage
from search.backends import get_search_backend
from search.backends.base import SearchQuery
from search.models import IndexState
from search.services import index_apply, index_sweep
from tests.base import BaseTestCase

from .base import TempIndexMixin
from .factories import legal_corpus


class IndexOnPublishTests(TempIndexMixin, BaseTestCase):
    def test_publishing_a_case_indexes_it_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            corpus = legal_corpus(restricted_unit=self.branch_b)
        backend = get_search_backend()
        case = corpus["cases"]["theft"]
        doc = backend.get("case", str(case.pk))
        self.assertIsNotNone(doc)
        self.assertEqual(doc.filters["charge"], ["盗窃罪"])
        self.assertEqual(doc.source_id, "case-theft")
        self.assertFalse(IndexState.objects.filter(dirty=True).exists())
        secret = backend.get("case", str(corpus["cases"]["secret"].pk))
        self.assertEqual(
            (secret.restricted, secret.allowed_units), (True, [self.branch_b.pk])
        )

    def test_unpublish_and_delete_remove_the_case(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            corpus = legal_corpus()
        backend = get_search_backend()
        case = corpus["cases"]["drunk"]
        with self.captureOnCommitCallbacks(execute=True):
            case.unpublish()
        self.assertIsNone(backend.get("case", str(case.pk)))
        fraud = corpus["cases"]["fraud"]
        with self.captureOnCommitCallbacks(execute=True):
            CasePage.objects.get(pk=fraud.pk).delete()
        self.assertIsNone(backend.get("case", str(fraud.pk)))
        self.assertEqual(
            backend.search(
                SearchQuery(
                    text="诈骗", doc_types=["case"], mode="keyword", viewer_units=None
                )
            ).total,
            0,
        )

    def test_new_article_version_reindexes_the_article(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            corpus = legal_corpus()
        article = corpus["articles"][234]
        with self.captureOnCommitCallbacks(execute=True):
            ArticleVersion.objects.filter(article=article).update(
                effective_to=dt.date(2024, 1, 1)
            )
            ArticleVersion.objects.create(
                article=article,
                text="故意伤害他人身体，致人轻伤二级以上的，处三年以下有期徒刑。",
                effective_from=dt.date(2024, 1, 2),
            )
        doc = get_search_backend().get("article", str(article.pk))
        self.assertIn("轻伤二级", doc.body)
        self.assertEqual(doc.title, "刑法第二百三十四条")

    def test_running_the_task_twice_is_harmless(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            corpus = legal_corpus()
        case = corpus["cases"]["theft"]
        args = {
            "app_label": "casebank",
            "model_name": "casepage",
            "object_id": str(case.pk),
        }
        self.assertEqual(index_apply(**args), "indexed")
        self.assertEqual(index_apply(**args), "indexed")
        self.assertEqual(get_search_backend().count("case"), 3)


class SweeperTests(TempIndexMixin, BaseTestCase):
    def test_sweeper_requeues_what_a_lost_message_left_dirty(self) -> None:
        # The on-commit callbacks are dropped: as if the broker lost the messages.
        corpus = legal_corpus()
        backend = get_search_backend()
        self.assertIsNone(backend.get("case", str(corpus["cases"]["theft"].pk)))
        self.assertTrue(IndexState.objects.filter(dirty=True).exists())
        self.assertEqual(
            index_sweep(older_than_seconds=60), 0
        )  # too recent: maybe in flight
        IndexState.objects.update(changed_at=timezone.now() - dt.timedelta(minutes=5))
        self.assertGreater(index_sweep(older_than_seconds=60), 0)  # eager tasks run now
        self.assertIsNotNone(backend.get("case", str(corpus["cases"]["theft"].pk)))
        self.assertFalse(IndexState.objects.filter(dirty=True).exists())


class RebuildCommandTests(TempIndexMixin, BaseTestCase):
    def test_rebuild_indexes_everything_and_reports(self) -> None:
        legal_corpus(restricted_unit=self.branch_b)
        out = StringIO()
        call_command("rebuild_search_index", stdout=out, stderr=StringIO())
        backend = get_search_backend()
        self.assertEqual(backend.count("case"), 4)
        self.assertEqual(backend.count("article"), 5)
        self.assertIn("case: 4", out.getvalue())

    def test_unknown_backend_alias_is_a_clear_error(self) -> None:
        from django.core.management import CommandError

        with self.assertRaisesMessage(CommandError, "nope"):
            call_command(
                "rebuild_search_index",
                "--backend",
                "nope",
                stdout=StringIO(),
                stderr=StringIO(),
            )
