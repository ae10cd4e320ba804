"""The same contract on Elasticsearch 9 (``elasticsearch`` client, ``elasticsearch.dsl``).

* One index per document type behind an alias ``<prefix><doc_type>``; a rebuild fills a
  new concrete index and swaps the alias in one atomic ``_aliases`` call.
* Chinese text is tokenized by ``search.text`` (the very tokens the embedded engine
  uses) and stored pre-tokenized in ``*_tokens`` fields with the built-in
  ``whitespace`` analyzer, so no analyzer plugin is needed on the cluster.
* Vectors go in a ``dense_vector`` field (cosine, HNSW). BM25 and kNN are queried
  separately, with the same filters inside each query, and fused client-side by
  ``search.fusion`` so both engines rank alike.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core import checks

import elasticsearch
from elasticsearch import Elasticsearch, helpers
from elasticsearch.dsl import (
    Boolean,
    DenseVector,
    Integer,
    Keyword,
    Mapping,
    Object,
    Q,
    Search,
    Text,
)

from .. import embeddings, fusion, highlight
from ..text import join_tokens, required_words, tokenize, tokenize_fields
from .base import (
    FILTER_FIELDS,
    INTEGER_FILTERS,
    BaseSearchBackend,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    document_date,
)
from .embedded import MIN_SIMILARITY

UNREACHABLE = (
    "Elasticsearch at {urls} is not reachable: {error}. Until it is, the search page, "
    'the search API and case linking answer 503 ("service unavailable") and index '
    "updates wait in the queue (search.IndexState) to be retried."
)
UNREACHABLE_HINT = (
    "Check ELASTICSEARCH_URL (scheme, host, port, credentials) and that the cluster "
    "runs; then `manage.py check` again."
)
WRONG_VERSION = (
    "Elasticsearch at {urls} runs version {version}; this client (elasticsearch 9) "
    "needs an Elasticsearch 9 cluster."
)
API_FAILED = "Elasticsearch at {urls} answered {status}: {error}"

logger = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])


def _unavailable_on_failure(method: _F) -> _F:
    """Turn a transport failure (connection refused, timeout, DNS) or a server-side
    failure (5xx, e.g. no shard available) into ``SearchUnavailable``, so pages and the
    API answer 503 with a clear message instead of a 500. Client errors (4xx) are bugs
    in the request and are raised as they are."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except elasticsearch.TransportError as e:
            logger.warning("Elasticsearch unreachable in %s: %s", method.__name__, e)
            raise SearchUnavailable(UNREACHABLE.format(urls=self.urls, error=e)) from e
        except elasticsearch.ApiError as e:
            if int(getattr(e, "status_code", 0) or 0) < 500:
                raise
            logger.warning("Elasticsearch failed in %s: %s", method.__name__, e)
            raise SearchUnavailable(
                API_FAILED.format(urls=self.urls, status=e.status_code, error=e)
            ) from e

    return wrapper  # type: ignore[return-value]


def _field(name: str) -> str:
    return f"f_{name}"


class ElasticsearchSearchBackend(BaseSearchBackend):
    """BM25 over pre-tokenized fields plus kNN on ``dense_vector``, fused client-side."""

    supports_facets = True
    supports_semantic = True

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.urls = self.params.get("URLS") or ["http://localhost:9200"]
        self.timeout = int(self.params.get("TIMEOUT", 10))
        self.refresh = bool(self.params.get("REFRESH", False))
        self.model_path = self.params.get("MODEL")
        self.semantic_enabled = bool(self.params.get("SEMANTIC", True))
        options = dict(self.params.get("OPTIONS") or {})
        self.client = Elasticsearch(self.urls, request_timeout=self.timeout, **options)

    # Names and mapping ---------------------------------------------------------------

    def index_alias(self, doc_type: str) -> str:
        return f"{self.index_prefix}{doc_type}"

    def encoder(self) -> embeddings.Encoder | None:
        if not self.semantic_enabled:
            return None
        return embeddings.get_encoder_or_none(self.model_path)

    def mapping(self, dims: int | None) -> Mapping:
        """Return the mapping of one document-type index."""
        m = Mapping()
        m.field("doc_type", Keyword())
        m.field("id", Keyword())
        m.field("source_id", Keyword())
        m.field("url", Keyword(index=False))
        m.field("title", Text(index=False))
        m.field("body", Text(index=False))
        m.field("title_tokens", Text(analyzer="whitespace"))
        m.field("body_tokens", Text(analyzer="whitespace"))
        for name in FILTER_FIELDS:
            m.field(_field(name), Integer() if name in INTEGER_FILTERS else Keyword())
        m.field("restricted", Boolean())
        m.field("allowed_units", Integer())
        m.field("filters", Object(enabled=False))
        m.field("extra", Object(enabled=False))
        m.field("model", Keyword())
        m.field("sort_date", Keyword())
        if dims:
            m.field("vector", DenseVector(dims=dims, index=True, similarity="cosine"))
        return m

    def _create_index(self, doc_type: str, dims: int | None) -> str:
        name = f"{self.index_alias(doc_type)}_{time.strftime('%Y%m%d%H%M%S')}_{time.time_ns() % 1_000_000:06d}"
        self.client.indices.create(
            index=name,
            settings={
                "number_of_shards": 1,
                "number_of_replicas": int(self.params.get("REPLICAS", 0)),
            },
            mappings=self.mapping(dims).to_dict(),
        )
        return name

    def _ensure_index(self, doc_type: str, dims: int | None) -> None:
        if not self.client.indices.exists_alias(name=self.index_alias(doc_type)):
            name = self._create_index(doc_type, dims)
            self.client.indices.put_alias(index=name, name=self.index_alias(doc_type))

    # Writing -------------------------------------------------------------------------

    def _sources(self, docs: list[SearchDocument]) -> list[dict[str, Any]]:
        encoder = self.encoder()
        vectors = (
            embeddings.encode_documents(encoder, [d.embedding_text() for d in docs])
            if encoder and docs
            else None
        )
        out = []
        for i, doc in enumerate(docs):
            # Each text segmented once: the body field holds the title's tokens too.
            title_tokens, body_tokens = tokenize_fields(doc.title, doc.body)
            source: dict[str, Any] = {
                "doc_type": doc.doc_type,
                "id": str(doc.id),
                "source_id": doc.source_id,
                "url": doc.url,
                "title": doc.title,
                "body": doc.body,
                "title_tokens": join_tokens(title_tokens),
                "body_tokens": join_tokens([*title_tokens, *body_tokens]),
                "restricted": doc.restricted,
                "allowed_units": [int(u) for u in doc.allowed_units],
                "filters": doc.filters,
                "extra": doc.extra,
                "sort_date": document_date(doc.filters, doc.extra),
            }
            for name in FILTER_FIELDS:
                values = doc.filter_values(name)
                if values:
                    source[_field(name)] = (
                        [int(v) for v in values]
                        if name in INTEGER_FILTERS
                        else [str(v) for v in values]
                    )
            if vectors is not None and encoder is not None:
                source["vector"] = vectors[i].tolist()
                source["model"] = encoder.fingerprint
            out.append(source)
        return out

    def _bulk(self, index: str, docs: list[SearchDocument]) -> None:
        actions = (
            {"_index": index, "_id": s["id"], "_source": s} for s in self._sources(docs)
        )
        helpers.bulk(
            self.client, actions, refresh="wait_for" if self.refresh else False
        )

    def _dims(self) -> int | None:
        encoder = self.encoder()
        return encoder.dimension if encoder is not None else None

    @_unavailable_on_failure
    def add_bulk(self, docs: Iterable[SearchDocument]) -> None:
        by_type: dict[str, list[SearchDocument]] = {}
        for doc in docs:
            by_type.setdefault(doc.doc_type, []).append(doc)
        for doc_type, group in by_type.items():
            self._ensure_index(doc_type, self._dims())
            self._bulk(self.index_alias(doc_type), group)

    @_unavailable_on_failure
    def delete(self, doc_type: str, ids: Iterable[str]) -> None:
        ids = [str(i) for i in ids]
        if not ids or not self.client.indices.exists_alias(
            name=self.index_alias(doc_type)
        ):
            return
        actions = (
            {"_op_type": "delete", "_index": self.index_alias(doc_type), "_id": i}
            for i in ids
        )
        # Deleting what is not there is fine (idempotent tasks).
        helpers.bulk(
            self.client,
            actions,
            raise_on_error=False,
            refresh="wait_for" if self.refresh else False,
        )

    @_unavailable_on_failure
    def apply(
        self,
        doc_type: str,
        docs: Iterable[SearchDocument],
        *,
        deleted: Iterable[str] = (),
    ) -> None:
        """Index ``docs`` and remove ``deleted`` in one ``helpers.bulk`` request stream."""
        docs = list(docs)
        deleted = [str(i) for i in deleted]
        if not docs and not deleted:
            return
        if not docs and not self.client.indices.exists_alias(
            name=self.index_alias(doc_type)
        ):
            return
        index = self.index_alias(doc_type)
        if docs:
            self._ensure_index(doc_type, self._dims())
        actions: list[dict[str, Any]] = [
            {"_index": index, "_id": s["id"], "_source": s} for s in self._sources(docs)
        ]
        actions += [{"_op_type": "delete", "_index": index, "_id": i} for i in deleted]
        _, errors = helpers.bulk(
            self.client,
            actions,
            raise_on_error=False,
            refresh="wait_for" if self.refresh else False,
        )
        # Deleting what is not there is fine (idempotent tasks); anything else is not.
        failed = [
            e
            for e in errors  # type: ignore[union-attr]
            if not (e.get("delete") and e["delete"].get("status") == 404)
        ]
        if failed:
            raise helpers.BulkIndexError(f"{len(failed)} document(s) failed.", failed)

    @_unavailable_on_failure
    def reset(self, doc_type: str | None = None) -> None:
        types = [doc_type] if doc_type else self.doc_types()
        for t in types:
            self.rebuild(t, [])

    @_unavailable_on_failure
    def rebuild(
        self, doc_type: str, docs: Iterable[SearchDocument], *, progress: Any = None
    ) -> int:
        """Fill a new index, then point the alias at it and drop the old one."""
        name = self._create_index(doc_type, self._dims())
        count, batch = 0, []
        try:
            for doc in docs:
                batch.append(doc)
                if len(batch) >= 500:
                    self._bulk(name, batch)
                    count += len(batch)
                    if progress is not None:
                        progress(len(batch))
                    batch = []
            if batch:
                self._bulk(name, batch)
                count += len(batch)
                if progress is not None:
                    progress(len(batch))
            self.client.indices.refresh(index=name)
        except BaseException:
            # The alias still points at the complete old index: searches go on as
            # before. Drop the half-filled new one (best effort: the cluster may be gone).
            with contextlib.suppress(
                elasticsearch.ApiError, elasticsearch.TransportError
            ):
                self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        alias = self.index_alias(doc_type)
        old = (
            list(self.client.indices.get_alias(name=alias).keys())
            if self.client.indices.exists_alias(name=alias)
            else []
        )
        actions: list[dict[str, Any]] = [
            {"remove": {"index": i, "alias": alias}} for i in old
        ]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for i in old:
            self.client.indices.delete(index=i, ignore_unavailable=True)
        return count

    # Reading -------------------------------------------------------------------------

    @_unavailable_on_failure
    def doc_types(self) -> list[str]:
        aliases = self.client.indices.get_alias(
            name=f"{self.index_prefix}*", ignore_unavailable=True
        )
        names = {a for info in aliases.values() for a in info.get("aliases", {})}
        return sorted(
            n[len(self.index_prefix) :]
            for n in names
            if n.startswith(self.index_prefix)
        )

    @_unavailable_on_failure
    def count(self, doc_type: str) -> int:
        if not self.client.indices.exists_alias(name=self.index_alias(doc_type)):
            return 0
        self.client.indices.refresh(index=self.index_alias(doc_type))
        return int(self.client.count(index=self.index_alias(doc_type))["count"])

    @_unavailable_on_failure
    def get(self, doc_type: str, doc_id: str) -> SearchDocument | None:
        try:
            source = self.client.get(index=self.index_alias(doc_type), id=str(doc_id))[
                "_source"
            ]
        except elasticsearch.NotFoundError:
            return None
        return SearchDocument(
            doc_type=source["doc_type"],
            id=source["id"],
            title=source["title"],
            body=source.get("body", ""),
            source_id=source.get("source_id", ""),
            url=source.get("url", ""),
            filters=source.get("filters") or {},
            restricted=source.get("restricted", False),
            allowed_units=source.get("allowed_units") or [],
            extra=source.get("extra") or {},
        )

    def filter_clauses(self, query: SearchQuery) -> list[Q]:
        """Return the filter clauses shared by the BM25 and the kNN request."""
        clauses = [
            Q("terms", **{_field(name): values})
            for name, values in query.clean_filters().items()
        ]
        if query.viewer_units is not None:
            # Restricted documents only for viewers in (or below) one of their units.
            clauses.append(
                Q(
                    "bool",
                    should=[
                        Q("term", restricted=False),
                        Q(
                            "terms",
                            allowed_units=sorted(int(u) for u in query.viewer_units),
                        ),
                    ],
                    minimum_should_match=1,
                )
            )
        return clauses

    def keyword_search(
        self,
        query: SearchQuery,
        indices: list[str],
        depth: int,
        tokens: list[str],
        required: list[str] | None = None,
    ) -> Search:
        """BM25 over the tokens; with ``required`` (``search.text.required_words``) a
        document must also hold one of those words (a filter: it does not score)."""
        s = Search(using=self.client, index=indices).extra(
            size=depth, track_total_hits=True
        )
        s = s.source(excludes=["vector", "title_tokens", "body_tokens"])
        if tokens:
            text = join_tokens(tokens)
            must = Q(
                "bool",
                should=[
                    Q("match", title_tokens={"query": text, "boost": 2}),
                    Q("match", body_tokens=text),
                ],
                minimum_should_match=1,
            )
        else:
            must = Q("match_all")
        filters = list(self.filter_clauses(query))
        # Only when some token is no required word (a bigram could match on its own).
        if tokens and required and set(tokens) - set(required):
            words = join_tokens(required)
            filters.append(
                Q(
                    "bool",
                    should=[
                        Q("match", title_tokens=words),
                        Q("match", body_tokens=words),
                    ],
                    minimum_should_match=1,
                )
            )
        s = s.query(Q("bool", must=[must], filter=filters))
        if query.sort == "date":
            # Every match newest first; an index built before sort_date existed sorts
            # as if undated until it is rebuilt.
            s = s.extra(track_scores=True).sort(
                {
                    "sort_date": {
                        "order": "desc",
                        "missing": "_last",
                        "unmapped_type": "keyword",
                    }
                },
                "_score",
                "id",
            )
        else:
            s = s.sort("_score", "id")
        for name in query.facets:
            s.aggs.bucket(
                f"facet_{name}",
                "terms",
                field="doc_type" if name == "type" else _field(name),
                size=50,
            )
        return s

    def knn_search(
        self, query: SearchQuery, indices: list[str], depth: int, vector: list[float]
    ) -> Search:
        s = Search(using=self.client, index=indices).extra(size=depth)
        s = s.source(excludes=["vector", "title_tokens", "body_tokens"])
        s = s.knn(
            field="vector",
            k=depth,
            num_candidates=max(100, 2 * depth),
            query_vector=vector,
            filter=[c.to_dict() for c in self.filter_clauses(query)],
            similarity=MIN_SIMILARITY,
        )
        for name in query.facets:
            s.aggs.bucket(
                f"facet_{name}",
                "terms",
                field="doc_type" if name == "type" else _field(name),
                size=50,
            )
        return s

    @_unavailable_on_failure
    def search(self, query: SearchQuery) -> SearchResults:
        query.clean_filters()
        doc_types = list(query.doc_types) or self.doc_types()
        indices = [
            self.index_alias(t)
            for t in doc_types
            if self.client.indices.exists_alias(name=self.index_alias(t))
        ]
        if not indices:
            return SearchResults(
                total=0, hits=[], facets={name: {} for name in query.facets}
            )
        tokens = list(dict.fromkeys(tokenize(query.text)))
        vector = query.vector
        if vector is None and query.mode != "keyword" and query.text.strip():
            encoder = self.encoder()
            if encoder is not None:
                vector = encoder.encode_query(query.text)
        depth = max(100, 2 * (query.offset + query.limit))
        sources: dict[tuple[str, str], dict[str, Any]] = {}
        keyword: list[tuple[tuple[str, str], float]] = []
        semantic: list[tuple[tuple[str, str], float]] = []
        total = 0
        facets_raw: dict[str, dict[str, int]] = {}
        browse = not tokens and vector is None
        if query.sort == "date":
            return self._search_by_date(query, indices, tokens)
        if query.mode in ("keyword", "hybrid") and tokens or browse:
            required = required_words(query.text) if tokens else []
            response = self.keyword_search(
                query, indices, depth, tokens, required
            ).execute()
            if required and int(response.hits.total.value) == 0:
                # No document holds any of the words: the characters decide.
                response = self.keyword_search(query, indices, depth, tokens).execute()
            total = int(response.hits.total.value)
            for hit in response.hits:
                key = (hit.meta.index, hit.meta.id)
                sources[key] = hit.to_dict()
                keyword.append((key, float(hit.meta.score or 0.0)))
            facets_raw = self._facets(response, query)
        if query.mode in ("semantic", "hybrid") and vector is not None and not browse:
            response = self.knn_search(
                query, indices, depth, [float(x) for x in vector]
            ).execute()
            seen = {k for k, _ in keyword}
            for hit in response.hits:
                key = (hit.meta.index, hit.meta.id)
                sources[key] = hit.to_dict()
                # Elasticsearch reports cosine as (1 + cos) / 2; report the cosine itself.
                semantic.append((key, 2 * float(hit.meta.score) - 1))
                if key not in seen:
                    total += 1
            if query.mode == "semantic" or not facets_raw:
                facets_raw = self._facets(response, query)
        ranked = fusion.rank(
            keyword,
            semantic,
            mode=query.mode,
            browse=browse,
            extra=lambda key: sources[key].get("extra") or {},
        )
        kw, sem = dict(keyword), dict(semantic)
        terms = highlight.query_terms(query.text) if query.highlight else []
        hits = []
        for key, score in ranked[query.offset : query.offset + query.limit]:
            src = sources[key]  # type: ignore[index]
            hits.append(
                SearchHit(
                    doc_type=src["doc_type"],
                    id=src["id"],
                    title=src["title"],
                    score=round(float(score), 6),
                    source_id=src.get("source_id", ""),
                    url=src.get("url", ""),
                    snippet=highlight.snippet(
                        src.get("body", ""), query.text, terms=terms
                    )
                    if query.highlight
                    else "",
                    keyword_score=kw.get(key),  # type: ignore[call-overload]
                    semantic_score=sem.get(key),  # type: ignore[call-overload]
                    filters=src.get("filters") or {},
                    extra=src.get("extra") or {},
                    body=src.get("body", ""),
                )
            )
        return SearchResults(total=total, hits=hits, facets=facets_raw)

    def _search_by_date(
        self, query: SearchQuery, indices: list[str], tokens: list[str]
    ) -> SearchResults:
        """Date order: the BM25 matches sorted by ``sort_date`` in the engine and paged
        there (``from``/``size``), so the whole result set is in date order. Semantic
        neighbours have no result set to sort (kNN returns the k nearest), so they take
        no part in date order."""
        required = required_words(query.text) if tokens else []
        search = self.keyword_search(query, indices, 0, tokens, required)
        search = search.extra(from_=query.offset, size=query.limit)
        response = search.execute()
        if required and int(response.hits.total.value) == 0:
            search = self.keyword_search(query, indices, 0, tokens)
            response = search.extra(from_=query.offset, size=query.limit).execute()
        terms = highlight.query_terms(query.text) if query.highlight else []
        hits = []
        for hit in response.hits:
            src = hit.to_dict()
            score = float(hit.meta.score or 0.0)
            hits.append(
                SearchHit(
                    doc_type=src["doc_type"],
                    id=src["id"],
                    title=src["title"],
                    score=round(score, 6),
                    source_id=src.get("source_id", ""),
                    url=src.get("url", ""),
                    snippet=highlight.snippet(
                        src.get("body", ""), query.text, terms=terms
                    )
                    if query.highlight
                    else "",
                    keyword_score=score,
                    filters=src.get("filters") or {},
                    extra=src.get("extra") or {},
                    body=src.get("body", ""),
                )
            )
        return SearchResults(
            total=int(response.hits.total.value),
            hits=hits,
            facets=self._facets(response, query),
        )

    def _facets(self, response: Any, query: SearchQuery) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        aggs = getattr(response, "aggregations", None)
        for name in query.facets:
            buckets = getattr(aggs, f"facet_{name}", None) if aggs is not None else None
            counts = {
                str(b.key): int(b.doc_count)
                for b in (buckets.buckets if buckets is not None else [])
            }
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return out

    def check(self) -> list[checks.CheckMessage]:
        try:
            info = self.client.info()
        except elasticsearch.ApiError as e:
            return [
                checks.Error(
                    API_FAILED.format(urls=self.urls, status=e.status_code, error=e),
                    hint=UNREACHABLE_HINT,
                    id="search.E004",
                )
            ]
        except elasticsearch.TransportError as e:
            return [
                checks.Error(
                    UNREACHABLE.format(urls=self.urls, error=e),
                    hint=UNREACHABLE_HINT,
                    id="search.E004",
                )
            ]
        version = str((info.get("version") or {}).get("number", ""))
        if version and not version.startswith("9."):
            return [
                checks.Error(
                    WRONG_VERSION.format(urls=self.urls, version=version),
                    hint="Run an Elasticsearch 9 cluster, or install the client that matches yours.",
                    id="search.E005",
                )
            ]
        return []


SearchBackend = ElasticsearchSearchBackend
