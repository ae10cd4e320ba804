"""The search page and the "link a new case" page (thin: parse, call, render)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext

from audit.services import audit_log

from .backends import get_search_backend
from .backends.base import FILTER_FIELDS, SearchUnavailable
from .linking import MIN_TEXT, ElementCheck, link_case
from .permissions import LINK_DENIED, audit_link_denied, can_link_cases
from .selectors import (
    SORT_RELEVANCE,
    SORTS,
    group_law_facet,
    hit_as_dict,
    search_documents,
)

PAGE_SIZE = 10
TYPE_LABELS = {
    "case": _lazy("Cases"),
    "article": _lazy("Statutes"),
    "guideline": _lazy("Guidelines"),
    "course": _lazy("Courses"),
}
PAGE_FACETS = ["type", "charge", "law", "year", "case_kind", "level"]

logger = logging.getLogger(__name__)
_warm_started = False
_warm_lock = threading.Lock()


def _warm_encoder() -> None:
    """Load the search model in a background thread, once per process, so the first
    query does not pay for it. The encoder cache (``search.embeddings``) is locked, so a
    query arriving meanwhile waits for this load instead of starting a second one."""
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True
    try:
        encoder = getattr(get_search_backend(), "encoder", None)
    except Exception:  # a broken backend is reported by the search itself
        logger.exception("search model warm-up: no backend")
        return
    if encoder is None:
        return

    def load() -> None:
        try:
            encoder()  # get_encoder_or_none: logs and returns None on failure
        except Exception:
            logger.exception("search model warm-up failed")

    threading.Thread(target=load, name="search-model-warmup", daemon=True).start()


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Search box, type tabs, facet filters, highlighted results."""
    q = request.GET.get("q", "").strip()[:2000]
    doc_type = request.GET.get("type", "")
    doc_type = doc_type if doc_type in TYPE_LABELS else ""
    filters = {
        name: request.GET.getlist(name)
        for name in FILTER_FIELDS
        if request.GET.getlist(name)
    }
    try:
        page_no = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_no = 1
    on_date = None
    if request.GET.get("date"):
        try:
            on_date = dt.date.fromisoformat(request.GET["date"])
        except ValueError:
            on_date = None
    sort = request.GET.get("sort", SORT_RELEVANCE)
    sort = sort if sort in SORTS else SORT_RELEVANCE
    context: dict[str, Any] = {
        "q": q,
        "sort": sort,
        "chips": _filter_chips(request, doc_type=doc_type, filters=filters),
        "doc_type": doc_type,
        "filters": filters,
        "date": request.GET.get("date", ""),
        "types": [(k, str(v)) for k, v in TYPE_LABELS.items()],
    }
    if not (q or filters):
        _warm_encoder()
    if q or filters:
        try:
            page = search_documents(
                user=request.user,
                text=q,
                doc_types=[doc_type] if doc_type else None,
                filters=filters,
                limit=PAGE_SIZE,
                offset=(page_no - 1) * PAGE_SIZE,
                facets=PAGE_FACETS,
                on_date=on_date,
                sort=sort,
            )
        except ValueError as e:
            context["error"] = str(e)
        except SearchUnavailable:
            # The engine is down: the page still renders, with the reason (logged by
            # the backend), and says so in its status.
            context["error"] = _(SearchUnavailable.USER_MESSAGE)
            return render(request, "search/search.html", context, status=503)
        else:
            base = {k: v for k, v in request.GET.lists() if k != "page"}
            context.update(
                results=[_with_labels(hit_as_dict(h)) for h in page.hits],
                total=page.total,
                exact=hit_as_dict(page.exact) if page.exact else None,
                facets=_facet_links(request, page.facets),
                page_no=page_no,
                prev_url=f"?{urlencode({**base, 'page': page_no - 1}, doseq=True)}"
                if page_no > 1
                else "",
                next_url=f"?{urlencode({**base, 'page': page_no + 1}, doseq=True)}"
                if page_no * PAGE_SIZE < page.total
                else "",
            )
    return render(request, "search/search.html", context)


def _with_labels(hit: dict[str, Any]) -> dict[str, Any]:
    """Add the display words of a case hit's coded level and kind."""
    if hit.get("type") == "case":
        hit["level_label"] = _value_labels("level").get(hit.get("level", ""), "")
        hit["kind_label"] = _value_labels("case_kind").get(hit.get("kind", ""), "")
    return hit


def _filter_chips(
    request: HttpRequest, *, doc_type: str, filters: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """One removable chip per active filter value: its label and the URL without it."""
    params = {k: v for k, v in request.GET.lists() if k != "page"}
    chips = []

    def without(name: str, value: str) -> str:
        rest = {k: v for k, v in params.items() if k != name}
        kept = [v for v in params.get(name, []) if v != value]
        if kept:
            rest[name] = kept
        return f"?{urlencode(rest, doseq=True)}"

    if doc_type:
        chips.append(
            {"label": str(TYPE_LABELS[doc_type]), "url": without("type", doc_type)}
        )
    for name, values in filters.items():
        labels = _value_labels(name)
        for value in values:
            chips.append(
                {"label": labels.get(value, value), "url": without(name, value)}
            )
    if request.GET.get("date"):
        chips.append(
            {"label": request.GET["date"], "url": without("date", request.GET["date"])}
        )
    return chips


def _value_labels(name: str) -> dict[str, str]:
    """Display labels of the coded facet values (the case bank's model choices)."""
    if name == "type":
        return {k: str(v) for k, v in TYPE_LABELS.items()}
    try:
        from casebank.models import CaseKind, CaseLevel
    except ImportError:
        return {}
    choices = {"case_kind": CaseKind, "level": CaseLevel}.get(name)
    return {value: str(label) for value, label in choices.choices} if choices else {}


def _facet_links(
    request: HttpRequest, facets: dict[str, dict[str, int]]
) -> list[dict[str, Any]]:
    labels = {
        "type": _("Type"),
        "charge": _("Charge"),
        "law": _("Law"),
        "year": _("Year"),
        "case_kind": _("Case kind"),
        # The case bank also translates a bare "Level" (a law's 效力级别).
        "level": pgettext("search facet: case level", "Level"),
    }
    out = []
    for name, counts in facets.items():
        if not counts:
            continue
        members: dict[str, set[str]] = {}
        if name == "law":
            counts, members = group_law_facet(counts)
        value_labels = _value_labels(name)
        items = []
        for value, count in list(counts.items())[:12]:
            params = {k: v for k, v in request.GET.lists() if k != "page"}
            current = params.get(name, [])
            # A law filtered by its other name still shows as active, and a click
            # removes every name of it.
            same = members.get(value, {value})
            active = any(v in same for v in current)
            if name == "type":
                params[name] = [value]
            elif active:
                params[name] = [v for v in current if v not in same]
            else:
                params[name] = [*current, value]
            items.append(
                {
                    "label": value_labels.get(value, value),
                    "count": count,
                    "url": f"?{urlencode(params, doseq=True)}",
                    "active": active,
                }
            )
        out.append({"name": labels.get(name, name), "items": items})
    return out


@login_required
def link_page(request: HttpRequest) -> HttpResponse:
    """Paste a new case description; see precedents, charges, articles and elements.
    Legal officers and leaders only (``search.permissions``)."""
    if not can_link_cases(request.user):
        audit_link_denied(request, via="web")
        return render(
            request, "search/link_denied.html", {"message": LINK_DENIED}, status=403
        )
    context: dict[str, Any] = {"text": "", "min_chars": MIN_TEXT}
    if request.method == "POST":
        text = request.POST.get("text", "").strip()[:20000]
        context["text"] = text
        try:
            result = link_case(text, request.user, limit=10)
        except ValueError:
            context["error"] = _("Describe the case in at least %(n)d characters.") % {
                "n": MIN_TEXT
            }
        except SearchUnavailable:
            context["error"] = _(SearchUnavailable.USER_MESSAGE)
            return render(request, "search/link.html", context, status=503)
        else:
            audit_log(
                action="search.link_case",
                actor=request.user,
                request=request,
                result="success",
                details={
                    "chars": len(text),
                    "precedents": [p.id for p in result.precedents],
                    "via": "web",
                },
            )
            by_charge: dict[str, list[ElementCheck]] = {}
            for element in result.elements:
                by_charge.setdefault(element.charge, []).append(element)
            context.update(result=result, elements_by_charge=by_charge)
    return render(request, "search/link.html", context)
