"""The backend contract, run against every engine (style guide section 4)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase, override_settings

from search.backends import (
    InvalidSearchBackendError,
    get_search_backend,
    reset_backends,
)
from search.backends.base import UNKNOWN_FILTER, SearchDocument, SearchQuery
from search.backends.dummy import DummySearchBackend
from search.backends.embedded import EmbeddedSearchBackend

from .helpers import minilm_path, sample_documents

UNIT = 42
# One embedding cache for the whole module: each test re-encodes nothing it saw before.
CACHE = Path(tempfile.mkdtemp(prefix="search-embcache-"))


class BackendContract:
    """Every engine must pass these. Subclasses set ``self.backend`` in setUp."""

    backend: object

    def load(self) -> None:
        self.backend.reset("case")
        self.backend.add_bulk(sample_documents(restricted_unit=UNIT))

    def ids(self, results) -> list[str]:
        return [h.id for h in results.hits]

    def test_keyword_search_finds_matching_cases_best_first(self) -> None:
        self.load()
        results = self.backend.search(
            SearchQuery(text="醉酒驾驶", doc_types=["case"], mode="keyword")
        )
        self.assertEqual(self.ids(results)[0], "c2")
        self.assertEqual(results.hits[0].source_id, "src-c2")
        self.assertEqual(results.total, 1)

    def test_date_order_sorts_every_match_not_the_top_hundred(self) -> None:
        """Issue 18: date order covered only the 100 most relevant matches. Fails
        before: SearchQuery had no ``sort``. 150 matches: the most relevant are the
        oldest, so a top-100 window would miss the newest 50."""
        self.backend.reset("case")
        docs = []
        for n in range(150):
            day = dt.date(2000, 1, 1) + dt.timedelta(days=30 * n)
            docs.append(
                SearchDocument(
                    doc_type="case",
                    id=f"d{n}",
                    title=f"案件{n}",
                    # Older cases say 盗窃 more often: more relevant.
                    body="盗窃" * (1 + (150 - n) // 10) + "。其他案情" * 5,
                    extra={"case_date": day.isoformat()},
                )
            )
        self.backend.add_bulk(docs)
        query = {"text": "盗窃", "doc_types": ["case"], "mode": "keyword"}
        best = self.backend.search(SearchQuery(**query, limit=100))
        self.assertNotIn("d149", self.ids(best))
        first = self.backend.search(SearchQuery(**query, sort="date", limit=20))
        self.assertEqual(first.total, 150)
        self.assertEqual(self.ids(first)[:3], ["d149", "d148", "d147"])
        last = self.backend.search(
            SearchQuery(**query, sort="date", limit=20, offset=140)
        )
        self.assertEqual(self.ids(last)[-1], "d0")
        self.assertEqual(len(last.hits), 10)

    def test_an_article_of_a_law_outranks_the_same_words_in_a_regulation(
        self,
    ) -> None:
        # Issue 16 (STARD): with the same text, the article of a law in force comes before
        # a regulation's and a repealed law's; before the law-level prior the three tied
        # and the ids decided (a1 first).
        text = "劳动者在试用期内提前三日通知用人单位，可以解除劳动合同。"
        self.backend.reset("article")
        self.backend.add_bulk(
            [
                SearchDocument(
                    doc_type="article",
                    id=key,
                    title="第二十条",
                    body=text,
                    extra={"law_level": level, "law_status": status},
                )
                for key, level, status in (
                    ("a1", "administrative_regulation", "current"),
                    ("a2", "law", "repealed"),
                    ("a3", "law", "current"),
                )
            ]
        )
        for mode in ("keyword", "hybrid"):
            with self.subTest(mode=mode):
                results = self.backend.search(
                    SearchQuery(
                        text="试用期解除劳动合同", doc_types=["article"], mode=mode
                    )
                )
                ids = self.ids(results)
                self.assertEqual(ids[0], "a3")
                self.assertEqual(sorted(ids), ["a1", "a2", "a3"])

    def test_fragments_of_a_word_do_not_match_another_word(self) -> None:
        # 电动车 and 机动车 share the bigram 动车; a case about a 机动车 is not a match
        # for 电动车 while some document holds the word itself.
        self.backend.reset("case")
        self.backend.add_bulk(
            [
                SearchDocument(
                    doc_type="case", id="e", title="t", body="被告人盗窃电动车一辆。"
                ),
                SearchDocument(
                    doc_type="case", id="m", title="t", body="被告人醉酒驾驶机动车。"
                ),
            ]
        )
        results = self.backend.search(
            SearchQuery(text="电动车", doc_types=["case"], mode="keyword")
        )
        self.assertEqual(self.ids(results), ["e"])
        self.assertEqual(results.total, 1)
        # A word no document holds still finds what its characters match.
        fallback = self.backend.search(
            SearchQuery(text="驾驶机动", doc_types=["case"], mode="keyword")
        )
        self.assertIn("m", self.ids(fallback))

    def test_snippet_marks_query_terms_and_escapes_html(self) -> None:
        self.backend.reset("case")
        self.backend.add_bulk(
            [
                SearchDocument(
                    doc_type="case",
                    id="x",
                    title="t",
                    body="<b>被告人</b>醉酒驾驶机动车",
                )
            ]
        )
        hit = self.backend.search(
            SearchQuery(text="醉酒驾驶", doc_types=["case"], mode="keyword")
        ).hits[0]
        self.assertIn("<mark>醉酒驾驶</mark>", hit.snippet)
        self.assertIn("&lt;b&gt;", hit.snippet)

    def test_restricted_case_hidden_from_other_units_inside_the_query(self) -> None:
        self.load()
        query = SearchQuery(
            text="盗窃",
            doc_types=["case"],
            mode="keyword",
            viewer_units=frozenset({7}),
            facets=["charge"],
        )
        results = self.backend.search(query)
        self.assertNotIn("secret", self.ids(results))
        self.assertEqual(results.total, 2)
        self.assertEqual(results.facets["charge"]["盗窃罪"], 2)

    def test_restricted_case_visible_to_its_unit(self) -> None:
        self.load()
        query = SearchQuery(
            text="盗窃",
            doc_types=["case"],
            mode="keyword",
            viewer_units=frozenset({1, UNIT}),
        )
        results = self.backend.search(query)
        self.assertIn("secret", self.ids(results))
        self.assertEqual(results.total, 3)

    def test_restricted_case_hidden_in_semantic_search(self) -> None:
        self.load()
        text = "内部通报：被告人钱某盗窃单位仓库内的电缆，价值二万元。"
        for mode in ("semantic", "hybrid"):
            results = self.backend.search(
                SearchQuery(
                    text=text, doc_types=["case"], mode=mode, viewer_units=frozenset()
                )
            )
            self.assertNotIn("secret", self.ids(results), mode)
            allowed = self.backend.search(
                SearchQuery(
                    text=text,
                    doc_types=["case"],
                    mode=mode,
                    viewer_units=frozenset({UNIT}),
                )
            )
            self.assertEqual(self.ids(allowed)[0], "secret", mode)

    def test_filters_narrow_results(self) -> None:
        self.load()
        results = self.backend.search(
            SearchQuery(
                text="被告人",
                doc_types=["case"],
                mode="keyword",
                filters={"year": 2022},
            )
        )
        self.assertEqual(sorted(self.ids(results)), ["c2", "c3"])
        results = self.backend.search(
            SearchQuery(
                text="被告人",
                doc_types=["case"],
                mode="keyword",
                filters={"charge": ["盗窃罪", "诈骗罪"]},
            )
        )
        self.assertEqual(sorted(self.ids(results)), ["c1", "c3", "c5"])

    def test_unknown_filter_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(ValueError, UNKNOWN_FILTER.split("{")[0]):
            self.backend.search(SearchQuery(text="x", filters={"colour": "red"}))

    def test_facets_count_matching_documents(self) -> None:
        self.load()
        results = self.backend.search(
            SearchQuery(
                text="被告人",
                doc_types=["case"],
                mode="keyword",
                facets=["year", "type"],
            )
        )
        self.assertEqual(results.facets["year"]["2022"], 2)
        self.assertEqual(results.facets["type"]["case"], 6)

    def test_pagination_is_stable(self) -> None:
        self.load()
        full = self.ids(
            self.backend.search(
                SearchQuery(text="被告人", doc_types=["case"], mode="keyword", limit=10)
            )
        )
        page2 = self.ids(
            self.backend.search(
                SearchQuery(
                    text="被告人", doc_types=["case"], mode="keyword", limit=2, offset=2
                )
            )
        )
        self.assertEqual(page2, full[2:4])

    def test_semantic_search_ranks_the_same_text_first(self) -> None:
        self.load()
        text = sample_documents()[3].embedding_text()
        results = self.backend.search(
            SearchQuery(text=text, doc_types=["case"], mode="semantic")
        )
        self.assertEqual(self.ids(results)[0], "c4")
        self.assertGreater(results.hits[0].semantic_score, 0.99)

    def test_hybrid_search_fuses_both_rankings(self) -> None:
        self.load()
        results = self.backend.search(
            SearchQuery(text="入户盗窃 撬锁", doc_types=["case"], mode="hybrid")
        )
        self.assertEqual(self.ids(results)[0], "c5")
        self.assertIsNotNone(results.hits[0].keyword_score)

    def test_add_replaces_and_delete_removes(self) -> None:
        self.load()
        doc = sample_documents()[0]
        doc.body = "被告人张某抢夺路人手机。"
        self.backend.add(doc)
        self.assertEqual(
            self.backend.search(
                SearchQuery(text="自行车", doc_types=["case"], mode="keyword")
            ).total,
            0,
        )
        self.assertEqual(
            self.ids(
                self.backend.search(
                    SearchQuery(text="抢夺", doc_types=["case"], mode="keyword")
                )
            ),
            ["c1"],
        )
        self.backend.delete("case", ["c1", "never-indexed"])
        self.backend.delete("case", ["c1"])  # twice is harmless
        self.assertEqual(
            self.backend.search(
                SearchQuery(text="抢夺", doc_types=["case"], mode="keyword")
            ).total,
            0,
        )
        self.assertEqual(self.backend.count("case"), 6)

    def test_rebuild_replaces_everything(self) -> None:
        self.load()
        count = self.backend.rebuild("case", sample_documents()[:2])
        self.assertEqual(count, 2)
        self.assertEqual(self.backend.count("case"), 2)
        self.assertIsNone(self.backend.get("case", "c3"))
        self.assertEqual(self.backend.get("case", "c2").title, "醉酒驾驶机动车案")

    def test_search_of_empty_index_returns_nothing(self) -> None:
        self.backend.reset("case")
        results = self.backend.search(SearchQuery(text="盗窃", doc_types=["case"]))
        self.assertEqual((results.total, results.hits), (0, []))


class EmbeddedBackendTests(BackendContract, SimpleTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="search-test-"))
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.backend = EmbeddedSearchBackend(
            {
                "PATH": self.dir,
                "MODEL": minilm_path(),
                "COMPACT_AT": 3,
                "EMBEDDING_CACHE": CACHE,
            }
        )

    def test_new_version_is_seen_by_another_process_without_restart(self) -> None:
        self.load()
        other = EmbeddedSearchBackend({"PATH": self.dir, "MODEL": minilm_path()})
        self.assertEqual(
            other.search(
                SearchQuery(text="抢夺", doc_types=["case"], mode="keyword")
            ).total,
            0,
        )
        doc = SearchDocument(
            doc_type="case", id="n1", title="抢夺案", body="被告人抢夺手机"
        )
        self.backend.add(doc)
        self.assertEqual(
            other.search(
                SearchQuery(text="抢夺", doc_types=["case"], mode="keyword")
            ).total,
            1,
        )

    def test_delta_segment_compacts_and_keeps_vectors(self) -> None:
        self.load()
        for i in range(4):
            self.backend.add(
                SearchDocument(
                    doc_type="case", id=f"n{i}", title=f"新案{i}", body=f"抢夺手机{i}部"
                )
            )
        manifest = self.backend._read_manifest("case")
        self.assertIsNone(manifest["delta"])  # compacted past COMPACT_AT
        self.backend.add(
            SearchDocument(doc_type="case", id="n9", title="新案9", body="抢夺手机")
        )
        self.backend.delete("case", ["c2"])
        manifest = self.backend._read_manifest("case")
        self.assertIsNotNone(manifest["delta"])
        self.assertIn("c2", manifest["tombstones"])
        self.backend.compact("case")
        manifest = self.backend._read_manifest("case")
        self.assertEqual((manifest["delta"], manifest["tombstones"]), (None, []))
        self.assertEqual(self.backend.count("case"), 11)
        text = sample_documents()[3].embedding_text()
        self.assertEqual(
            self.backend.search(
                SearchQuery(text=text, doc_types=["case"], mode="semantic")
            )
            .hits[0]
            .id,
            "c4",
        )

    def test_without_a_model_search_falls_back_to_keywords(self) -> None:
        backend = EmbeddedSearchBackend(
            {"PATH": self.dir / "nomodel", "MODEL": self.dir / "missing"}
        )
        backend.add_bulk(sample_documents())
        results = backend.search(
            SearchQuery(text="醉酒驾驶", doc_types=["case"], mode="hybrid")
        )
        self.assertEqual(results.hits[0].id, "c2")


class DummyBackendTests(SimpleTestCase):
    def test_records_calls(self) -> None:
        backend = DummySearchBackend({})
        backend.add_bulk(sample_documents()[:1])
        backend.delete("case", ["c1"])
        self.assertEqual(
            backend.calls, [("add", ("case", "c1")), ("delete", ("case", "c1"))]
        )


class LoaderTests(SimpleTestCase):
    def tearDown(self) -> None:
        reset_backends()

    def test_unknown_alias_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(
            InvalidSearchBackendError, "'nope' is not in SEARCH_BACKENDS"
        ):
            get_search_backend("nope")

    @override_settings(
        SEARCH_BACKENDS={"default": {"BACKEND": "search.backends.nowhere"}}
    )
    def test_unimportable_backend_is_a_clear_error(self) -> None:
        with self.assertRaises(InvalidSearchBackendError):
            get_search_backend()

    @override_settings(
        SEARCH_BACKENDS={"default": {"BACKEND": "search.backends.dummy"}}
    )
    def test_module_path_loads_its_search_backend(self) -> None:
        self.assertIsInstance(get_search_backend(), DummySearchBackend)
        self.assertIs(get_search_backend(), get_search_backend())


@skipUnless(os.environ.get("ELASTICSEARCH_URL"), "ELASTICSEARCH_URL is not set")
class ElasticsearchBackendTests(BackendContract, SimpleTestCase):
    def setUp(self) -> None:
        from search.backends.elasticsearch import ElasticsearchSearchBackend

        self.backend = ElasticsearchSearchBackend(
            {
                "URLS": [os.environ["ELASTICSEARCH_URL"]],
                "INDEX_PREFIX": "test_contract_",
                "MODEL": minilm_path(),
                "REFRESH": True,
            }
        )
