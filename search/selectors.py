"""Reads: search for a user, scoped to what that user may see."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from accounts.models import Unit
from accounts.permissions import holds_separated_role

from . import highlight
from .adapters import article_url, law_name
from .backends import get_search_backend
from .backends.base import SearchHit, SearchQuery, document_date
from .text import parse_references, resolve_reference

MAX_LIMIT = 100
# A date-filtered search counts what it can show: it ranks up to this many hits, keeps
# those in force on the date, and counts them.
DATED_DEPTH = 1000
# What follows an exact citation, in this order: its interpretations, then the cases.
CITING_TYPES = ("guideline", "case")
SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = (SORT_RELEVANCE, SORT_DATE)
UNKNOWN_SORT = "Unknown sort {sort!r}; known: {known}."


def viewer_units(user: Any) -> frozenset[int] | None:
    """Return the ids of ``user``'s unit and every unit above it: restricted cases of those
    units are visible to them. None means every case (a superuser); the separated system
    roles see no restricted case (``accounts.permissions.can_read_restricted``)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    if holds_separated_role(user):
        return frozenset()
    unit = getattr(user, "unit", None)
    if unit is None:
        return frozenset()
    step = Unit.steplen
    prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return frozenset(
        Unit.objects.filter(path__in=prefixes).values_list("pk", flat=True)
    )


@dataclass
class SearchPage:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    exact: SearchHit | None = None


def _exact_article(text: str, on_date: dt.date | None) -> SearchHit | None:
    """Return the article ``text`` cites exactly ("刑法第264条"), as a hit, or None."""
    if not parse_references(text):
        return None
    article = resolve_reference(text, on_date=on_date)
    if article is None:
        return None
    version = article.version_on(on_date) if on_date else article.current_version()
    law = article.law.short_name or article.law.name
    return SearchHit(
        doc_type="article",
        id=str(article.pk),
        title=f"{law}{article.label}",
        score=1.0,
        source_id=article.source_id,
        url=article_url(article),
        snippet=highlight.snippet(version.text if version else "", "", chars=240),
        extra={"law": law, "label": article.label, "exact": True},
        body=version.text if version else "",
    )


def _version_in_force(article: Any, on_date: dt.date) -> Any:
    """Return ``article``'s version in force on ``on_date`` from its prefetched versions
    (as ``Article.version_on`` decides, without a query per article), or None."""
    versions = [
        v
        for v in article.versions.all()
        if (v.effective_from is None or v.effective_from <= on_date)
        and (v.effective_to is None or v.effective_to >= on_date)
    ]
    if not versions:
        return None
    return max(versions, key=lambda v: (v.effective_from or dt.date.min, v.pk))


def _articles_on(
    hits: list[SearchHit], on_date: dt.date, query: str, *, snippets: bool = True
) -> list[SearchHit]:
    """Show each article hit with the text in force on ``on_date``; drop articles that
    were not in force then (snippets of the new text only when ``snippets``)."""
    from casebank.models import Article

    ids = [int(h.id) for h in hits if h.doc_type == "article" and h.id.isdigit()]
    articles = {
        a.pk: a for a in Article.objects.filter(pk__in=ids).prefetch_related("versions")
    }
    out = []
    for hit in hits:
        if hit.doc_type != "article":
            out.append(hit)
            continue
        article = articles.get(int(hit.id)) if hit.id.isdigit() else None
        version = _version_in_force(article, on_date) if article else None
        if version is None:
            continue
        hit.body = version.text
        if snippets:
            hit.snippet = highlight.snippet(version.text, query)
        hit.extra = {
            **hit.extra,
            "effective_from": version.effective_from.isoformat()
            if version.effective_from
            else "",
            "on_date": on_date.isoformat(),
        }
        out.append(hit)
    return out


def citation_only(text: str) -> bool:
    """Whether ``text`` is one statute citation and nothing else ("刑法第二百六十四条",
    "《刑法》第264条的规定")."""
    refs = parse_references(text or "")
    if len(refs) != 1:
        return False
    rest = (text[: refs[0].start] + text[refs[0].end :]).strip()
    rest = re.sub(
        r"[\s，。、；：,.;:（）()《》“”\"']|的规定|规定|的|全文|条文", "", rest
    )
    return not rest


def _citing(
    exact: SearchHit,
    *,
    user: Any,
    doc_types: list[str] | None,
    filters: dict[str, Any] | None,
    limit: int,
    offset: int,
) -> tuple[int, list[SearchHit]]:
    """Return how many documents of ``CITING_TYPES`` cite ``exact`` and the page of them
    (``offset`` counted after the article), interpretations first."""
    backend = get_search_backend()
    units = viewer_units(user)
    total, hits = 0, []
    for doc_type in CITING_TYPES:
        if doc_types and doc_type not in doc_types:
            continue
        results = backend.search(
            SearchQuery(
                text="",
                doc_types=[doc_type],
                filters={**(filters or {}), "article": [exact.id]},
                viewer_units=units,
                limit=offset + limit,
            )
        )
        total += results.total
        hits.extend(results.hits)
    return total, hits[offset : offset + limit]


def search_documents(
    *,
    user: Any,
    text: str,
    doc_types: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    limit: int = 20,
    offset: int = 0,
    mode: str = "hybrid",
    facets: list[str] | None = None,
    on_date: dt.date | None = None,
    sort: str = SORT_RELEVANCE,
) -> SearchPage:
    """Search everything ``user`` may see. An exact article reference in ``text`` comes
    back as ``exact`` (and first among the hits); when ``text`` is that citation and
    nothing else, the article is followed by the interpretations and the cases that
    cite it, not by other articles. With ``on_date``, articles not in force on that
    date are left out of the hits *and* of the total. Raise ValueError for bad
    filters or an unknown sort.

    ``sort="date"`` orders every match newest first (case date, a guideline's year, an
    article's effective date: ``backends.base.document_date``), sorted by the engine, not
    a window of the most relevant ones."""
    if sort not in SORTS:
        raise ValueError(UNKNOWN_SORT.format(sort=sort, known=", ".join(SORTS)))
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    exact = None
    if text and (not doc_types or "article" in doc_types):
        exact = _exact_article(text, on_date)
        if exact is not None and citation_only(text):
            total, citing = _citing(
                exact,
                user=user,
                doc_types=doc_types,
                filters=filters,
                limit=limit,
                offset=max(0, offset - 1),
            )
            hits = ([exact] if offset == 0 else []) + citing
            return SearchPage(total=total + 1, hits=hits[:limit], exact=exact)
    dated = on_date is not None
    # A date filter drops articles not in force from a window of the best matches,
    # then pages through it; date order is the engine's (every match, not a window).
    window = DATED_DEPTH if dated else 0
    query = SearchQuery(
        text=text or "",
        doc_types=doc_types or [],
        filters=filters or {},
        viewer_units=viewer_units(user),
        limit=window or limit,
        offset=0 if window else offset,
        mode=mode,  # type: ignore[arg-type]
        facets=facets or [],
        # Dated: snippets for the page only, once the articles not in force are gone.
        highlight=not dated,
        sort=sort,  # type: ignore[arg-type]
    )
    results = get_search_backend().search(query)
    hits = list(results.hits)
    total = results.total
    if on_date is not None:  # `dated`, spelled so mypy narrows the date
        before = len(hits)
        hits = _articles_on(hits, on_date, text, snippets=False)
        # Every hit was ranked (total within the depth): count exactly what is shown.
        total = len(hits) if total <= before else total - (before - len(hits))
    if window:
        hits = hits[offset : offset + limit]
        for hit in hits:
            hit.snippet = highlight.snippet(hit.body, text)
    if exact is not None and offset == 0:
        hits = [
            exact,
            *[h for h in hits if not (h.doc_type == "article" and h.id == exact.id)],
        ][:limit]
    return SearchPage(total=total, hits=hits, facets=results.facets, exact=exact)


def hit_date(hit: SearchHit) -> str:
    """The date a hit is sorted by in date order (ISO text; "" sorts last)."""
    return document_date(hit.filters, hit.extra)


def hit_as_dict(hit: SearchHit) -> dict[str, Any]:
    """Return the public shape of a hit (API, templates)."""
    return {
        "type": hit.doc_type,
        "id": hit.id,
        "source_id": hit.source_id,
        "title": hit.title,
        "score": hit.score,
        "snippet": hit.snippet,
        "url": hit.url,
        "keyword_score": hit.keyword_score,
        "semantic_score": hit.semantic_score,
        **{
            k: v
            for k, v in hit.extra.items()
            if k not in {"type", "id", "title", "score", "snippet", "url"}
        },
    }


def group_law_facet(
    counts: dict[str, int],
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """One entry per law, keyed by the name every document is filtered by (the short
    name, or the full name when there is none: ``adapters.law_name``). Articles index
    both names, so the full name's count is a subset of the short name's: take the max.
    Return the grouped counts and, per key, the raw values it stands for."""
    from django.apps import apps

    try:
        law_model = apps.get_model("casebank", "Law")
    except LookupError:
        return counts, {v: {v} for v in counts}
    values = list(counts)
    canonical: dict[str, str] = {}
    for law in law_model.objects.filter(name__in=values) | law_model.objects.filter(
        short_name__in=values
    ):
        key = law_name(law)
        canonical.setdefault(law.name, key)
        if law.short_name:
            canonical.setdefault(law.short_name, key)
    grouped: dict[str, int] = {}
    members: dict[str, set[str]] = {}
    for value, count in counts.items():
        key = canonical.get(value, value)
        grouped[key] = max(grouped.get(key, 0), count)
        members.setdefault(key, set()).update({key, value})
    grouped = dict(sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])))
    return grouped, members
