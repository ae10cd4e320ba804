"""Adapters for the case bank (cases, guidelines, statute articles) and the courses app."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch
from django.utils.html import strip_tags

from .backends.base import SearchDocument
from .index import WagtailPageAdapter, join_text, register


def article_url(article: Any) -> str:
    """Return the article's page URL, or "" when its page is not routed."""
    try:
        return str(article.get_absolute_url())
    except NoReverseMatch:
        return ""


def law_name(law: Any) -> str:
    """Return the name a law is shown and filtered by: its short name, else its name."""
    return str(law.short_name or law.name)


def _cited_articles_prefetch() -> Prefetch[str, QuerySet[Any], str]:
    return Prefetch(
        "cited_articles",
        queryset=apps.get_model("casebank", "Article").objects.select_related("law"),
    )


def _article_refs(articles: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "law": law_name(a.law),
            "label": a.label,
            "source_id": a.source_id,
        }
        for a in articles
    ]


def _restriction(page: Any) -> tuple[bool, list[Any]]:
    """Whether a case or guideline page is restricted, and the units that may see it
    (empty when it is not restricted)."""
    restricted = page.visibility == "restricted"
    return restricted, list(page.restricted_units.all()) if restricted else []


class CaseAdapter:
    """Typical cases: live pages only; restricted ones carry their units."""

    doc_type = "case"

    def __init__(self) -> None:
        self.model = apps.get_model("casebank", "CasePage")

    def queryset(self) -> QuerySet[Any]:
        # Wagtail's PageManager is untyped: say what live() returns.
        pages: QuerySet[Any] = self.model.objects.live().prefetch_related(
            "charges", "restricted_units", _cited_articles_prefetch()
        )
        return pages

    def to_document(self, case: Any) -> SearchDocument | None:
        if not case.live:
            return None
        charges = [c.name for c in case.charges.all()]
        articles = list(case.cited_articles.all())
        restricted, units = _restriction(case)
        body = join_text(
            [
                case.summary,
                case.facts,
                case.key_points,
                case.handling_process,
                case.outcome,
                case.reasoning,
                case.lessons,
            ]
        )
        return SearchDocument(
            doc_type="case",
            id=str(case.pk),
            title=case.title,
            body=body,
            source_id=case.source_id or "",
            url=case.url or "",
            # The facts are what a new case is compared with.
            semantic_text=join_text([case.title, case.facts or case.summary or body]),
            filters={
                "charge": charges,
                "law": sorted({law_name(a.law) for a in articles}),
                "article": [str(a.pk) for a in articles],
                "case_kind": case.kind,
                "level": case.level,
                "year": case.case_date.year if case.case_date else None,
                "unit": [u.code for u in units],
            },
            restricted=restricted,
            allowed_units=[u.pk for u in units],
            extra={
                "charges": charges,
                "articles": _article_refs(articles),
                "case_number": case.case_number,
                "case_date": case.case_date.isoformat() if case.case_date else "",
                "kind": case.kind,
                "level": case.level,
                "keywords": case.keywords,
                "key_point": case.key_point_line,
            },
        )


class ArticleAdapter:
    """Statute articles, by their current version (the one in force today)."""

    doc_type = "article"

    def __init__(self) -> None:
        self.model = apps.get_model("casebank", "Article")

    def queryset(self) -> QuerySet[Any]:
        return (
            self.model.objects.select_related("law")
            .prefetch_related("versions", "charges")
            .order_by("pk")
        )

    def to_document(self, article: Any) -> SearchDocument | None:
        versions = sorted(
            article.versions.all(),
            key=lambda v: (v.effective_from or dt.date.min, v.pk),
        )
        current = next(
            (v for v in reversed(versions) if v.effective_to is None),
            versions[-1] if versions else None,
        )
        if current is None:
            return None
        law = law_name(article.law)
        charges = [c.name for c in article.charges.all()]
        return SearchDocument(
            doc_type="article",
            id=str(article.pk),
            title=f"{law}{article.label}",
            body=current.text,
            source_id=article.source_id,
            url=article_url(article),
            semantic_text=f"{law} {article.chapter_path} {article.label} {current.text}",
            filters={
                "law": [law, article.law.name],
                "article": [str(article.pk)],
                "charge": charges,
            },
            extra={
                "law": law,
                "law_full": article.law.name,
                "label": article.label,
                "number": article.number,
                "sub_number": article.sub_number,
                "chapter_path": article.chapter_path,
                "law_status": article.law.status,
                "law_level": article.law.level,
                "effective_from": current.effective_from.isoformat()
                if current.effective_from
                else "",
                "charges": charges,
            },
        )


class GuidelineAdapter:
    """Enforcement guidelines (执法标准, 实战指引): live pages only; restricted ones carry
    their units, exactly as cases do."""

    doc_type = "guideline"

    def __init__(self) -> None:
        self.model = apps.get_model("casebank", "GuidelinePage")

    def queryset(self) -> QuerySet[Any]:
        pages: QuerySet[Any] = self.model.objects.live().prefetch_related(
            "restricted_units", _cited_articles_prefetch()
        )
        return pages

    def to_document(self, page: Any) -> SearchDocument | None:
        if not page.live:
            return None
        articles = list(page.cited_articles.all())
        restricted, units = _restriction(page)
        body = join_text(
            [
                page.topic,
                page.police_types,
                page.posts,
                page.summary,
                # Rich text: indexed and shown as text, never as markup.
                html.unescape(strip_tags(page.body or "")),
            ]
        )
        return SearchDocument(
            doc_type="guideline",
            id=str(page.pk),
            title=page.title,
            body=body,
            source_id=page.source_id or "",
            url=page.url or "",
            semantic_text=join_text([page.title, page.summary or body]),
            filters={
                "law": sorted({law_name(a.law) for a in articles}),
                "article": [str(a.pk) for a in articles],
                "year": page.effective_on.year if page.effective_on else None,
                "unit": [u.code for u in units],
            },
            restricted=restricted,
            allowed_units=[u.pk for u in units],
            extra={
                "topic": page.topic,
                "category": page.category,
                "articles": _article_refs(articles),
            },
        )


def register_default_adapters() -> None:
    """Register the adapters whose models exist (apps are built in parallel)."""
    if apps.is_installed("casebank"):
        try:
            register(apps.get_model("casebank", "CasePage"), CaseAdapter())
            register(apps.get_model("casebank", "Article"), ArticleAdapter())
            register(apps.get_model("casebank", "GuidelinePage"), GuidelineAdapter())
        except LookupError:
            pass
    if apps.is_installed("courses"):
        for name, prefix, fields in (
            ("CoursePage", "course-", ["summary", "objectives"]),
            ("LessonPage", "lesson-", ["body"]),
        ):
            try:
                model = apps.get_model("courses", name)
            except LookupError:
                continue
            register(
                model,
                WagtailPageAdapter(
                    doc_type="course", model=model, body_fields=fields, id_prefix=prefix
                ),
            )
