"""The search contract every engine implements.

A backend indexes :class:`SearchDocument` objects (built from model instances by the
adapters in ``search.index``) and answers :class:`SearchQuery` objects with
:class:`SearchResults`. Filters, including the unit restriction of restricted cases, are
applied inside the engine's query, never to a page of results afterwards, so totals,
facets and pagination never reveal what the caller may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.checks import CheckMessage
from django.utils.translation import gettext_noop

Mode = Literal["keyword", "semantic", "hybrid"]
Sort = Literal["relevance", "date"]

# Filter fields every backend understands. Multi-valued fields match when any value
# matches; a list of wanted values is an OR.
KEYWORD_FILTERS = ("charge", "law", "article", "case_kind", "level", "unit", "course")
INTEGER_FILTERS = ("year",)
FILTER_FIELDS = KEYWORD_FILTERS + INTEGER_FILTERS
FACET_FIELDS = ("type", *FILTER_FIELDS)

UNKNOWN_FILTER = "Unknown search filter {name!r}; known filters: {known}."
UNKNOWN_FACET = "Unknown facet {name!r}; known facets: {known}."


@dataclass
class SearchDocument:
    """One searchable thing: a case, a statute article, a course or a lesson.

    ``filters`` maps names from ``FILTER_FIELDS`` to a value or a list of values.
    ``restricted`` documents are found only by viewers whose unit is one of
    ``allowed_units`` (unit ids) or lies below one of them.
    """

    doc_type: str
    id: str
    title: str
    body: str = ""
    source_id: str = ""
    url: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    restricted: bool = False
    allowed_units: list[int] = field(default_factory=list)
    # Shown with a hit, never searched (e.g. the law's name, the case's charges).
    extra: dict[str, Any] = field(default_factory=dict)
    # Text given to the embedding model; defaults to title + body.
    semantic_text: str | None = None

    def embedding_text(self) -> str:
        return (
            self.semantic_text
            if self.semantic_text is not None
            else f"{self.title}\n{self.body}"
        )

    def filter_values(self, name: str) -> list[Any]:
        value = self.filters.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list | tuple | set | frozenset):
            return [v for v in value if v is not None and v != ""]
        return [value]


def document_date(filters: dict[str, Any] | None, extra: dict[str, Any] | None) -> str:
    """Return the date a document is ordered by in date order, as ISO text: a case's
    date, an article's effective date, else its year ("2019-00-00"); "" when it has none
    (those sort last). Every backend orders by this same key."""
    extra = extra or {}
    for key in ("case_date", "effective_from"):
        if extra.get(key):
            return str(extra[key])
    year = (filters or {}).get("year")
    if isinstance(year, list):
        year = year[0] if year else None
    return f"{year}-00-00" if year else ""


@dataclass
class SearchQuery:
    """What to look for, for whom.

    ``viewer_units`` holds the ids of the caller's unit and every unit above it; restricted
    documents are found when one of their ``allowed_units`` is in that set. ``None``
    means the caller sees every document (trusted internal callers only).
    """

    text: str
    doc_types: Sequence[str] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    viewer_units: frozenset[int] | None = frozenset()
    limit: int = 20
    offset: int = 0
    mode: Mode = "hybrid"
    facets: Sequence[str] = ()
    highlight: bool = True
    # "date": every matching document newest first (``document_date``), the most
    # relevant first among equal dates; paged by ``offset``/``limit`` like relevance.
    sort: Sort = "relevance"
    # A precomputed query vector (skips encoding; used by benchmarks and linking).
    vector: Any = None

    def clean_filters(self) -> dict[str, list[Any]]:
        """Return the filters as lists of wanted values; raise ValueError on unknown names."""
        cleaned: dict[str, list[Any]] = {}
        for name, value in self.filters.items():
            if name not in FILTER_FIELDS:
                raise ValueError(
                    UNKNOWN_FILTER.format(name=name, known=", ".join(FILTER_FIELDS))
                )
            values = (
                list(value)
                if isinstance(value, list | tuple | set | frozenset)
                else [value]
            )
            values = [v for v in values if v is not None and v != ""]
            if name in INTEGER_FILTERS:
                values = [int(v) for v in values]
            else:
                values = [str(v) for v in values]
            if values:
                cleaned[name] = values
        for name in self.facets:
            if name not in FACET_FIELDS:
                raise ValueError(
                    UNKNOWN_FACET.format(name=name, known=", ".join(FACET_FIELDS))
                )
        return cleaned


@dataclass
class SearchHit:
    """One result. ``snippet`` is HTML: escaped text with matches in ``<mark>``."""

    doc_type: str
    id: str
    title: str
    score: float
    source_id: str = ""
    url: str = ""
    snippet: str = ""
    keyword_score: float | None = None
    semantic_score: float | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    body: str = ""


@dataclass
class SearchResults:
    """Hits best first, the number of matching documents and the requested facets."""

    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


class SearchUnavailable(RuntimeError):
    """The search engine cannot be reached (a remote cluster down, a timeout). Pages and
    the API answer 503 with ``USER_MESSAGE``; index updates stay marked dirty and are
    retried (``search.tasks``, the sweeper). ``str(e)`` is the operator's detail, for
    logs only."""

    USER_MESSAGE = gettext_noop(
        "The search service is unavailable at the moment. Please try again later; if "
        "this persists, tell the system administrator."
    )


class BaseSearchBackend:
    """Interface for search backends.

    Subclasses receive their SEARCH_BACKENDS entry, minus BACKEND, as ``params`` and
    must implement search(), add_bulk(), delete(), reset() and count().
    """

    supports_facets = False
    supports_semantic = False

    def __init__(self, params: dict[str, Any]) -> None:
        params = dict(params)
        self.alias: str = params.pop("ALIAS", "default")
        self.index_prefix: str = params.pop("INDEX_PREFIX", "")
        self.params = params

    def search(self, query: SearchQuery) -> SearchResults:
        """Return hits for ``query``, best first."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide a search() method"
        )

    def add(self, doc: SearchDocument) -> None:
        """Index one document, replacing any document with the same type and id."""
        self.add_bulk([doc])

    def add_bulk(self, docs: Iterable[SearchDocument]) -> None:
        """Index several documents (replacing same type and id)."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide an add_bulk() method"
        )

    def index(self, doc: SearchDocument) -> None:
        """Alias of add()."""
        self.add(doc)

    def delete(self, doc_type: str, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored (deleting twice is harmless)."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide a delete() method"
        )

    def apply(
        self,
        doc_type: str,
        docs: Iterable[SearchDocument],
        *,
        deleted: Iterable[str] = (),
    ) -> None:
        """Index ``docs`` and remove the ids in ``deleted``, all of type ``doc_type``, in
        as few writes as the engine allows (bulk operations end here). The default calls
        add_bulk() then delete()."""
        docs = list(docs)
        if docs:
            self.add_bulk(docs)
        deleted = [str(i) for i in deleted]
        if deleted:
            self.delete(doc_type, deleted)

    def reset(self, doc_type: str | None = None) -> None:
        """Empty the index of ``doc_type`` (every type when None)."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide a reset() method"
        )

    def rebuild(
        self, doc_type: str, docs: Iterable[SearchDocument], *, progress: Any = None
    ) -> int:
        """Replace the whole index of ``doc_type`` with ``docs``; return the count.

        Searches keep answering from the old index until the new one is complete.
        """
        self.reset(doc_type)
        count = 0
        batch: list[SearchDocument] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= 500:
                self.add_bulk(batch)
                count += len(batch)
                if progress is not None:
                    progress(len(batch))
                batch = []
        if batch:
            self.add_bulk(batch)
            count += len(batch)
            if progress is not None:
                progress(len(batch))
        return count

    def count(self, doc_type: str) -> int:
        """Return the number of documents of ``doc_type`` in the index."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide a count() method"
        )

    def get(self, doc_type: str, doc_id: str) -> SearchDocument | None:
        """Return a stored document, or None."""
        raise NotImplementedError(
            "subclasses of BaseSearchBackend must provide a get() method"
        )

    def check(self) -> list[CheckMessage]:
        """Return system-check messages about this backend (connectivity, staleness)."""
        return []
