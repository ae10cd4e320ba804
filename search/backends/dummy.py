"""A backend that records calls and keeps documents in memory, for tests of code that
indexes (signals, tasks, commands). Its search is a plain substring match."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import (
    BaseSearchBackend,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)


class DummySearchBackend(BaseSearchBackend):
    """Remember every call in ``calls``; store documents in a dict."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.calls: list[tuple[str, Any]] = []
        self.docs: dict[tuple[str, str], SearchDocument] = {}

    def add_bulk(self, docs: Iterable[SearchDocument]) -> None:
        for doc in docs:
            self.calls.append(("add", (doc.doc_type, str(doc.id))))
            self.docs[(doc.doc_type, str(doc.id))] = doc

    def delete(self, doc_type: str, ids: Iterable[str]) -> None:
        for doc_id in ids:
            self.calls.append(("delete", (doc_type, str(doc_id))))
            self.docs.pop((doc_type, str(doc_id)), None)

    def reset(self, doc_type: str | None = None) -> None:
        self.calls.append(("reset", doc_type))
        for key in [k for k in self.docs if doc_type is None or k[0] == doc_type]:
            del self.docs[key]

    def count(self, doc_type: str) -> int:
        return sum(1 for key in self.docs if key[0] == doc_type)

    def get(self, doc_type: str, doc_id: str) -> SearchDocument | None:
        return self.docs.get((doc_type, str(doc_id)))

    def search(self, query: SearchQuery) -> SearchResults:
        self.calls.append(("search", query.text))
        found = [
            d
            for d in self.docs.values()
            if (not query.doc_types or d.doc_type in query.doc_types)
            and query.text in f"{d.title}{d.body}"
            and (
                not d.restricted
                or query.viewer_units is None
                or set(d.allowed_units) & set(query.viewer_units)
            )
        ]
        hits = [
            SearchHit(
                doc_type=d.doc_type,
                id=d.id,
                title=d.title,
                score=1.0,
                source_id=d.source_id,
                url=d.url,
            )
            for d in found
        ]
        return SearchResults(
            total=len(hits), hits=hits[query.offset : query.offset + query.limit]
        )


SearchBackend = DummySearchBackend
