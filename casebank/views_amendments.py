"""Statute maintenance in pages: a legal officer enters an amended article text (law,
article, new text, effective date, source); a second legal officer approves it, which
records the version and raises the "law changed, review" flags as the import does. And
the searchable article chooser (by citation such as 刑法264, or by words)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.params import id_param

from .models import AmendmentStatus, Article, ArticleAmendment
from .selectors import article_search
from .services import (
    AMENDMENT_NOT_LEGAL_OFFICER,
    amendment_can_enter,
    amendment_propose,
    amendment_review,
)


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("new text"), widget=forms.Textarea(attrs={"rows": 6})
    )
    effective_from = forms.DateField(
        label=gettext_lazy("effective from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = forms.CharField(
        label=gettext_lazy("source"),
        max_length=300,
        help_text=gettext_lazy("e.g. 刑法修正案（十二）, 2023-12-29 全国人大常委会"),
    )


def _legal_officer(request: HttpRequest) -> None:
    if not amendment_can_enter(request.user):
        raise PermissionDenied(_(AMENDMENT_NOT_LEGAL_OFFICER))


@login_required
def amendment_list(request: HttpRequest) -> HttpResponse:
    """Amendments awaiting review (approve or reject unless you entered them) and the
    latest reviewed ones."""
    _legal_officer(request)
    amendments = ArticleAmendment.objects.select_related(
        "article__law", "proposed_by", "reviewed_by"
    )
    return render(
        request,
        "casebank/amendments.html",
        {
            "pending": amendments.filter(status=AmendmentStatus.PENDING),
            "done": amendments.exclude(status=AmendmentStatus.PENDING)[:30],
        },
    )


@login_required
def amendment_new(request: HttpRequest) -> HttpResponse:
    """Find the article (citation or words), then enter its new text."""
    _legal_officer(request)
    article = None
    if article_id := id_param(request.GET.get("article")):
        article = get_object_or_404(
            Article.objects.select_related("law"), pk=article_id
        )
    query = request.GET.get("q", "").strip()
    results = article_search(query) if query and article is None else []
    form = AmendmentForm(request.POST or None) if article else None
    if (
        request.method == "POST"
        and article is not None
        and form is not None
        and form.is_valid()
    ):
        try:
            amendment_propose(
                actor=request.user,
                article=article,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as e:
            form.add_error(None, e.messages[0])
        else:
            messages.success(
                request,
                _("The amendment was entered; a second legal officer reviews it."),
            )
            return redirect("casebank:amendment_list")
    return render(
        request,
        "casebank/amendment_new.html",
        {
            "q": query,
            "results": results,
            "article": article,
            "current": article.current_version() if article else None,
            "form": form,
        },
    )


@login_required
@require_POST
def amendment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``decision=approve|reject`` (and a ``note``)."""
    _legal_officer(request)
    amendment = get_object_or_404(ArticleAmendment, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return redirect("casebank:amendment_list")
    try:
        amendment = amendment_review(
            amendment=amendment,
            reviewer=request.user,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
            request=request,
        )
    except (ValidationError, PermissionDenied) as e:
        messages.error(
            request, e.messages[0] if isinstance(e, ValidationError) else str(e)
        )
    else:
        if amendment.status == AmendmentStatus.APPROVED:
            messages.success(
                request,
                _(
                    "Approved: the new text is in force from {date}; {n} items citing it were flagged for review."
                ).format(date=amendment.effective_from, n=amendment.flags_created),
            )
        else:
            messages.success(request, _("The amendment was rejected."))
    return redirect("casebank:amendment_list")


@login_required
def article_choose(request: HttpRequest) -> JsonResponse:
    """The article chooser's search: ``?q=刑法264`` or words → up to 20 articles."""
    results = article_search(request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "id": a.pk,
                    "label": str(a),
                    "citation": a.citation,
                    "url": a.get_absolute_url(),
                }
                for a in results
            ]
        }
    )
