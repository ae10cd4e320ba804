"""Reads of the case bank that must respect who may see what.

A restricted case (or guideline) is visible to users whose unit is one of the named units or
lies below one of them; a Django superuser sees everything, and the separated system roles
(system, security, audit admin) see no restricted material (三员分立; the rule is
``accounts.permissions.can_read_restricted``). Anonymous users see nothing. Every
list, detail page, feed, search result and API response goes through these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Unit
from accounts.permissions import holds_separated_role
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
# Values shown per facet of the case list (the most frequent).
FACET_VALUES = 12


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
    if user.is_superuser:
        return queryset
    condition = Q(visibility=Visibility.PUBLIC)
    # 三员分立: the separated system roles read no restricted material
    # (accounts.permissions.can_read_restricted).
    if getattr(user, "unit_id", None) and not holds_separated_role(user):
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
    if user.is_superuser or page.visibility == Visibility.PUBLIC:
        return True
    if holds_separated_role(user):
        return False
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
    year = params.get("year")
    year = (
        int(year)
        if year
        and str(year).isascii()
        and str(year).isdigit()
        and 1900 < int(year) < 3000
        else None
    )
    if year:
        cases = cases.filter(case_date__year=year)
    facets, chips = case_facets(
        cases=cases,
        params=params,
        active={
            "kind": kind if kind in CaseKind.values else "",
            "level": level if level in CaseLevel.values else "",
            "charge": str(charge.pk) if charge else "",
            "year": str(year or ""),
        },
        charge_name=charge.name if charge else "",
    )
    cases = cases.order_by("-case_date", "-pk").prefetch_related("charges")
    page_obj = Paginator(cases, CASES_PER_PAGE).get_page(params.get("page"))
    return {
        "facets": facets,
        "chips": chips,
        "cases": page_obj,
        "page_obj": page_obj,
        "q": query,
        "kind": kind,
        "level": level,
        "charge": charge,
        "kinds": CaseKind.choices,
        "levels": CaseLevel.choices,
    }


def _without(params: Mapping[str, Any], name: str, value: str = "") -> str:
    """The list's query string with ``name`` set to ``value`` (or removed), page reset."""
    kept = {
        k: params.get(k) for k in params if k not in (name, "page") and params.get(k)
    }
    if value:
        kept[name] = value
    return f"?{urlencode(kept)}"


def case_facets(
    *,
    cases: QuerySet[CasePage],
    params: Mapping[str, Any],
    active: dict[str, str],
    charge_name: str = "",
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Return the case list's facets (kind, level, charge, year), each value with the
    number of matching cases and the URL that adds or removes it, and the active filters
    as removable chips."""
    ids = cases.order_by().values("pk")
    kind_labels, level_labels = dict(CaseKind.choices), dict(CaseLevel.choices)
    rows = {
        "kind": [
            (r["kind"], str(kind_labels.get(r["kind"], r["kind"])), r["n"])
            for r in cases.order_by().values("kind").annotate(n=Count("pk"))
        ],
        "level": [
            (r["level"], str(level_labels.get(r["level"], r["level"])), r["n"])
            for r in cases.order_by().values("level").annotate(n=Count("pk"))
        ],
        "charge": [
            (str(r["charge_id"]), r["charge__name"], r["n"])
            for r in CasePage.charges.through.objects.filter(casepage_id__in=ids)
            .values("charge_id", "charge__name")
            .annotate(n=Count("id"))
            .order_by("-n", "charge__name")[:FACET_VALUES]
        ],
        "year": [
            (str(r["y"]), str(r["y"]), r["n"])
            for r in cases.order_by()
            .exclude(case_date=None)
            .annotate(y=ExtractYear("case_date"))
            .values("y")
            .annotate(n=Count("pk"))
            .order_by("-y")[:FACET_VALUES]
        ],
    }
    names = {
        "kind": _("Kind"),
        "level": pgettext("case", "Level"),
        "charge": _("Charge"),
        "year": _("Year"),
    }
    facets = []
    for name, values in rows.items():
        items = [
            {
                "label": label,
                "count": n,
                "active": active[name] == value,
                "url": _without(params, name, "" if active[name] == value else value),
            }
            for value, label, n in sorted(values, key=lambda v: -v[2])
            if value
        ]
        if name == "year":
            items.sort(key=lambda i: i["label"], reverse=True)
        if items:
            facets.append({"name": names[name], "items": items})
    labels: dict[str, dict[Any, Any]] = {
        "kind": kind_labels,
        "level": level_labels,
        "charge": {active["charge"]: charge_name},
        "year": {},
    }
    chips = [
        {
            "label": str(labels[name].get(value, value)),
            "url": _without(params, name),
        }
        for name, value in active.items()
        if value
    ]
    if params.get("q"):
        chips.insert(0, {"label": f"“{params.get('q')}”", "url": _without(params, "q")})
    return facets, chips


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
        shown = in_force[-1] if in_force else (mine[-1] if mine else None)
        rows.append({"article": article, "version": shown, "in_force": bool(in_force)})
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
    """Return the "law changed, review" flags ``user`` should see: their own, and for
    reviewers of flags (``can_review_law_change_flags``) every flag; in both cases only
    those whose citing item they may read (``can_resolve_law_change_flag``)."""
    from accounts.permissions import (
        can_resolve_law_change_flag,
        can_review_law_change_flags,
    )

    from .models import LawChangeFlag

    if not user.is_authenticated:
        return []
    flags = LawChangeFlag.objects.select_related(
        "article__law", "old_version", "new_version", "owner", "content_type"
    )
    if not can_review_law_change_flags(user):
        flags = flags.filter(owner=user)
    return [flag for flag in flags[:500] if can_resolve_law_change_flag(user, flag)]


def restricted_page_ids_hidden_from(user) -> set[int]:
    """Return ids of restricted case and guideline pages (drafts included) that ``user`` may
    not see: not of their units and not their own. Used to filter the Wagtail admin."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set()
    separated = holds_separated_role(user)
    allowed_units = set(_own_and_ancestor_units(user).values_list("pk", flat=True))
    hidden: set[int] = set()
    for model in (CasePage, GuidelinePage):
        through = model.restricted_units.through
        page_field = f"{model._meta.model_name}_id"
        allowed = (
            set()
            if separated
            else set(
                through.objects.filter(unit_id__in=allowed_units).values_list(
                    page_field, flat=True
                )
            )
        )
        restricted = model.objects.filter(visibility=Visibility.RESTRICTED)
        if not separated:
            restricted = restricted.exclude(owner=user)
        hidden |= set(restricted.exclude(pk__in=allowed).values_list("pk", flat=True))
    return hidden


# Enforcement problems (执法问题) -----------------------------------------------------------
#
# A problem belongs to a unit. Who sees it: the managers of that unit's subtree
# (``accounts.selectors.visible_units``: leaders, unit admins, the system admin), the
# legal officers of the unit or of a unit above it (a 法制员 reviews the cases of their
# unit's subtree), and the person it was recorded against. Who records it: legal
# officers and leaders inside that scope, and the system admin.


def _problem_scope_paths(user) -> list[str] | None:
    """Return the unit path prefixes of ``user``'s problem scope (None: every unit)."""
    from accounts.models import Role
    from accounts.selectors import unit_scope_roots

    if not user.is_authenticated:
        return []
    if sees_all_units(user):
        return None
    paths = [root.path for root in unit_scope_roots(user)]
    if user.has_role(Role.LEGAL_OFFICER) and user.unit_id:
        paths.append(user.unit.path)
    return paths


def problem_units(user) -> QuerySet[Unit]:
    """Return the units whose problems ``user`` may see (not counting their own)."""
    paths = _problem_scope_paths(user)
    if paths is None:
        return Unit.objects.all()
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def problem_queryset_visible_to(user) -> QuerySet:
    """Return the enforcement problems ``user`` may see (see the rule above)."""
    from .models import EnforcementProblem

    problems = EnforcementProblem.objects.all()
    if not user.is_authenticated:
        return problems.none()
    paths = _problem_scope_paths(user)
    if paths is None:
        return problems
    condition = Q(person_id=user.pk)
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return problems.filter(condition)


def can_record_problems(user) -> bool:
    """Return True for the people who record problems: legal officers, leaders and the
    system admin (each inside their scope, see ``problem_record_units``)."""
    from accounts.models import Role

    return bool(
        user.is_authenticated
        and (sees_all_units(user) or user.has_role(Role.LEGAL_OFFICER, Role.LEADER))
    )


def problem_record_units(user) -> QuerySet[Unit]:
    """Return the units ``user`` may record problems against."""
    if not can_record_problems(user):
        return Unit.objects.none()
    return problem_units(user)


def problem_list(*, user, params: Mapping[str, Any]) -> QuerySet:
    """Return the problems ``user`` may see, filtered by ``params`` (unit, category,
    severity, year, q), newest first."""
    from .models import ProblemCategory, ProblemSeverity

    problems = problem_queryset_visible_to(user).select_related(
        "unit", "person", "case_page"
    )
    unit_id = str(params.get("unit") or "")
    if unit_id.isdigit() and int(unit_id) < 2**31:
        unit = problem_units(user).filter(pk=int(unit_id)).first()
        problems = (
            problems.filter(unit__path__startswith=unit.path)
            if unit
            else problems.none()
        )
    if params.get("category") in ProblemCategory.values:
        problems = problems.filter(category=params["category"])
    if params.get("severity") in ProblemSeverity.values:
        problems = problems.filter(severity=params["severity"])
    year = str(params.get("year") or "")
    if year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100:
        problems = problems.filter(found_on__year=int(year))
    query = str(params.get("q") or "").strip()[:100]
    if query:
        problems = problems.filter(
            Q(description__icontains=query)
            | Q(case_reference__icontains=query)
            | Q(person__full_name__icontains=query)
            | Q(campaign__icontains=query)
        )
    return problems.order_by("-found_on", "-id")


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
