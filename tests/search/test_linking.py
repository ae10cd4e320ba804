"""Linking a new case, and search as a given user sees it."""

from __future__ import annotations

import datetime as dt

from django.test import SimpleTestCase

from search.backends.base import SearchHit
from search.elements import NO_FACT
from search.linking import (
    PRECEDENT_FLOOR,
    TEXT_TOO_SHORT,
    distinguish,
    link_case,
    rerank_precedents,
)
from search.selectors import search_documents, viewer_units
from tests.base import BaseTestCase
from tests.casebank.factories import article_with_text

from .base import ClassIndexMixin
from .factories import legal_corpus

NEW_CASE = (
    "2024年3月5日晚，犯罪嫌疑人刘某撬开被害人家门锁，进入室内秘密窃取现金三千元和手机一部，"
    "小区监控录像拍到其离开。经价格认定，手机价值二千元。"
)


class LinkCaseTests(ClassIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.corpus = legal_corpus(restricted_unit=cls.branch_b)
        cls.rebuild_all()

    def test_suggests_charge_articles_and_precedents_with_reasons(self) -> None:
        result = link_case(NEW_CASE, self.legal_officer)
        self.assertEqual(result.charges[0].name, "盗窃罪")
        self.assertGreater(result.charges[0].score, 0.4)
        self.assertIn("刑法第二百六十四条", result.charges[0].articles)
        self.assertEqual(result.articles[0].label, "第二百六十四条")
        self.assertEqual(
            result.articles[0].source_id, self.corpus["articles"][264].source_id
        )
        top = result.precedents[0]
        self.assertEqual(top.id, str(self.corpus["cases"]["theft"].pk))
        self.assertIn("秘密窃取", top.shared_terms)
        self.assertEqual(top.shared_charges, ["盗窃罪"])
        self.assertIn("<mark>", top.snippet)

    def test_element_checklist_marks_what_the_description_mentions(self) -> None:
        result = link_case(NEW_CASE, self.legal_officer)
        theft = {e.title: e for e in result.elements if e.charge == "盗窃罪"}
        self.assertTrue(theft["秘密窃取"].mentioned)
        self.assertIn("监控录像", theft["秘密窃取"].evidence)
        self.assertFalse(theft["一般主体"].mentioned)

    def test_element_shows_its_supporting_sentence_or_no_fact_seen(self) -> None:
        text = "2024年5月3日凌晨，嫌疑人王某在小区楼下用万能钥匙打开车锁，将车骑走。经价格认定，该车价值2100元。"
        result = link_case(text, self.legal_officer)
        theft = {e.title: e for e in result.elements if e.charge == "盗窃罪"}
        self.assertTrue(theft["秘密窃取"].mentioned)
        self.assertEqual(
            theft["秘密窃取"].sentence,
            "2024年5月3日凌晨，嫌疑人王某在小区楼下用万能钥匙打开车锁，将车骑走。",
        )
        self.assertFalse(theft["一般主体"].mentioned)
        self.assertEqual(theft["一般主体"].status, NO_FACT)

    def test_every_suggestion_says_why(self) -> None:
        result = link_case(NEW_CASE, self.legal_officer)
        theft = result.charges[0]
        self.assertIn(
            str(self.corpus["cases"]["theft"].pk), [p["id"] for p in theft.precedents]
        )
        self.assertTrue(theft.sentences)
        for sentence in theft.sentences:
            self.assertIn(sentence, NEW_CASE)
        article = result.articles[0]
        self.assertIn("盗窃罪", article.charges)
        self.assertTrue(article.sentences)
        api = result.as_dict()
        self.assertIn("sentences", api["charges"][0])
        self.assertIn("precedents", api["charges"][0])

    def test_scores_are_relative_strength_and_weak_precedents_are_not_listed(
        self,
    ) -> None:
        result = link_case(NEW_CASE, self.legal_officer)
        self.assertEqual(result.charges[0].score, 1.0)
        self.assertEqual(result.charges[0].strength, "strong")
        self.assertEqual(result.precedents[0].score, 1.0)
        for p in result.precedents:
            self.assertGreaterEqual(p.score, PRECEDENT_FLOOR)
        everything = link_case(NEW_CASE, self.legal_officer, floor=0.0)
        self.assertGreater(len(everything.precedents), len(result.precedents))

    def test_restricted_case_never_reaches_another_units_user(self) -> None:
        secret = str(self.corpus["cases"]["secret"].pk)
        outsider = link_case(
            "被告人盗窃单位仓库内的电缆，撬锁入库，价值二万元。", self.legal_officer
        )
        self.assertNotIn(secret, [p.id for p in outsider.precedents])
        insider = link_case(
            "被告人盗窃单位仓库内的电缆，撬锁入库，价值二万元。", self.officer_b
        )
        self.assertEqual(insider.precedents[0].id, secret)

    def test_too_short_text_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(ValueError, TEXT_TOO_SHORT.format(n=6)):
            link_case("盗窃", self.legal_officer)


class SearchSelectorTests(ClassIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.corpus = legal_corpus(restricted_unit=cls.branch_b)
        # An article that only takes effect in 2030: not in force on earlier dates.
        cls.future = article_with_text(
            cls.corpus["law"],
            999,
            "违反本法规定的，处五年以下有期徒刑，并处罚金。",
            effective_from=dt.date(2030, 1, 1),
        )
        cls.rebuild_all()

    def test_viewer_units_are_own_unit_and_ancestors(self) -> None:
        self.assertEqual(
            viewer_units(self.officer_b),
            frozenset({self.city.pk, self.branch_b.pk, self.station_b1.pk}),
        )
        # The separated system roles read no restricted material (docs/security.md).
        self.assertEqual(viewer_units(self.system_admin), frozenset())

    def test_restricted_case_hidden_in_totals_and_facets(self) -> None:
        secret = str(self.corpus["cases"]["secret"].pk)
        page = search_documents(
            user=self.officer,
            text="盗窃",
            doc_types=["case"],
            facets=["charge"],
            mode="keyword",
        )
        self.assertNotIn(secret, [h.id for h in page.hits])
        self.assertEqual(page.facets["charge"].get("盗窃罪"), 1)
        page_b = search_documents(
            user=self.officer_b,
            text="盗窃",
            doc_types=["case"],
            facets=["charge"],
            mode="keyword",
        )
        self.assertIn(secret, [h.id for h in page_b.hits])
        self.assertEqual(page_b.facets["charge"].get("盗窃罪"), 2)

    def test_exact_reference_jumps_to_the_article(self) -> None:
        page = search_documents(user=self.officer, text="刑法第264条")
        self.assertIsNotNone(page.exact)
        self.assertEqual(page.hits[0].id, str(self.corpus["articles"][264].pk))
        self.assertEqual(page.hits[0].title, "刑法第二百六十四条")

    def test_exact_citation_is_followed_by_what_cites_it_not_other_articles(
        self,
    ) -> None:
        page = search_documents(user=self.officer, text="刑法第二百六十四条")
        article = str(self.corpus["articles"][264].pk)
        self.assertEqual(page.hits[0].id, article)
        self.assertEqual(
            [(h.doc_type, h.id) for h in page.hits[1:]],
            [("case", str(self.corpus["cases"]["theft"].pk))],
        )
        # The restricted case citing it is not counted for an officer of another unit.
        self.assertEqual(page.total, 2)
        page_b = search_documents(user=self.officer_b, text="《刑法》第264条的规定")
        self.assertEqual(page_b.total, 3)
        self.assertEqual({h.doc_type for h in page_b.hits[1:]}, {"case"})

    def test_a_citation_inside_a_question_still_searches_everything(self) -> None:
        page = search_documents(user=self.officer, text="刑法第264条 盗窃 罚金")
        self.assertEqual(page.hits[0].id, str(self.corpus["articles"][264].pk))
        self.assertIn("article", {h.doc_type for h in page.hits[1:]})

    def test_date_filtered_total_counts_what_is_shown(self) -> None:
        page = search_documents(
            user=self.officer,
            text="罚金",
            doc_types=["article"],
            on_date=dt.date(2024, 1, 1),
            mode="keyword",
        )
        self.assertNotIn(str(self.future.pk), [h.id for h in page.hits])
        self.assertEqual(page.total, len(page.hits))
        later = search_documents(
            user=self.officer,
            text="罚金",
            doc_types=["article"],
            on_date=dt.date(2031, 1, 1),
            mode="keyword",
        )
        self.assertIn(str(self.future.pk), [h.id for h in later.hits])
        self.assertEqual(later.total, len(later.hits))

    def test_filter_by_law_and_type(self) -> None:
        page = search_documents(
            user=self.officer,
            text="罚金",
            doc_types=["article"],
            filters={"law": ["刑法"]},
            mode="keyword",
        )
        self.assertEqual({h.doc_type for h in page.hits}, {"article"})
        self.assertGreaterEqual(page.total, 3)


def _hit(doc_id: str, score: float, charges: list[str]) -> SearchHit:
    return SearchHit(
        doc_type="case",
        id=doc_id,
        title=doc_id,
        score=score,
        extra={"charges": charges},
    )


class RerankTests(BaseTestCase):
    def test_a_precedent_with_the_suggested_charges_moves_up(self) -> None:
        hits = [_hit("a", 1.0, ["诈骗罪"]), _hit("b", 0.9, ["盗窃罪"])]
        ranked = rerank_precedents(hits, {"盗窃罪"}, weight=0.5)
        self.assertEqual([h.id for h, _ in ranked], ["b", "a"])
        self.assertEqual(ranked[0][1], 1.0)
        self.assertEqual(
            [h.id for h, _ in rerank_precedents(hits, {"盗窃罪"}, weight=0.0)],
            ["a", "b"],
        )


class DistinctionTests(SimpleTestCase):
    """Issue 16 (CAIL dev): 诈骗罪 and 合同诈骗罪 were confused in 18 of 628 dev cases;
    before ``distinguish`` the votes alone decided."""

    def test_a_contract_sentence_decides_for_contract_fraud(self) -> None:
        votes = {"诈骗罪": 1.0, "合同诈骗罪": 0.6, "盗窃罪": 0.1}
        text = [
            "被告人谎称有工程可以转包。",
            "双方签订了工程承包合同，被害人交付保证金十万元。",
        ]
        self.assertEqual(distinguish(votes, text), ("合同诈骗罪", text[1]))
        self.assertGreater(votes["合同诈骗罪"], votes["诈骗罪"])

    def test_no_contract_decides_for_fraud(self) -> None:
        votes = {"合同诈骗罪": 1.0, "诈骗罪": 0.5}
        self.assertEqual(
            distinguish(votes, ["被告人冒充客服，骗取被害人转账五千元。"]),
            ("诈骗罪", ""),
        )
        self.assertGreater(votes["诈骗罪"], votes["合同诈骗罪"])

    def test_a_clear_lead_or_another_pair_is_left_alone(self) -> None:
        votes = {"诈骗罪": 1.0, "合同诈骗罪": 0.2}
        self.assertIsNone(distinguish(votes, ["双方签订合同。"]))
        self.assertEqual(votes, {"诈骗罪": 1.0, "合同诈骗罪": 0.2})
        self.assertIsNone(distinguish({"盗窃罪": 1.0, "诈骗罪": 0.9}, ["签订合同。"]))
