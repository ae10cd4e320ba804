"""The default engine: runs in-process, stores its index as files, needs no service.

Per document type, under ``PATH/<doc_type>/``::

    manifest.json        {"version", "base", "delta", "tombstones", ...} replaced atomically
    seg-<n>-<random>/    immutable segments: docs.json, tokens.json, bm25/ (bm25s), vectors.npy

A *base* segment holds most documents; small changes go to a *delta* segment that is
rewritten whole (it stays small), with the base's replaced or deleted ids listed as
tombstones. When the delta grows past ``COMPACT_AT`` documents (or a tenth of the base),
both are compacted into a new base from the stored tokens and vectors, without
re-tokenizing or re-encoding. Every write builds new files in a temporary folder,
fsyncs and renames them, then replaces the manifest: readers in any process compare the
manifest's inode and mtime on each query (one ``stat``) and load the new version, so
web and worker processes never need a restart. Writers take a file lock per type.

Filters, including the unit restriction of restricted documents, are boolean masks
applied to BM25 scores and vector similarities before ranking, so totals, facets and
pages only ever count what the caller may see.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

import numpy as np

from .. import embeddings, fusion, highlight
from ..text import current_segmenter, required_words, tokenize, tokenize_document
from .base import (
    FILTER_FIELDS,
    BaseSearchBackend,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    document_date,
)

logger = logging.getLogger(__name__)

FORMAT = 1
COMPACT_AT = 2000
GC_GRACE_SECONDS = 120
# Documents below this cosine similarity do not count as semantic matches (totals,
# facets). Vectors still rank everything above it.
MIN_SIMILARITY = 0.25
# BM25 over at most this many distinct query terms (the rarest ones).
MAX_QUERY_TERMS = 64

INDEX_PATH_MISSING = (
    "The embedded search backend needs a PATH (a folder for its index files)."
)


def load_bm25s() -> Any:
    """Import bm25s, undoing its ``logger.setLevel(DEBUG)``: it runs on first import,
    after Django configured logging, and would print a DEBUG line per index build."""
    import bm25s

    level = (
        getattr(settings, "LOGGING", {})
        .get("loggers", {})
        .get("bm25s", {})
        .get("level")
    )
    logging.getLogger("bm25s").setLevel(level or logging.WARNING)
    return bm25s


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


_STORED_FIELDS = tuple(
    name for name in SearchDocument.__dataclass_fields__ if name != "semantic_text"
)


def _doc_to_dict(doc: SearchDocument) -> dict[str, Any]:
    # Shallow: the row is serialised right away (``asdict`` deep-copies every nested
    # value, a quarter of the cost of writing a segment).
    return {name: getattr(doc, name) for name in _STORED_FIELDS}


def _doc_from_dict(data: dict[str, Any]) -> SearchDocument:
    return SearchDocument(
        **{k: v for k, v in data.items() if k in SearchDocument.__dataclass_fields__}
    )


class Segment:
    """An immutable, loaded segment: documents, BM25 index, vectors and filter maps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta = json.loads((path / "meta.json").read_text())
        self.docs: list[dict[str, Any]] = json.loads(
            (path / "docs.json").read_text(encoding="utf-8")
        )
        self.n = len(self.docs)
        self.row_of = {d["id"]: i for i, d in enumerate(self.docs)}
        self.bm25 = None
        if self.n and (path / "bm25").exists():
            bm25s = load_bm25s()
            self.bm25 = bm25s.BM25.load(
                str(path / "bm25"), mmap=True, show_progress=False, verbosity=0
            )
        self.vectors: np.ndarray | None = None
        if (path / "vectors.npy").exists():
            # A plain ndarray view of the memory map: np.memmap arithmetic is slow.
            self.vectors = np.asarray(np.load(path / "vectors.npy", mmap_mode="r"))
        self.model: str | None = self.meta.get("model")
        self.restricted = np.array(
            [bool(d.get("restricted")) for d in self.docs], dtype=bool
        )
        self.postings: dict[str, dict[Any, np.ndarray]] = {}
        for name in (*FILTER_FIELDS, "_units"):
            values: dict[Any, list[int]] = {}
            for row, d in enumerate(self.docs):
                raw = (
                    d.get("allowed_units")
                    if name == "_units"
                    else d.get("filters", {}).get(name)
                )
                if raw is None or raw == "":
                    continue
                for value in raw if isinstance(raw, list) else [raw]:
                    if value is None or value == "":
                        continue
                    key = int(value) if name in ("year", "_units") else str(value)
                    values.setdefault(key, []).append(row)
            self.postings[name] = {
                k: np.array(v, dtype=np.int64) for k, v in values.items()
            }

    def date_keys(self) -> list[str]:
        """Each row's ``document_date`` (computed once per loaded segment)."""
        keys = getattr(self, "_date_keys", None)
        if keys is None:
            keys = [document_date(d.get("filters"), d.get("extra")) for d in self.docs]
            self._date_keys = keys
        return keys

    def tokens(self) -> list[list[str]]:
        return [
            line.split(" ") if line else []
            for line in json.loads(
                (self.path / "tokens.json").read_text(encoding="utf-8")
            )
        ]

    def mask(
        self,
        filters: dict[str, list[Any]],
        viewer_units: frozenset[int] | None,
        dead: set[str],
    ) -> np.ndarray:
        """Return the rows this query may return."""
        mask = np.ones(self.n, dtype=bool)
        for name, wanted in filters.items():
            allowed = np.zeros(self.n, dtype=bool)
            for value in wanted:
                rows = self.postings.get(name, {}).get(value)
                if rows is not None:
                    allowed[rows] = True
            mask &= allowed
        if viewer_units is not None:
            unit_ok = ~self.restricted
            for unit_id in viewer_units:
                rows = self.postings["_units"].get(int(unit_id))
                if rows is not None:
                    unit_ok[rows] = True
            mask &= unit_ok
        for doc_id in dead:
            row = self.row_of.get(doc_id)
            if row is not None:
                mask[row] = False
        return mask

    def keyword_scores(
        self, query_tokens: list[str], required: list[str] | None = None
    ) -> np.ndarray:
        """Return BM25 scores for every row (bm25s's precomputed per-token scores, summed
        with one ``bincount``: much faster than ``np.add.at`` on long queries).

        With ``required`` (the query's words, ``search.text.required_words``), a row
        scores only if it holds one of them, when any row of the segment does: character
        bigrams then add to the score of a match but never make one (电动车 ≠ 机动车)."""
        if self.bm25 is None or not query_tokens:
            return np.zeros(self.n, dtype=np.float32)
        vocab = self.bm25.vocab_dict
        scores = self._bm25_sum(query_tokens, vocab)
        required_ids = sorted({vocab[t] for t in required or [] if t in vocab})
        if required_ids:
            indptr = self.bm25.scores["indptr"]
            indices = self.bm25.scores["indices"]
            holds = np.zeros(self.n, dtype=bool)
            for i in required_ids:
                holds[indices[int(indptr[i]) : int(indptr[i + 1])]] = True
            scores[~holds] = 0.0
        return scores

    def _bm25_sum(self, query_tokens: list[str], vocab: dict[str, int]) -> np.ndarray:
        ids = sorted({vocab[t] for t in query_tokens if t in vocab})
        if not ids:
            return np.zeros(self.n, dtype=np.float32)
        scores = self.bm25.scores
        indptr = scores["indptr"]
        if len(ids) > MAX_QUERY_TERMS:
            # Long descriptions: keep the rarest terms (highest IDF); the common ones
            # add little to the ranking and most of the cost.
            df = np.asarray([indptr[i + 1] - indptr[i] for i in ids])
            ids = [ids[i] for i in np.argsort(df, kind="stable")[:MAX_QUERY_TERMS]]
        starts = [int(indptr[i]) for i in ids]
        ends = [int(indptr[i + 1]) for i in ids]
        rows = np.concatenate(
            [scores["indices"][a:b] for a, b in zip(starts, ends, strict=True)]
        )
        weights = np.concatenate(
            [scores["data"][a:b] for a, b in zip(starts, ends, strict=True)]
        )
        return np.bincount(rows, weights=weights, minlength=self.n).astype(np.float32)

    def semantic_scores(self, vector: np.ndarray) -> np.ndarray:
        assert self.vectors is not None  # noqa: S101 - callers check
        return np.asarray(
            self.vectors @ vector.astype(self.vectors.dtype), dtype=np.float32
        )


@dataclass
class IndexState:
    """The loaded version of one document type."""

    stamp: tuple[int, int, int]
    manifest: dict[str, Any]
    segments: list[Segment] = field(default_factory=list)
    # Per segment: ids hidden in it (tombstones apply to the base only).
    dead: list[set[str]] = field(default_factory=list)


def _top(
    scores: np.ndarray, mask: np.ndarray, depth: int, *, positive: bool
) -> tuple[np.ndarray, int]:
    """Return the rows of the ``depth`` best masked scores (best first) and how many
    rows match at all."""
    valid = mask & (scores > 0) if positive else mask & (scores >= MIN_SIMILARITY)
    count = int(valid.sum())
    if count == 0:
        return np.zeros(0, dtype=np.int64), 0
    rows = np.flatnonzero(valid)
    values = scores[rows]
    if len(rows) > depth:
        part = np.argpartition(-values, depth - 1)[:depth]
        rows, values = rows[part], values[part]
    order = np.lexsort((rows, -values))
    return rows[order], count


class EmbeddedSearchBackend(BaseSearchBackend):
    """BM25 (bm25s) over our Chinese tokens plus exact nearest neighbours over a
    memory-mapped numpy matrix, fused by ``search.fusion``."""

    supports_facets = True
    supports_semantic = True

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        path = self.params.get("PATH") or getattr(settings, "SEARCH_INDEX_DIR", None)
        if not path:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(INDEX_PATH_MISSING)
        self.path = Path(path)
        self.model_path: Path | None = (
            Path(self.params["MODEL"]) if self.params.get("MODEL") else None
        )
        self.semantic_enabled: bool = bool(self.params.get("SEMANTIC", True))
        self.compact_at = int(self.params.get("COMPACT_AT", COMPACT_AT))
        self.vector_dtype = np.dtype(self.params.get("VECTOR_DTYPE", "float32"))
        # Where encoded documents are cached by content hash (the index folder by default).
        self.cache_dir = Path(self.params.get("EMBEDDING_CACHE") or self.path)
        self._states: dict[str, IndexState] = {}
        self._lock = threading.Lock()

    # Encoder -------------------------------------------------------------------------

    def encoder(self) -> embeddings.Encoder | None:
        if not self.semantic_enabled:
            return None
        if self.params.get("ENCODER") is not None:
            # An encoder object given directly (benchmarks, offline builds).
            return self.params["ENCODER"]  # type: ignore[no-any-return]
        return embeddings.get_encoder_or_none(self.model_path)

    # Files ---------------------------------------------------------------------------

    def _type_dir(self, doc_type: str) -> Path:
        if not doc_type or "/" in doc_type or doc_type.startswith("."):
            raise ValueError(f"Invalid document type {doc_type!r}.")
        return self.path / doc_type

    @contextlib.contextmanager
    def _write_lock(self, doc_type: str) -> Iterator[None]:
        directory = self._type_dir(doc_type)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_manifest(self, doc_type: str) -> dict[str, Any]:
        path = self._type_dir(doc_type) / "manifest.json"
        try:
            return dict(json.loads(path.read_text()))
        except FileNotFoundError:
            return {
                "format": FORMAT,
                "version": 0,
                "base": None,
                "delta": None,
                "tombstones": [],
            }

    def _write_manifest(self, doc_type: str, manifest: dict[str, Any]) -> None:
        directory = self._type_dir(doc_type)
        manifest = {**manifest, "format": FORMAT, "updated_at": time.time()}
        tmp = directory / f".manifest-{uuid.uuid4().hex}.json"
        _write_file(tmp, json.dumps(manifest, ensure_ascii=False).encode())
        os.replace(tmp, directory / "manifest.json")
        _fsync_dir(directory)
        self._collect_garbage(doc_type, manifest)

    def _collect_garbage(self, doc_type: str, manifest: dict[str, Any]) -> None:
        keep = {manifest.get("base"), manifest.get("delta")}
        now = time.time()
        for child in self._type_dir(doc_type).iterdir():
            if not child.is_dir() or child.name in keep:
                continue
            if not (child.name.startswith("seg-") or child.name.startswith(".tmp-")):
                continue
            # Another process may still be loading an older version: leave it a while.
            if now - child.stat().st_mtime > GC_GRACE_SECONDS:
                shutil.rmtree(child, ignore_errors=True)

    def _write_segment(
        self,
        doc_type: str,
        version: int,
        docs: Sequence[dict[str, Any]],
        tokens: Sequence[Sequence[str]],
        vectors: np.ndarray | None,
        model: str | None,
    ) -> str:
        """Write a segment atomically and return its folder name."""
        bm25s = load_bm25s()

        directory = self._type_dir(doc_type)
        name = f"seg-{version:08d}-{uuid.uuid4().hex[:8]}"
        tmp = directory / f".tmp-{name}"
        tmp.mkdir(parents=True)
        _write_file(
            tmp / "docs.json",
            json.dumps(list(docs), ensure_ascii=False).encode("utf-8"),
        )
        _write_file(
            tmp / "tokens.json",
            json.dumps([" ".join(t) for t in tokens], ensure_ascii=False).encode(
                "utf-8"
            ),
        )
        if docs:
            retriever = bm25s.BM25()
            # An empty token list still needs a row: give it a token nothing matches.
            retriever.index(
                [list(t) or ["\u0000"] for t in tokens], show_progress=False
            )
            retriever.save(str(tmp / "bm25"), show_progress=False)
        if vectors is not None and len(docs):
            with open(tmp / "vectors.npy", "wb") as f:
                np.save(f, np.ascontiguousarray(vectors, dtype=self.vector_dtype))
                f.flush()
                os.fsync(f.fileno())
        meta = {
            "count": len(docs),
            "model": model if vectors is not None else None,
            "segmenter": current_segmenter(),
            "created_at": time.time(),
        }
        _write_file(tmp / "meta.json", json.dumps(meta).encode())
        for file in (tmp / "bm25").glob("*") if (tmp / "bm25").exists() else []:
            with open(file, "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, directory / name)
        _fsync_dir(directory)
        return name

    def _prepare(
        self, docs: Sequence[SearchDocument]
    ) -> tuple[list[dict[str, Any]], list[list[str]], np.ndarray | None, str | None]:
        rows = [_doc_to_dict(d) for d in docs]
        tokens = [tokenize_document(d.title, d.body) for d in docs]
        encoder = self.encoder()
        vectors = None
        model = None
        if encoder is not None:
            vectors = embeddings.encode_documents(
                encoder, [d.embedding_text() for d in docs], cache_dir=self.cache_dir
            )
            model = encoder.fingerprint
        return rows, tokens, vectors, model

    # Reading -------------------------------------------------------------------------

    def _state(self, doc_type: str) -> IndexState | None:
        """Return the current version of ``doc_type`` (reloading when the manifest changed)."""
        manifest_path = self._type_dir(doc_type) / "manifest.json"
        for _attempt in range(3):
            try:
                st = os.stat(manifest_path)
            except FileNotFoundError:
                return None
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            state = self._states.get(doc_type)
            if state is not None and state.stamp == stamp:
                return state
            try:
                manifest = self._read_manifest(doc_type)
                segments, dead = [], []
                tombstones = set(manifest.get("tombstones") or [])
                if manifest.get("base"):
                    segments.append(
                        Segment(self._type_dir(doc_type) / manifest["base"])
                    )
                    dead.append(tombstones)
                if manifest.get("delta"):
                    segments.append(
                        Segment(self._type_dir(doc_type) / manifest["delta"])
                    )
                    dead.append(set())
            except FileNotFoundError:
                # A newer version replaced this one while we read it: read again.
                continue
            state = IndexState(
                stamp=stamp, manifest=manifest, segments=segments, dead=dead
            )
            with self._lock:
                self._states[doc_type] = state
            return state
        return None

    def doc_types(self) -> list[str]:
        if not self.path.exists():
            return []
        return sorted(
            p.name for p in self.path.iterdir() if (p / "manifest.json").exists()
        )

    def count(self, doc_type: str) -> int:
        state = self._state(doc_type)
        if state is None:
            return 0
        return sum(
            seg.n - sum(1 for d in dead if d in seg.row_of)
            for seg, dead in zip(state.segments, state.dead, strict=True)
        )

    def get(self, doc_type: str, doc_id: str) -> SearchDocument | None:
        state = self._state(doc_type)
        if state is None:
            return None
        for seg, dead in reversed(list(zip(state.segments, state.dead, strict=True))):
            row = seg.row_of.get(str(doc_id))
            if row is not None and str(doc_id) not in dead:
                return _doc_from_dict(seg.docs[row])
        return None

    def search(self, query: SearchQuery) -> SearchResults:
        filters = query.clean_filters()
        doc_types = list(query.doc_types) or self.doc_types()
        query_tokens = list(dict.fromkeys(tokenize(query.text)))
        required = required_words(query.text)
        vector = query.vector
        # Vectors the caller brings are trusted to come from the index's model.
        query_model: str | None = None
        if vector is None and query.mode != "keyword" and query.text.strip():
            encoder = self.encoder()
            if encoder is not None:
                vector = encoder.encode_query(query.text)
                query_model = encoder.fingerprint
        depth = max(100, 2 * (query.offset + query.limit))
        keyword: list[tuple[tuple[str, int, int], float]] = []
        semantic: list[tuple[tuple[str, int, int], float]] = []
        matched: dict[str, list[np.ndarray]] = {}
        total = 0
        browse = not query_tokens and vector is None
        # Date order sorts every match, not a window of the most relevant ones.
        by_date = query.sort == "date"
        dated: list[tuple[tuple[str, int, int], str]] = []
        for doc_type in doc_types:
            state = self._state(doc_type)
            if state is None:
                continue
            for s, (seg, dead) in enumerate(
                zip(state.segments, state.dead, strict=True)
            ):
                if seg.n == 0:
                    continue
                mask = seg.mask(filters, query.viewer_units, dead)
                hit_rows = np.zeros(seg.n, dtype=bool)
                if browse:
                    hit_rows = mask
                    rows = np.flatnonzero(mask)[:depth]
                    keyword.extend(((doc_type, s, int(r)), 0.0) for r in rows)
                if query.mode in ("keyword", "hybrid") and query_tokens:
                    scores = seg.keyword_scores(query_tokens, required)
                    rows, _ = _top(scores, mask, depth, positive=True)
                    keyword.extend(
                        ((doc_type, s, int(r)), float(scores[r])) for r in rows
                    )
                    hit_rows |= mask & (scores > 0)
                usable = (
                    seg.vectors is not None
                    and vector is not None
                    and seg.vectors.shape[1] == len(vector)
                    and (query_model is None or seg.model == query_model)
                )
                if query.mode in ("semantic", "hybrid") and usable:
                    sims = seg.semantic_scores(np.asarray(vector))
                    rows, _ = _top(sims, mask, depth, positive=False)
                    semantic.extend(
                        ((doc_type, s, int(r)), float(sims[r])) for r in rows
                    )
                    hit_rows |= mask & (sims >= MIN_SIMILARITY)
                total += int(hit_rows.sum())
                if by_date:
                    keys = seg.date_keys()
                    dated.extend(
                        ((doc_type, s, int(r)), keys[r])
                        for r in np.flatnonzero(hit_rows)
                    )
                if query.facets:
                    matched.setdefault(doc_type, []).append(hit_rows)
        states: dict[str, IndexState | None] = {}

        def extra(key: tuple[str, int, int]) -> dict[str, Any]:
            doc_type, s, row = key
            if doc_type not in states:
                states[doc_type] = self._state(doc_type)
            state = states[doc_type]
            return state.segments[s].docs[row].get("extra", {}) if state else {}

        ranked = fusion.rank(
            keyword, semantic, mode=query.mode, browse=browse, extra=extra
        )
        if by_date:
            fused = dict(ranked)
            position = {key: i for i, (key, _score) in enumerate(ranked)}
            dated.sort(key=lambda kd: (position.get(kd[0], len(position)), kd[0]))
            dated.sort(
                key=lambda kd: kd[1], reverse=True
            )  # stable: relevance within a date
            ranked = [(key, fused.get(key, 0.0)) for key, _date in dated]
        kw_scores, sem_scores = dict(keyword), dict(semantic)
        terms = highlight.query_terms(query.text) if query.highlight else []
        hits = []
        for key, score in ranked[query.offset : query.offset + query.limit]:
            doc_type, s, row = key  # type: ignore[misc]
            state = self._state(doc_type)
            assert state is not None  # noqa: S101
            data = state.segments[s].docs[row]
            hits.append(
                self._hit(
                    data, score, query, kw_scores.get(key), sem_scores.get(key), terms
                )
            )
        facets = self._facets(query, matched) if query.facets else {}
        return SearchResults(total=total, hits=hits, facets=facets)

    def _hit(
        self,
        data: dict[str, Any],
        score: float,
        query: SearchQuery,
        kw: float | None,
        sem: float | None,
        terms: list[str],
    ) -> SearchHit:
        return SearchHit(
            doc_type=data["doc_type"],
            id=data["id"],
            title=data["title"],
            score=round(float(score), 6),
            source_id=data.get("source_id", ""),
            url=data.get("url", ""),
            snippet=highlight.snippet(data.get("body", ""), query.text, terms=terms)
            if query.highlight
            else "",
            keyword_score=kw,
            semantic_score=sem,
            filters=data.get("filters", {}),
            extra=data.get("extra", {}),
            body=data.get("body", ""),
        )

    def _facets(
        self, query: SearchQuery, matched: dict[str, list[np.ndarray]]
    ) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name in query.facets:
            counts: dict[str, int] = {}
            for doc_type, masks in matched.items():
                state = self._state(doc_type)
                if state is None:
                    continue
                for seg, rows_mask in zip(state.segments, masks, strict=False):
                    if name == "type":
                        n = int(rows_mask.sum())
                        if n:
                            counts[doc_type] = counts.get(doc_type, 0) + n
                        continue
                    for value, rows in seg.postings.get(name, {}).items():
                        n = int(rows_mask[rows].sum())
                        if n:
                            counts[str(value)] = counts.get(str(value), 0) + n
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    # Writing -------------------------------------------------------------------------

    def add_bulk(self, docs: Iterable[SearchDocument]) -> None:
        by_type: dict[str, dict[str, SearchDocument]] = {}
        for doc in docs:
            doc.id = str(doc.id)
            by_type.setdefault(doc.doc_type, {})[doc.id] = doc
        for doc_type, new_docs in by_type.items():
            rows, tokens, vectors, model = self._prepare(list(new_docs.values()))
            with self._write_lock(doc_type):
                self._apply(doc_type, rows, tokens, vectors, model, deleted=set())

    def apply(
        self,
        doc_type: str,
        docs: Iterable[SearchDocument],
        *,
        deleted: Iterable[str] = (),
    ) -> None:
        """Index ``docs`` and remove ``deleted`` in one new segment (the delta, or a new
        base when the delta outgrows it), whatever their number."""
        new_docs: dict[str, SearchDocument] = {}
        for doc in docs:
            doc.id = str(doc.id)
            if doc.doc_type != doc_type:
                raise ValueError(
                    f"apply({doc_type!r}) got a document of type {doc.doc_type!r}."
                )
            new_docs[doc.id] = doc
        gone = {str(i) for i in deleted} - set(new_docs)
        if not new_docs and not gone:
            return
        if not new_docs and not (self._type_dir(doc_type) / "manifest.json").exists():
            return
        rows, tokens, vectors, model = (
            self._prepare(list(new_docs.values())) if new_docs else ([], [], None, None)
        )
        with self._write_lock(doc_type):
            self._apply(doc_type, rows, tokens, vectors, model, deleted=gone)

    def delete(self, doc_type: str, ids: Iterable[str]) -> None:
        ids = {str(i) for i in ids}
        if not ids or not (self._type_dir(doc_type) / "manifest.json").exists():
            return
        with self._write_lock(doc_type):
            self._apply(doc_type, [], [], None, None, deleted=ids)

    def _apply(
        self,
        doc_type: str,
        rows: list[dict[str, Any]],
        tokens: list[list[str]],
        vectors: np.ndarray | None,
        model: str | None,
        *,
        deleted: set[str],
    ) -> None:
        """Merge new rows and deletions into the delta segment; compact when it is big.
        Callers hold the write lock."""
        manifest = self._read_manifest(doc_type)
        version = int(manifest.get("version", 0)) + 1
        directory = self._type_dir(doc_type)
        base = Segment(directory / manifest["base"]) if manifest.get("base") else None
        delta = (
            Segment(directory / manifest["delta"]) if manifest.get("delta") else None
        )
        tombstones = set(manifest.get("tombstones") or [])
        changed_ids = {r["id"] for r in rows} | deleted
        if base is None and delta is None:
            if not rows:
                return
            manifest.update(
                version=version,
                base=self._write_segment(
                    doc_type, version, rows, tokens, vectors, model
                ),
                delta=None,
                tombstones=[],
            )
            self._write_manifest(doc_type, manifest)
            return
        # Keep the delta's documents that were not changed now, then add the new ones.
        d_rows, d_tokens, d_vecs = [], [], []
        if not rows:
            # A deletion: keep whatever model the existing segments were encoded with.
            model = (
                delta.model
                if delta is not None
                else (base.model if base is not None else None)
            )
        vector_ok = vectors is not None or (not rows and model is not None)
        if delta is not None:
            delta_tokens = delta.tokens()
            for i, data in enumerate(delta.docs):
                if data["id"] in changed_ids:
                    continue
                d_rows.append(data)
                d_tokens.append(delta_tokens[i])
                if delta.vectors is not None and delta.model == model:
                    d_vecs.append(np.asarray(delta.vectors[i], dtype=np.float32))
                else:
                    vector_ok = False
        d_rows.extend(rows)
        d_tokens.extend(tokens)
        if vectors is not None:
            d_vecs.extend(np.asarray(v, dtype=np.float32) for v in vectors)
        if base is not None:
            tombstones |= {i for i in changed_ids if i in base.row_of}
        delta_vectors = (
            np.stack(d_vecs)
            if vector_ok and d_vecs and len(d_vecs) == len(d_rows)
            else None
        )
        base_n = base.n if base is not None else 0
        if len(d_rows) > max(self.compact_at, base_n // 10) or base is None:
            self._compact(
                doc_type,
                manifest,
                base,
                tombstones,
                d_rows,
                d_tokens,
                delta_vectors,
                model if delta_vectors is not None else None,
                version,
            )
            return
        manifest.update(
            version=version,
            delta=self._write_segment(
                doc_type,
                version,
                d_rows,
                d_tokens,
                delta_vectors,
                model if delta_vectors is not None else None,
            )
            if d_rows
            else None,
            tombstones=sorted(tombstones),
        )
        self._write_manifest(doc_type, manifest)

    def _compact(
        self,
        doc_type: str,
        manifest: dict[str, Any],
        base: Segment | None,
        tombstones: set[str],
        d_rows: list[dict[str, Any]],
        d_tokens: list[list[str]],
        d_vectors: np.ndarray | None,
        d_model: str | None,
        version: int,
    ) -> None:
        rows: list[dict[str, Any]] = []
        tokens: list[list[str]] = []
        parts: list[np.ndarray] = []
        same_model = d_vectors is not None
        if base is not None:
            keep = [i for i, d in enumerate(base.docs) if d["id"] not in tombstones]
            base_tokens = base.tokens()
            rows.extend(base.docs[i] for i in keep)
            tokens.extend(base_tokens[i] for i in keep)
            if base.vectors is not None and base.model == d_model and keep:
                parts.append(np.asarray(base.vectors[keep], dtype=np.float32))
            elif keep:
                same_model = False
        rows.extend(d_rows)
        tokens.extend(d_tokens)
        if d_vectors is not None:
            parts.append(d_vectors)
        vectors = np.concatenate(parts) if same_model and parts else None
        manifest.update(
            version=version,
            base=self._write_segment(
                doc_type,
                version,
                rows,
                tokens,
                vectors,
                d_model if vectors is not None else None,
            ),
            delta=None,
            tombstones=[],
        )
        self._write_manifest(doc_type, manifest)

    def compact(self, doc_type: str) -> None:
        """Fold the delta segment and tombstones into a new base segment."""
        with self._write_lock(doc_type):
            manifest = self._read_manifest(doc_type)
            if not manifest.get("delta") and not manifest.get("tombstones"):
                return
            directory = self._type_dir(doc_type)
            base = (
                Segment(directory / manifest["base"]) if manifest.get("base") else None
            )
            delta = (
                Segment(directory / manifest["delta"])
                if manifest.get("delta")
                else None
            )
            d_rows = delta.docs if delta else []
            d_tokens = delta.tokens() if delta else []
            d_vectors = (
                np.asarray(delta.vectors, dtype=np.float32)
                if delta is not None and delta.vectors is not None
                else None
            )
            d_model = (
                delta.model
                if delta is not None
                else (base.model if base is not None else None)
            )
            if delta is None and base is not None and base.vectors is not None:
                d_vectors = np.zeros((0, base.vectors.shape[1]), dtype=np.float32)
            self._compact(
                doc_type,
                manifest,
                base,
                set(manifest.get("tombstones") or []),
                d_rows,
                d_tokens,
                d_vectors,
                d_model,
                int(manifest.get("version", 0)) + 1,
            )

    def rebuild(
        self, doc_type: str, docs: Iterable[SearchDocument], *, progress: Any = None
    ) -> int:
        """Build a complete new base segment, then switch to it in one manifest write."""
        rows: list[dict[str, Any]] = []
        tokens: list[list[str]] = []
        parts: list[np.ndarray] = []
        model = None
        batch: list[SearchDocument] = []

        def flush() -> None:
            nonlocal model
            if not batch:
                return
            b_rows, b_tokens, b_vectors, model = self._prepare(batch)
            rows.extend(b_rows)
            tokens.extend(b_tokens)
            if b_vectors is not None:
                parts.append(b_vectors)
            if progress is not None:
                progress(len(batch))
            batch.clear()

        seen: set[str] = set()
        for doc in docs:
            doc.id = str(doc.id)
            if doc.id in seen:
                continue
            seen.add(doc.id)
            batch.append(doc)
            if len(batch) >= 256:
                flush()
        flush()
        vectors = np.concatenate(parts) if parts and model else None
        with self._write_lock(doc_type):
            manifest = self._read_manifest(doc_type)
            version = int(manifest.get("version", 0)) + 1
            manifest.update(
                version=version,
                base=self._write_segment(
                    doc_type, version, rows, tokens, vectors, model
                )
                if rows
                else None,
                delta=None,
                tombstones=[],
            )
            self._write_manifest(doc_type, manifest)
        return len(rows)

    def reset(self, doc_type: str | None = None) -> None:
        types = [doc_type] if doc_type else self.doc_types()
        for t in types:
            with self._write_lock(t):
                manifest = self._read_manifest(t)
                manifest.update(
                    version=int(manifest.get("version", 0)) + 1,
                    base=None,
                    delta=None,
                    tombstones=[],
                )
                self._write_manifest(t, manifest)

    # Checks --------------------------------------------------------------------------

    def index_model(self, doc_type: str) -> str | None:
        state = self._state(doc_type)
        if state is None:
            return None
        models = {seg.model for seg in state.segments if seg.n}
        return models.pop() if len(models) == 1 else ("mixed" if models else None)

    def check(self) -> list[checks.CheckMessage]:
        messages: list[checks.CheckMessage] = []
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            messages.append(
                checks.Error(
                    f"The search index folder {self.path} cannot be created: {e}",
                    id="search.E003",
                )
            )
            return messages
        if not os.access(self.path, os.W_OK):
            messages.append(
                checks.Error(
                    f"The search index folder {self.path} is not writable.",
                    id="search.E003",
                )
            )
        return messages


SearchBackend = EmbeddedSearchBackend
