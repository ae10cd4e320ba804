"""Reads of the case bank that must respect who may see what.

A restricted case (or guideline) is visible to users whose unit is one of the named units or
lies below one of them; the accounts that look after the whole organisation
(``accounts.selectors.sees_all_units``) see everything. Anonymous users see nothing. Every
list, detail page, feed, search result and API response goes through these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from accounts.models import Unit
from accounts.selectors import sees_all_units

from .models import (
    Article,
    CaseKind,
    CaseLevel,
    CasePage,
    Charge,
    GuidelinePage,
    Law,
    Visibility,
)

CASES_PER_PAGE = 20


def _own_and_ancestor_units(user) -> QuerySet[Unit]:
    """Return the user's unit and every unit above it (treebeard MP path prefixes)."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return Unit.objects.none()
    step = Unit.steplen
    prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return Unit.objects.filter(path__in=prefixes)


def _visible_to(model, user) -> QuerySet:
    queryset = model.objects.live()
    if user is None or not user.is_authenticated:
        return queryset.none()
    if sees_all_units(user):
        return queryset
    condition = Q(visibility=Visibility.PUBLIC)
    if getattr(user, "unit_id", None):
        through = model.restricted_units.through
        page_field = f"{model._meta.model_name}_id"
        allowed = through.objects.filter(unit__in=_own_and_ancestor_units(user)).values(
            page_field
        )
        condition |= Q(visibility=Visibility.RESTRICTED, pk__in=allowed)
    return queryset.filter(condition)


def _is_visible_to(page, user) -> bool:
    if user is None or not user.is_authenticated or not page.live:
        return False
    if sees_all_units(user) or page.visibility == Visibility.PUBLIC:
        return True
    unit = getattr(user, "unit", None)
    if unit is None:
        return False
    return any(
        unit.path.startswith(restricted.path)
        for restricted in page.restricted_units.all()
    )


def case_queryset_visible_to(user) -> QuerySet[CasePage]:
    """Return the live cases ``user`` may see (public ones, and restricted ones of their units)."""
    return _visible_to(CasePage, user)


def case_is_visible_to(user, case: CasePage) -> bool:
    """Return True when ``user`` may see ``case`` (it is live, and public or of their units)."""
    return _is_visible_to(case, user)


def guideline_queryset_visible_to(user) -> QuerySet[GuidelinePage]:
    """Return the live guidelines ``user`` may see (same rule as cases)."""
    return _visible_to(GuidelinePage, user)


def guideline_is_visible_to(user, guideline: GuidelinePage) -> bool:
    """Return True when ``user`` may see ``guideline``."""
    return _is_visible_to(guideline, user)


def case_list(*, user, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the visible cases filtered by ``params`` (q, kind, level, charge, page)."""
    cases = case_queryset_visible_to(user)
    query = (params.get("q") or "").strip()
    if query:
        cases = cases.filter(
            Q(title__icontains=query)
            | Q(keywords__icontains=query)
            | Q(facts__icontains=query)
            | Q(case_number__icontains=query)
        )
    kind = params.get("kind")
    if kind in CaseKind.values:
        cases = cases.filter(kind=kind)
    level = params.get("level")
    if level in CaseLevel.values:
        cases = cases.filter(level=level)
    charge_id = params.get("charge")
    charge = None
    if charge_id and str(charge_id).isdigit() and int(charge_id) < 2**31:
        charge = Charge.objects.filter(pk=charge_id).first()
        if charge:
            cases = cases.filter(
                pk__in=CasePage.charges.through.objects.filter(charge=charge).values(
                    "casepage_id"
                )
            )
    cases = cases.order_by("-case_date", "-pk")
    page_obj = Paginator(cases, CASES_PER_PAGE).get_page(params.get("page"))
    return {
        "cases": page_obj,
        "page_obj": page_obj,
        "q": query,
        "kind": kind,
        "level": level,
        "charge": charge,
        "kinds": CaseKind.choices,
        "levels": CaseLevel.choices,
    }


def law_list(*, query: str = "") -> QuerySet[Law]:
    """Return laws, optionally matching ``query`` in their names."""
    laws = Law.objects.all()
    if query:
        laws = laws.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return laws.order_by("level", "name")


def article_get(*, article_id: int) -> Article | None:
    """Return one article with its law, or None."""
    return Article.objects.select_related("law").filter(pk=article_id).first()


def article_versions(article: Article) -> list:
    """Return the versions of ``article``, oldest first."""
    return list(article.versions.order_by("effective_from", "pk"))


def parse_date(value: str | None) -> dt.date | None:
    """Return ``value`` (YYYY-MM-DD) as a date, or None when empty or malformed."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def law_articles_on(law: Law, date: dt.date) -> list[dict[str, Any]]:
    """Return the law's articles in order, each with the version in force on ``date``.

    An article with no version in force that day carries its latest version and
    ``in_force=False`` (not yet in force, or already replaced/repealed).
    """
    from .models import ArticleVersion

    versions: dict[int, list[ArticleVersion]] = {}
    for version in ArticleVersion.objects.filter(article__law=law).order_by(
        "article_id", "effective_from", "pk"
    ):
        versions.setdefault(version.article_id, []).append(version)
    rows = []
    for article in Article.objects.filter(law=law).order_by("number", "sub_number"):
        mine = versions.get(article.pk, [])
        in_force = [v for v in mine if v.is_in_force_on(date)]
        version = in_force[-1] if in_force else (mine[-1] if mine else None)
        rows.append(
            {"article": article, "version": version, "in_force": bool(in_force)}
        )
    return rows


def law_chapters(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group article rows by chapter path, in order, for the table of contents."""
    chapters: list[dict[str, Any]] = []
    for row in rows:
        path = row["article"].chapter_path
        if not chapters or chapters[-1]["path"] != path:
            parts = [p for p in path.split(" / ") if p]
            chapters.append(
                {
                    "path": path,
                    "title": parts[-1] if parts else "",
                    "depth": len(parts),
                    "anchor": f"ch{len(chapters) + 1}",
                    "rows": [],
                }
            )
        chapters[-1]["rows"].append(row)
    return chapters


def charge_list(
    *, kind: str = "", query: str = "", with_elements: bool = False
) -> QuerySet[Charge]:
    """Return live charges, those with an element analysis first."""
    from django.db.models import Count

    charges = Charge.objects.filter(live=True).annotate(element_count=Count("elements"))
    if kind:
        charges = charges.filter(kind=kind)
    if query:
        charges = charges.filter(name__icontains=query)
    if with_elements:
        charges = charges.filter(element_count__gt=0)
    return charges.order_by("-element_count", "kind", "name")


def cases_citing_article(user, article: Article) -> QuerySet[CasePage]:
    """Return the visible cases citing ``article``."""
    return (
        case_queryset_visible_to(user)
        .filter(
            pk__in=CasePage.cited_articles.through.objects.filter(
                article=article
            ).values("casepage_id")
        )
        .order_by("-case_date")
    )


def cases_for_charge(user, charge: Charge) -> QuerySet[CasePage]:
    """Return the visible cases with ``charge``."""
    return (
        case_queryset_visible_to(user)
        .filter(
            pk__in=CasePage.charges.through.objects.filter(charge=charge).values(
                "casepage_id"
            )
        )
        .order_by("-case_date")
    )


def flag_list_for(user) -> list:
    """Return the "law changed, review" flags ``user`` should see: their own, and for legal
    officers, trainers and system admins every flag whose citing item they may see."""
    from accounts.models import Role

    from .models import LawChangeFlag

    flags = LawChangeFlag.objects.select_related(
        "article__law", "old_version", "new_version", "owner", "content_type"
    )
    if not user.is_authenticated:
        return []
    if not (user.has_role(Role.LEGAL_OFFICER, Role.TRAINER) or sees_all_units(user)):
        flags = flags.filter(owner=user)
    visible = []
    for flag in flags[:500]:
        citer = flag.citer
        if (
            isinstance(citer, CasePage)
            and not case_is_visible_to(user, citer)
            and citer.owner_id != user.pk
        ):
            continue
        if (
            isinstance(citer, GuidelinePage)
            and not guideline_is_visible_to(user, citer)
            and citer.owner_id != user.pk
        ):
            continue
        visible.append(flag)
    return visible


def restricted_page_ids_hidden_from(user) -> set[int]:
    """Return ids of restricted case and guideline pages (drafts included) that ``user`` may
    not see: not of their units and not their own. Used to filter the Wagtail admin."""
    if user is None or not user.is_authenticated:
        return set()
    if sees_all_units(user):
        return set()
    allowed_units = set(_own_and_ancestor_units(user).values_list("pk", flat=True))
    hidden: set[int] = set()
    for model in (CasePage, GuidelinePage):
        through = model.restricted_units.through
        page_field = f"{model._meta.model_name}_id"
        allowed = set(
            through.objects.filter(unit_id__in=allowed_units).values_list(
                page_field, flat=True
            )
        )
        restricted = model.objects.filter(visibility=Visibility.RESTRICTED).exclude(
            owner=user
        )
        hidden |= set(restricted.exclude(pk__in=allowed).values_list("pk", flat=True))
    return hidden


# The article chooser ------------------------------------------------------------------------

CITATION_SHORTHAND = re.compile(
    r"^(?P<law>[^\d第]+?)\s*第?(?P<n>[0-9０-９一二三四五六七八九十百千零〇两]+)条?"
    r"(?:之(?P<sub>[0-9一二三四五六七八九十]+))?$"
)
ARTICLE_CHOOSER_LIMIT = 20


def articles_by_citation(query: str) -> list:
    """The articles a citation names (刑法264, 刑法第二百六十四条、第二百六十六条), or []."""
    from .references import parse_references, resolve

    query = (query or "").strip()[:500]
    text = query
    match = CITATION_SHORTHAND.match(query.replace(" ", ""))
    if match and not parse_references(query):
        sub = f"之{match['sub']}" if match["sub"] else ""
        text = f"{match['law']}第{match['n']}条{sub}"
    found = []
    for ref in parse_references(text):
        article = resolve(ref)
        if article is not None and article not in found:
            found.append(article)
    return found


def article_search(query: str, *, limit: int = ARTICLE_CHOOSER_LIMIT) -> list:
    """Articles for a chooser: a citation (刑法264, 刑法第二百六十四条, 《治安管理处罚法》
    第49条) resolves to its article; otherwise the words are looked for in the law's name
    and the article's current text. At most ``limit`` results, in law and article order."""
    from .models import Article

    query = (query or "").strip()[:200]
    if not query:
        return []
    found = articles_by_citation(query)
    if found:
        return found[:limit]
    words = [w for w in re.split(r"\s+", query) if w]
    qs = Article.objects.select_related("law")
    for word in words:
        qs = qs.filter(
            Q(law__name__icontains=word)
            | Q(law__short_name__icontains=word)
            | Q(versions__effective_to__isnull=True, versions__text__icontains=word)
        )
    return list(qs.distinct().order_by("law_id", "number", "sub_number")[:limit])
