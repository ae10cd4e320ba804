"""Rows copied into documents (a charge's name and articles, an article's label, a law's
name) reindex the documents that depend on them, through the task, after commit."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.test import override_settings

from casebank.models import Charge
from search import signals
from search.backends import get_search_backend, reset_backends
from search.models import IndexState
from tests.base import BaseTestCase
from tests.casebank.factories import LegalElementFactory, article_with_text, make_case

from .factories import legal_corpus


class DependentReindexTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Keywords only: these tests are about which documents are rewritten, not vectors.
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
        with self.captureOnCommitCallbacks(execute=True):
            self.corpus = legal_corpus()
        self.backend = get_search_backend()

    def doc(self, doc_type: str, obj) -> object:
        return self.backend.get(doc_type, str(obj.pk))

    def test_renaming_a_charge_reindexes_its_cases_and_articles(self) -> None:
        theft = self.corpus["charges"]["theft"]
        case = self.corpus["cases"]["theft"]
        article = self.corpus["articles"][264]
        self.assertEqual(self.doc("case", case).filters["charge"], ["盗窃罪"])
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            theft.name = "盗窃公私财物罪"
            theft.save()
        # The theft case and article 264 are marked, nothing else; the transaction's
        # one callback enqueues their tasks.
        marked = set(
            IndexState.objects.filter(dirty=True).values_list("doc_type", "object_id")
        )
        self.assertEqual(marked, {("case", str(case.pk)), ("article", str(article.pk))})
        self.assertEqual(len(callbacks), 1)
        for callback in callbacks:
            callback()
        self.assertEqual(self.doc("case", case).filters["charge"], ["盗窃公私财物罪"])
        self.assertEqual(
            self.doc("article", article).extra["charges"], ["盗窃公私财物罪"]
        )
        self.assertFalse(IndexState.objects.filter(dirty=True).exists())

    def test_saving_a_charge_without_changing_its_name_enqueues_nothing(self) -> None:
        theft = self.corpus["charges"]["theft"]
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            theft.distinctions = "与抢夺罪的区别：是否公然夺取。"
            theft.save()
        self.assertEqual(callbacks, [])

    def test_a_charges_new_articles_are_reindexed_both_ways(self) -> None:
        theft = self.corpus["charges"]["theft"]
        a264, a266 = self.corpus["articles"][264], self.corpus["articles"][266]
        with self.captureOnCommitCallbacks(execute=True):
            theft.articles.set([a266])
            theft.save()  # a ParentalManyToManyField is written on save()
        self.assertEqual(self.doc("article", a264).filters["charge"], [])
        self.assertEqual(
            sorted(self.doc("article", a266).filters["charge"]), ["盗窃罪", "诈骗罪"]
        )
        # From the article's side of the relation.
        with self.captureOnCommitCallbacks(execute=True):
            a264.charges.add(theft)
        self.assertEqual(self.doc("article", a264).filters["charge"], ["盗窃罪"])
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(
                Charge.articles.through.objects.filter(charge=theft).count(), 2
            )
            a264.charges.clear()
        self.assertEqual(self.doc("article", a264).filters["charge"], [])

    def test_publishing_a_charge_revision_reindexes_its_articles(self) -> None:
        fraud = self.corpus["charges"]["fraud"]
        a234 = self.corpus["articles"][234]
        fraud.articles.add(a234)
        with self.captureOnCommitCallbacks(execute=True):
            fraud.save_revision().publish()
        self.assertEqual(self.doc("article", a234).filters["charge"], ["诈骗罪"])

    def test_deleting_a_charge_reindexes_its_cases_and_articles(self) -> None:
        driving = self.corpus["charges"]["driving"]
        case = self.corpus["cases"]["drunk"]
        article = self.corpus["drunk_article"]
        with self.captureOnCommitCallbacks(execute=True):
            driving.delete()
        self.assertEqual(self.doc("case", case).filters["charge"], [])
        self.assertEqual(self.doc("article", article).filters["charge"], [])

    def test_relabelled_article_reindexes_the_cases_citing_it(self) -> None:
        article = self.corpus["articles"][266]
        case = self.corpus["cases"]["fraud"]
        with self.captureOnCommitCallbacks(execute=True):
            article.source_id = "刑法/刑法.md#第二百六十六条"
            article.save()
        self.assertEqual(
            self.doc("case", case).extra["articles"][0]["source_id"],
            "刑法/刑法.md#第二百六十六条",
        )
        self.assertEqual(
            self.doc("article", article).source_id, "刑法/刑法.md#第二百六十六条"
        )

    def test_renamed_law_reindexes_articles_and_citing_cases(self) -> None:
        law = self.corpus["law"]
        with self.captureOnCommitCallbacks(execute=True):
            law.short_name = "中国刑法"
            law.save()
        self.assertEqual(
            self.doc("case", self.corpus["cases"]["theft"]).filters["law"], ["中国刑法"]
        )
        article = self.corpus["articles"][234]
        self.assertTrue(self.doc("article", article).title.startswith("中国刑法"))

    def test_many_dependents_rebuild_the_type_once(self) -> None:
        law = self.corpus["law"]
        with self.captureOnCommitCallbacks(execute=True):
            extra = [
                article_with_text(law, 300 + i, f"第{i}条的条文。") for i in range(4)
            ]
        old = signals.BULK_DEPENDENTS
        signals.BULK_DEPENDENTS = 3
        self.addCleanup(setattr, signals, "BULK_DEPENDENTS", old)
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            law.short_name = "刑"
            law.save()
        # Nine articles (over the bound of 3): one article rebuild, not nine tasks; the
        # three citing cases are under the bound, marked one by one and enqueued as
        # one batch by the transaction's one callback.
        self.assertEqual(self.backend.count("article"), 9)
        self.assertTrue(self.doc("article", extra[0]).title.startswith("刑第"))
        self.assertEqual(len(callbacks), 1 + 1)

    def test_legal_elements_are_not_indexed_and_enqueue_nothing(self) -> None:
        theft = self.corpus["charges"]["theft"]
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            LegalElementFactory(charge=theft, kind="objective", title="数额较大")
        self.assertEqual(callbacks, [])

    def test_unpublished_cases_are_not_touched(self) -> None:
        theft = self.corpus["charges"]["theft"]
        draft = make_case("草稿盗窃案", charges=[theft], live=False)
        IndexState.objects.all().delete()  # creating the draft marked it (a delete)
        with self.captureOnCommitCallbacks(execute=False):
            theft.name = "盗窃罪（新）"
            theft.save()
        marked = set(
            IndexState.objects.filter(doc_type="case").values_list(
                "object_id", flat=True
            )
        )
        self.assertEqual(marked, {str(self.corpus["cases"]["theft"].pk)})
        self.assertNotIn(str(draft.pk), marked)
