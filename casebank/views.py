"""Statute library, reference lookup, charges and law-change flags. Case and guideline pages
are Wagtail pages (see models); every list here goes through ``selectors`` for visibility."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can_resolve_law_change_flag, get_object_for

from . import selectors
from .models import (
    Article,
    CaseIndexPage,
    Charge,
    ChargeKind,
    GuidelineIndexPage,
    LawChangeFlag,
    LawLevel,
)
from .references import parse_references, resolve
from .services import law_change_flag_resolve, text_diff


def _date_param(request: HttpRequest):
    return selectors.parse_date(request.GET.get("date"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from .models import Charge, Law

    return render(
        request,
        "casebank/home.html",
        {
            "law_count": Law.objects.count(),
            "article_count": Article.objects.count(),
            "charge_count": Charge.objects.filter(live=True).count(),
            "featured_charges": selectors.charge_list(with_elements=True)[:16],
            "recent_cases": selectors.case_queryset_visible_to(request.user).order_by(
                "-case_date"
            )[:6],
            "case_index": CaseIndexPage.objects.live().first(),
            "guideline_index": GuidelineIndexPage.objects.live().first(),
            "flag_count": len(
                [f for f in selectors.flag_list_for(request.user) if f.status == "open"]
            ),
        },
    )


@login_required
def law_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    query = request.GET.get("q", "").strip()[:100]
    level = request.GET.get("level", "")
    laws = selectors.law_list(query=query)
    if level in LawLevel.values:
        laws = laws.filter(level=level)
    page = Paginator(laws, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "casebank/law_list.html",
        {
            "laws": page,
            "page_obj": page,
            "q": query,
            "level": level,
            "levels": LawLevel.choices,
        },
    )


@login_required
def law_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Law

    law = get_object_or_404(Law, pk=pk)
    date = _date_param(request)
    rows = selectors.law_articles_on(law, date or timezone.localdate())
    return render(
        request,
        "casebank/law_detail.html",
        {
            "law": law,
            "date": date,
            "chapters": selectors.law_chapters(rows),
            "article_count": len(rows),
            "not_in_force": sum(1 for r in rows if not r["in_force"]),
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(article_id=pk)
    if article is None:
        raise Http404
    date = _date_param(request)
    versions = selectors.article_versions(article)
    shown = article.version_on(date) if date else article.current_version()
    history = []
    for previous, version in zip([None, *versions], versions, strict=False):
        history.append(
            {
                "version": version,
                "diff": text_diff(previous.text, version.text) if previous else "",
            }
        )
    return render(
        request,
        "casebank/article_detail.html",
        {
            "article": article,
            "date": date,
            "shown": shown,
            "in_force_today": article.version_on(timezone.localdate()) is not None,
            "history": history,
            "charges": Charge.objects.filter(articles=article, live=True),
            "cases": selectors.cases_citing_article(request.user, article)[:20],
            "neighbours": {
                "previous": Article.objects.filter(law=article.law)
                .filter(number__lte=article.number)
                .exclude(pk=article.pk)
                .order_by("-number", "-sub_number")
                .first(),
                "next": Article.objects.filter(law=article.law)
                .filter(number__gte=article.number)
                .exclude(pk=article.pk)
                .order_by("number", "sub_number")
                .first(),
            },
        },
    )


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Exact reference lookup: one resolvable reference redirects to the article."""
    query = request.GET.get("q", "").strip()[:500]
    date = _date_param(request)
    results = []
    for ref in parse_references(query):
        results.append({"ref": ref, "article": resolve(ref, date)})
    found = [r for r in results if r["article"]]
    if len(results) == 1 and found:
        url = reverse("casebank:article_detail", args=[found[0]["article"].pk])
        return redirect(f"{url}?date={date.isoformat()}" if date else url)
    return render(
        request,
        "casebank/lookup.html",
        {
            "q": query,
            "date": date,
            "results": results,
            "nothing": bool(query) and not results,
            "nothing_message": _(
                "No statute reference found in “%(q)s”. Try e.g. 刑法第264条."
            )
            % {"q": query},
        },
    )


@login_required
def charge_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()[:100]
    charges = selectors.charge_list(
        kind=kind if kind in ChargeKind.values else "", query=query
    )
    return render(
        request,
        "casebank/charge_list.html",
        {
            "charges": charges[:600],
            "kind": kind,
            "kinds": ChargeKind.choices,
            "q": query,
        },
    )


@login_required
def charge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Charge

    charge = get_object_or_404(
        Charge.objects.prefetch_related("elements"), pk=pk, live=True
    )
    return render(
        request,
        "casebank/charge_detail.html",
        {
            "charge": charge,
            "articles": charge.articles.select_related("law").order_by(
                "law_id", "number", "sub_number"
            ),
            "cases": selectors.cases_for_charge(request.user, charge)[:20],
        },
    )


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    flags = selectors.flag_list_for(request.user)
    status = request.GET.get("status", "open")
    if status in ("open", "resolved"):
        flags = [f for f in flags if f.status == status]
    return render(
        request, "casebank/flag_list.html", {"flags": flags, "status": status}
    )


@login_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_for(request, can_resolve_law_change_flag, LawChangeFlag, pk=pk)
    try:
        law_change_flag_resolve(flag=flag, user=request.user)
        messages.success(request, _("Marked as reviewed."))
    except ValueError:
        messages.error(request, _("This flag has already been marked as reviewed."))
    return redirect("casebank:flag_list")


class LatestCasesFeed(Feed):
    """RSS of the newest cases the signed-in reader may see (restricted ones only for their units)."""

    title = "典型案例库 · 最新案例"
    description = "最新发布的典型案例"

    def __call__(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("casebank:home")

    def items(self):
        return selectors.case_queryset_visible_to(self.request.user).order_by(
            "-first_published_at"
        )[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.url or "/"
