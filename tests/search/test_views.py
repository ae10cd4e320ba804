"""The search page's facets: translated labels, one entry per law, working filters."""

from __future__ import annotations

import threading

from django.test import override_settings

from search import embeddings, views
from tests.base import BaseTestCase

from .base import ClassIndexMixin
from .factories import legal_corpus


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
class SearchFacetTests(ClassIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.corpus = legal_corpus(restricted_unit=cls.branch_b)
        cls.rebuild_all()

    def facets(self, language: str, **params: str) -> dict[str, list[dict]]:
        self.client.force_login(self.officer)
        response = self.client.get(
            "/search/", {"q": "盗窃", **params}, HTTP_ACCEPT_LANGUAGE=language
        )
        self.assertEqual(response.status_code, 200)
        return {f["name"]: f["items"] for f in response.context["facets"]}

    def labels(self, items: list[dict]) -> list[str]:
        return [str(i["label"]) for i in items]

    def test_zh_hans_labels_for_type_kind_and_level(self) -> None:
        facets = self.facets("zh-hans")
        self.assertIn("法条", self.labels(facets["类型"]))
        self.assertIn("案例", self.labels(facets["类型"]))
        self.assertNotIn("Statutes", self.labels(facets["类型"]))
        self.assertEqual(self.labels(facets["案件类型"]), ["刑事"])
        levels = self.labels(facets["案例级别"])
        self.assertIn("典型案例", levels)
        for raw in ("criminal", "typical", "guiding", "reference"):
            self.assertNotIn(raw, levels + self.labels(facets["案件类型"]))

    def test_english_labels(self) -> None:
        facets = self.facets("en")
        self.assertIn("Statutes", self.labels(facets["Type"]))
        self.assertEqual(self.labels(facets["Case kind"]), ["Criminal"])
        self.assertIn("Typical case", self.labels(facets["Level"]))

    def test_a_law_appears_once_under_its_short_name(self) -> None:
        laws = self.facets("zh-hans")["法律"]
        self.assertEqual(self.labels(laws), ["刑法"])
        # Articles carry both names and cases the short one: the count is per
        # document, not the sum of the two names.
        self.client.force_login(self.officer)
        total = self.client.get("/search/", {"q": "盗窃"}).context["total"]
        self.assertLessEqual(laws[0]["count"], total)
        self.assertIn("law=%E5%88%91%E6%B3%95", laws[0]["url"])

    def test_law_filter_by_either_name_is_active_and_removable(self) -> None:
        for name in ("刑法", "中华人民共和国刑法"):
            laws = self.facets("zh-hans", law=name)["法律"]
            self.assertEqual(self.labels(laws), ["刑法"])
            self.assertTrue(laws[0]["active"])
            self.assertNotIn("law=", laws[0]["url"])

    def test_law_facet_link_filters_results(self) -> None:
        self.client.force_login(self.officer)
        url = self.facets("zh-hans")["法律"][0]["url"]
        response = self.client.get(f"/search/{url}")
        self.assertEqual(response.status_code, 200)
        self.assertGreater(response.context["total"], 0)


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
class ModelWarmUpTests(ClassIndexMixin, BaseTestCase):
    def test_empty_search_page_loads_the_model_once_in_the_background(self) -> None:
        embeddings.forget_encoders()
        self.addCleanup(setattr, views, "_warm_started", views._warm_started)
        views._warm_started = False
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get("/search/").status_code, 200)
        warmers = [t for t in threading.enumerate() if t.name == "search-model-warmup"]
        self.assertEqual(len(warmers), 1)
        warmers[0].join(120)
        self.assertIn(str(embeddings.configured_model_path()), embeddings._encoders)
        # A second render starts nothing.
        self.client.get("/search/")
        self.assertFalse(
            [t for t in threading.enumerate() if t.name == "search-model-warmup"]
        )
