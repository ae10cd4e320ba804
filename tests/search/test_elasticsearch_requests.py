"""What the Elasticsearch backend sends: request bodies captured at the HTTP edge (a
recording transport node stands in for the cluster; everything above it is real)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.test import SimpleTestCase

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse

from search.backends.base import SearchQuery
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
