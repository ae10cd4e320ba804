"""What the Elasticsearch backend sends: request bodies captured at the HTTP edge (a
recording transport node stands in for the cluster; everything above it is real)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.test import SimpleTestCase

import elasticsearch
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse

from search.backends.base import SearchQuery, SearchUnavailable
from search.backends.elasticsearch import ElasticsearchSearchBackend

from .helpers import minilm_path, sample_documents


class RecordingNode(BaseNode):
    """Record every request; answer with the next canned response for its path."""

    requests: ClassVar[list[dict[str, Any]]] = []
    responses: ClassVar[dict[str, list[Any]]] = {}

    def perform_request(
        self, method, target, body=None, headers=None, request_timeout=None
    ):  # type: ignore[override]
        decoded: Any = None
        if body:
            text = body.decode()
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = [
                    json.loads(line) for line in text.splitlines() if line.strip()
                ]
        self.requests.append({"method": method, "target": target, "body": decoded})
        path = target.split("?")[0]
        status, payload = 200, {}
        for suffix, queue in self.responses.items():
            if path.endswith(suffix) and queue:
                status, payload = queue.pop(0)
                break
        else:
            if method == "HEAD":
                status = 200
            elif path.endswith("/_bulk"):
                payload = {"errors": False, "items": []}
            elif path.endswith("/_search"):
                payload = {
                    "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}
                }
        meta = ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders(
                {
                    "x-elastic-product": "Elasticsearch",
                    "content-type": "application/json",
                }
            ),
            duration=0.0,
            node=self.config,
        )
        return NodeApiResponse(
            meta, json.dumps(payload).encode() if method != "HEAD" else b""
        )


def search_response(
    index: str, ids: list[str], scores: list[float]
) -> tuple[int, dict[str, Any]]:
    docs = {d.id: d for d in sample_documents()}
    hits = [
        {
            "_index": index,
            "_id": i,
            "_score": s,
            "_source": {
                "doc_type": "case",
                "id": i,
                "title": docs[i].title,
                "body": docs[i].body,
                "source_id": docs[i].source_id,
            },
        }
        for i, s in zip(ids, scores, strict=True)
    ]
    return 200, {
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits},
        "aggregations": {
            "facet_charge": {"buckets": [{"key": "盗窃罪", "doc_count": 2}]}
        },
    }


class ElasticsearchRequestTests(SimpleTestCase):
    def setUp(self) -> None:
        RecordingNode.requests = []
        RecordingNode.responses = {}
        self.backend = ElasticsearchSearchBackend(
            {
                "URLS": ["http://es.invalid:9200"],
                "INDEX_PREFIX": "t_",
                "MODEL": minilm_path(),
                "OPTIONS": {"node_class": RecordingNode},
            }
        )

    def bodies(self, suffix: str) -> list[Any]:
        return [
            r["body"]
            for r in RecordingNode.requests
            if r["target"].split("?")[0].endswith(suffix)
        ]

    def test_mapping_is_pre_tokenized_with_dense_vector(self) -> None:
        mapping = self.backend.mapping(384).to_dict()["properties"]
        self.assertEqual(
            mapping["body_tokens"], {"type": "text", "analyzer": "whitespace"}
        )
        self.assertEqual(
            mapping["vector"],
            {
                "type": "dense_vector",
                "dims": 384,
                "index": True,
                "similarity": "cosine",
            },
        )
        self.assertEqual(mapping["f_year"]["type"], "integer")
        self.assertEqual(mapping["f_charge"]["type"], "keyword")

    def test_bulk_sends_our_tokens_vectors_and_unit_restriction(self) -> None:
        RecordingNode.responses = {"/_alias/t_case": [(404, {})]}
        self.backend.add_bulk(sample_documents(restricted_unit=42))
        create = next(
            r
            for r in RecordingNode.requests
            if r["method"] == "PUT" and "/_alias/" not in r["target"]
        )
        self.assertTrue(create["target"].startswith("/t_case_"))
        lines = self.bodies("/_bulk")[0]
        sources = {line["id"]: line for line in lines if "id" in line}
        self.assertIn("醉酒驾驶", sources["c2"]["body_tokens"].split())
        self.assertEqual(len(sources["c2"]["vector"]), 384)
        self.assertEqual(
            (sources["secret"]["restricted"], sources["secret"]["allowed_units"]),
            (True, [42]),
        )
        self.assertEqual(sources["c1"]["f_charge"], ["盗窃罪"])

    def test_apply_indexes_and_deletes_in_one_bulk_request(self) -> None:
        docs = [d for d in sample_documents() if d.doc_type == "case"][:2]
        self.backend.apply("case", docs, deleted=["gone-1", "gone-2"])
        bulks = self.bodies("/_bulk")
        self.assertEqual(len(bulks), 1)
        actions = [line for line in bulks[0] if "index" in line or "delete" in line]
        self.assertEqual(
            sorted((next(iter(a)), a[next(iter(a))]["_id"]) for a in actions),
            sorted(
                [("index", d.id) for d in docs]
                + [("delete", "gone-1"), ("delete", "gone-2")]
            ),
        )

    def test_restriction_and_filters_are_inside_both_queries(self) -> None:
        RecordingNode.responses = {
            "/_search": [
                search_response("t_case_1", ["c1", "c5"], [3.0, 2.0]),
                search_response("t_case_1", ["c5", "c3"], [0.9, 0.7]),
            ]
        }
        query = SearchQuery(
            text="入户盗窃",
            doc_types=["case"],
            filters={"year": [2023]},
            viewer_units=frozenset({7, 3}),
            facets=["charge"],
        )
        results = self.backend.search(query)
        keyword_body, knn_body = self.bodies("/_search")
        restriction = {
            "bool": {
                "should": [
                    {"term": {"restricted": False}},
                    {"terms": {"allowed_units": [3, 7]}},
                ],
                "minimum_should_match": 1,
            }
        }
        self.assertIn(restriction, keyword_body["query"]["bool"]["filter"])
        self.assertIn(
            {"terms": {"f_year": [2023]}}, keyword_body["query"]["bool"]["filter"]
        )
        self.assertIn(restriction, knn_body["knn"]["filter"])
        self.assertEqual(knn_body["knn"]["field"], "vector")
        self.assertEqual(len(knn_body["knn"]["query_vector"]), 384)
        self.assertIn(
            "入户盗窃",
            keyword_body["query"]["bool"]["must"][0]["bool"]["should"][1]["match"][
                "body_tokens"
            ].split(),
        )
        self.assertEqual(
            keyword_body["aggs"]["facet_charge"]["terms"]["field"], "f_charge"
        )
        # Fused client-side: c5 is high in both lists, so it comes first.
        self.assertEqual([h.id for h in results.hits][0], "c5")
        self.assertEqual(results.facets["charge"], {"盗窃罪": 2})
        self.assertIn("<mark>", results.hits[0].snippet)

    def test_trusted_caller_without_unit_scope_sends_no_restriction(self) -> None:
        self.backend.search(
            SearchQuery(
                text="盗窃", doc_types=["case"], mode="keyword", viewer_units=None
            )
        )
        body = self.bodies("/_search")[0]
        self.assertEqual(body["query"]["bool"].get("filter", []), [])

    def test_rebuild_swaps_the_alias_atomically(self) -> None:
        RecordingNode.responses = {
            "/_alias/t_case": [
                (200, {}),
                (200, {"t_case_old": {"aliases": {"t_case": {}}}}),
            ]
        }
        self.backend.rebuild("case", sample_documents()[:2])
        update = self.bodies("/_aliases")[0]
        self.assertEqual(
            update["actions"][0], {"remove": {"index": "t_case_old", "alias": "t_case"}}
        )
        self.assertTrue(update["actions"][1]["add"]["index"].startswith("t_case_"))
        deletes = [
            r["target"] for r in RecordingNode.requests if r["method"] == "DELETE"
        ]
        self.assertTrue(any(t.startswith("/t_case_old") for t in deletes))


class ElasticsearchFailureTests(SimpleTestCase):
    """Failures: a cluster that is not there (a real connection to a closed port), a
    server error, a rebuild interrupted half-way, a cluster of the wrong version."""

    def recording(self) -> ElasticsearchSearchBackend:
        RecordingNode.requests = []
        RecordingNode.responses = {}
        return ElasticsearchSearchBackend(
            {
                "URLS": ["http://es.invalid:9200"],
                "INDEX_PREFIX": "t_",
                "SEMANTIC": False,
                "OPTIONS": {"node_class": RecordingNode, "max_retries": 0},
            }
        )

    def unreachable(self) -> ElasticsearchSearchBackend:
        # Port 9 (discard) is closed here: the real transport gets "connection refused".
        return ElasticsearchSearchBackend(
            {
                "URLS": ["http://127.0.0.1:9"],
                "INDEX_PREFIX": "t_",
                "SEMANTIC": False,
                "TIMEOUT": 2,
                "OPTIONS": {"max_retries": 0},
            }
        )

    def test_unreachable_cluster_raises_search_unavailable_everywhere(self) -> None:
        backend = self.unreachable()
        calls = {
            "search": lambda: backend.search(SearchQuery(text="盗窃", mode="keyword")),
            "count": lambda: backend.count("case"),
            "get": lambda: backend.get("case", "1"),
            "add_bulk": lambda: backend.add_bulk(sample_documents()[:1]),
            "delete": lambda: backend.delete("case", ["1"]),
            "rebuild": lambda: backend.rebuild("case", sample_documents()[:1]),
        }
        for name, call in calls.items():
            with self.subTest(name), self.assertRaises(SearchUnavailable) as caught:
                call()
            self.assertIn("http://127.0.0.1:9", str(caught.exception))
            self.assertIn("503", str(caught.exception))

    def test_check_reports_an_unreachable_cluster_with_a_hint(self) -> None:
        messages = self.unreachable().check()
        self.assertEqual([m.id for m in messages], ["search.E004"])
        self.assertIn("is not reachable", messages[0].msg)
        self.assertIn("ELASTICSEARCH_URL", messages[0].hint)

    def test_check_reports_a_cluster_of_another_major_version(self) -> None:
        backend = self.recording()
        RecordingNode.responses = {"/": [(200, {"version": {"number": "8.15.0"}})]}
        messages = backend.check()
        self.assertEqual([m.id for m in messages], ["search.E005"])
        self.assertIn("8.15.0", messages[0].msg)
        RecordingNode.responses = {"/": [(200, {"version": {"number": "9.1.0"}})]}
        self.assertEqual(backend.check(), [])

    def test_server_errors_are_unavailable_but_client_errors_are_bugs(self) -> None:
        backend = self.recording()
        RecordingNode.responses = {
            "/_alias/t_case": [(200, {})],
            "/_search": [(503, {"error": "no shard available"})],
        }
        with self.assertRaises(SearchUnavailable):
            backend.search(SearchQuery(text="盗窃", doc_types=["case"], mode="keyword"))
        RecordingNode.responses = {
            "/_alias/t_case": [(200, {})],
            "/_search": [(400, {"error": "parsing_exception"})],
        }
        with self.assertRaises(elasticsearch.BadRequestError):
            backend.search(SearchQuery(text="盗窃", doc_types=["case"], mode="keyword"))

    def test_interrupted_rebuild_keeps_the_alias_and_drops_the_new_index(self) -> None:
        backend = self.recording()
        RecordingNode.responses = {"/_bulk": [(503, {"error": "cluster blocked"})]}
        with self.assertRaises(SearchUnavailable):
            backend.rebuild("case", sample_documents()[:2])
        created = [
            r["target"]
            for r in RecordingNode.requests
            if r["method"] == "PUT" and r["target"].startswith("/t_case_")
        ]
        self.assertEqual(len(created), 1)
        self.assertEqual(self.aliases_updates(), [])
        deleted = [
            r["target"] for r in RecordingNode.requests if r["method"] == "DELETE"
        ]
        self.assertEqual([d.split("?")[0] for d in deleted], [created[0].split("?")[0]])

    def test_first_rebuild_only_adds_the_alias(self) -> None:
        backend = self.recording()
        RecordingNode.responses = {"/_alias/t_case": [(404, {})]}
        backend.rebuild("case", sample_documents()[:2])
        (update,) = self.aliases_updates()
        self.assertEqual(len(update["actions"]), 1)
        self.assertEqual(update["actions"][0]["add"]["alias"], "t_case")
        self.assertFalse(any(r["method"] == "DELETE" for r in RecordingNode.requests))

    def aliases_updates(self) -> list[Any]:
        return [
            r["body"]
            for r in RecordingNode.requests
            if r["target"].split("?")[0].endswith("/_aliases")
        ]
