"""Who cites which article, so that an amendment can flag them for review.

Apps register a *citation source*: a callable that receives a set of article ids and yields
the objects citing any of them. Each yielded object should offer ``pk``, and ideally
``title`` (or ``__str__``), ``get_url()``/``get_absolute_url()`` and ``owner`` (a user), so
the flag can name, link and notify. The callable may also yield ``Citation`` tuples when it
knows which article an object cites.

    from casebank.citations import register_citation_source

    def lessons_citing(article_ids):
        return LessonPage.objects.filter(cited_articles__in=article_ids).distinct()

    register_citation_source(lessons_citing)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

CitationSource = Callable[[set[int]], Iterable[Any]]

_sources: list[CitationSource] = []


@dataclass(frozen=True)
class Citation:
    """An object and the article it cites (when the source knows it)."""

    obj: Any
    article_id: int | None = None


def register_citation_source(fn: CitationSource) -> CitationSource:
    """Register ``fn`` (usable as a decorator); registering twice has no effect."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def citation_sources() -> list[CitationSource]:
    """Return the registered sources, in registration order."""
    return list(_sources)


def citers_of(article_ids: Iterable[int]) -> list[Citation]:
    """Return every object citing any of ``article_ids``, across all registered sources."""
    ids = set(article_ids)
    if not ids:
        return []
    found: list[Citation] = []
    for source in _sources:
        for item in source(ids):
            found.append(item if isinstance(item, Citation) else Citation(obj=item))
    return found


def cases_citing(article_ids: set[int]) -> Iterable[Citation]:
    """Cases citing the articles (all revisions' live rows, drafts included)."""
    from .models import CasePage

    through = CasePage.cited_articles.through
    rows = through.objects.filter(article_id__in=article_ids).values_list(
        "casepage_id", "article_id"
    )
    pages = CasePage.objects.in_bulk({page_id for page_id, _ in rows})
    for page_id, article_id in rows:
        if page_id in pages:
            yield Citation(obj=pages[page_id], article_id=article_id)


def guidelines_citing(article_ids: set[int]) -> Iterable[Citation]:
    """Guidelines citing the articles."""
    from .models import GuidelinePage

    through = GuidelinePage.cited_articles.through
    rows = through.objects.filter(article_id__in=article_ids).values_list(
        "guidelinepage_id", "article_id"
    )
    pages = GuidelinePage.objects.in_bulk({page_id for page_id, _ in rows})
    for page_id, article_id in rows:
        if page_id in pages:
            yield Citation(obj=pages[page_id], article_id=article_id)
