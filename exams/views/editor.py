"""The question editor for trainers: create and edit a question of any type, its parts
and rubric, preview it as the candidate sees it, retire or restore it, act on many at
once; and the fixed-paper editor. What differs by type is asked of ``exams.qtypes``."""

from __future__ import annotations

import random
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.params import id_param, id_params

from .. import qtypes, services
from ..models import Blueprint, BlueprintItem, Category, Level, Question
from .manage import trainer_required

TAG_SPLIT = re.compile(r"[；;,，、\s]+")
REF_SPLIT = re.compile(r"[；;\n]+")
PREVIEW_POINTS = Decimal(10)


class QuestionForm(forms.Form):
    """The fields every type has; ``options`` and ``answer`` are shown by shape."""

    category = forms.ModelChoiceField(
        label=pgettext_lazy("exam", "category"),
        queryset=Category.objects.select_related("parent"),
    )
    stem = forms.CharField(
        label=gettext_lazy("Stem (case: material)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    options = forms.CharField(
        label=gettext_lazy("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answer = forms.CharField(label=gettext_lazy("Answer"), required=False)
    analysis = forms.CharField(
        label=gettext_lazy("Analysis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    difficulty = forms.IntegerField(
        label=gettext_lazy("Difficulty"), min_value=1, max_value=5, initial=3
    )
    level = forms.ChoiceField(
        label=gettext_lazy("level"), choices=Level.choices, initial=Level.BASIC
    )
    police_type = forms.CharField(
        label=gettext_lazy("police branch"), required=False, max_length=30
    )
    tags = forms.CharField(label=gettext_lazy("tags"), required=False)
    articles = forms.CharField(
        label=pgettext_lazy("exam", "Cited articles"),
        required=False,
        help_text=gettext_lazy("e.g. 刑法第二百六十四条；治安管理处罚法第49条"),
    )
    fix_key_only = forms.BooleanField(
        label=gettext_lazy(
            "Correct the key of the version already used (then regrade)"
        ),
        required=False,
    )


class PartForm(forms.Form):
    """One sub-question of a case analysis."""

    kind = forms.ChoiceField(label=pgettext_lazy("exam", "type"), choices=[])
    stem = forms.CharField(
        label=gettext_lazy("stem"), widget=forms.Textarea(attrs={"rows": 2})
    )
    options = forms.CharField(
        label=gettext_lazy("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    answer = forms.CharField(label=gettext_lazy("Answer"), required=False)
    weight = forms.DecimalField(
        label=gettext_lazy("Share (weight)"),
        required=False,
        min_value=Decimal("0.5"),
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("Written answers: the rubric total"),
    )
    rubric = forms.CharField(
        label=gettext_lazy("Rubric, one item per line: 要点（3分）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    analysis = forms.CharField(
        label=gettext_lazy("Analysis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, kinds=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)


PartFormSet = forms.formset_factory(PartForm, extra=2, can_delete=True)


def _split(text: str, pattern: re.Pattern) -> list[str]:
    return [t.strip() for t in pattern.split(text or "") if t.strip()]


def _parts(handler, formset) -> list[dict]:
    parts = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        parts.append(handler.part_from_form(data, len(parts) + 1))
    return parts


def _shares(handler, version) -> list[tuple[dict, Decimal]]:
    """Each part with its share of the question's points, in per cent."""
    total = handler.max_weight(version) or Decimal(1)
    return [
        (p, (Decimal(str(p.get("weight", 0))) * 100 / total).quantize(Decimal("0.1")))
        for p in version.parts
    ]


def _render_editor(request, *, handler, form, formset, question=None, **extra):
    context = {
        "handler": handler,
        "shape": handler.shape,
        "form": form,
        "formset": formset,
        "question": question,
        **extra,
    }
    return render(request, "exams/manage/question_form.html", context)


def _content(handler, form, formset) -> dict:
    data = dict(form.cleaned_data)
    if handler.shape == "parts":
        data["parts"] = _parts(handler, formset)
    content = handler.editor_content(data)
    content["analysis"] = form.cleaned_data["analysis"]
    return content


def _attributes(form) -> dict:
    data = form.cleaned_data
    return {
        "category": data["category"],
        "difficulty": data["difficulty"],
        "level": data["level"],
        "police_type": data["police_type"].strip(),
        "tags": _split(data["tags"], TAG_SPLIT),
        "article_refs": _split(data["articles"], REF_SPLIT),
    }


@login_required
@trainer_required
def question_new(request: HttpRequest) -> HttpResponse:
    """Choose a type, then write the question."""
    code = request.GET.get("qtype") or request.POST.get("qtype")
    try:
        handler = qtypes.get(code) if code else None
    except KeyError:
        handler = None
    if handler is None:
        return render(
            request, "exams/manage/question_new.html", {"types": qtypes.choices()}
        )
    form = QuestionForm(request.POST or None)
    formset = PartFormSet(
        request.POST or None,
        prefix="parts",
        form_kwargs={"kinds": handler.part_kinds},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (handler.shape != "parts" or formset.is_valid())
    ):
        attributes = _attributes(form)
        try:
            question = services.question_create(
                qtype=handler.code,
                content=_content(handler, form, formset),
                actor=request.user,
                **attributes,
            )
        except ValidationError as e:
            for problem in e.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("exams:question_edit", pk=question.pk)
    return _render_editor(request, handler=handler, form=form, formset=formset)


@login_required
@trainer_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a question: a new version once the current one was shown in an attempt."""
    question = get_object_or_404(
        Question.objects.select_related("current_version", "category"), pk=pk
    )
    handler = qtypes.get(question.qtype)
    version = question.current_version
    initial = {
        **handler.editor_initial(version),
        "analysis": version.analysis,
        "category": question.category_id,
        "difficulty": question.difficulty,
        "level": question.level,
        "police_type": question.police_type,
        "tags": "；".join(question.tags),
        "articles": "；".join(question.article_refs),
    }
    form = QuestionForm(request.POST or None, initial=initial)
    formset = PartFormSet(
        request.POST or None,
        prefix="parts",
        form_kwargs={"kinds": handler.part_kinds},
        initial=[handler.part_initial(p) for p in version.parts]
        if handler.shape == "parts"
        else [],
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (handler.shape != "parts" or formset.is_valid())
    ):
        content = _content(handler, form, formset)
        try:
            if form.cleaned_data["fix_key_only"]:
                services.version_key_fix(
                    version=version,
                    answer=content["answer"],
                    parts=content["parts"] if handler.shape == "parts" else None,
                    actor=request.user,
                    request=request,
                )
            else:
                services.question_edit(
                    question=question,
                    content=content,
                    actor=request.user,
                    request=request,
                    **_attributes(form),
                )
        except ValidationError as e:
            for problem in e.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("exams:question_edit", pk=question.pk)
    resolved = list(question.articles.select_related("law"))
    return _render_editor(
        request,
        handler=handler,
        form=form,
        formset=formset,
        question=question,
        versions=question.versions.order_by("-number"),
        in_use=services.version_in_use(version),
        shares=_shares(handler, version),
        resolved=resolved,
        unresolved=len(question.article_refs) > len(resolved),
    )


def _preview_item(question: Question, points: Decimal, order: int = 1) -> dict:
    """One question as a candidate's paper shows it (options shuffled, no answers)."""
    version = question.current_version
    handler = qtypes.get(question.qtype)
    # A fixed seed: the preview shows the same order on every reload (not a secret).
    option_order = handler.shuffle(version, random.Random(question.pk))  # noqa: S311
    item = {
        "order": order,
        "qtype": question.qtype,
        "shape": handler.shape,
        "type_label": question.get_qtype_display(),
        "points": points,
        "stem": version.stem,
        "material": version.material,
        "multi": handler.multi,
    }
    item.update(
        handler.candidate_item(
            version=version, option_order=option_order, response=None, points=points
        )
    )
    return item


@login_required
@trainer_required
def question_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The question exactly as the candidate's page renders it."""
    question = get_object_or_404(
        Question.objects.select_related("current_version"), pk=pk
    )
    try:
        points = Decimal(request.GET.get("points") or PREVIEW_POINTS)
    except InvalidOperation:
        points = PREVIEW_POINTS
    if not points.is_finite() or not 0 < points <= 1000:  # NaN compared: 500
        points = PREVIEW_POINTS
    return render(
        request,
        "exams/manage/preview.html",
        {
            "title": _("Preview"),
            "paper": [_preview_item(question, points)],
            "back": reverse("exams:question_edit", args=[pk]),
        },
    )


@login_required
@trainer_required
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``action=retire|restore``."""
    if request.method != "POST":
        return redirect("exams:question_edit", pk=pk)
    question = get_object_or_404(Question, pk=pk)
    action = request.POST.get("action")
    if action not in ("retire", "restore"):
        messages.error(request, _("Choose retire or restore."))
        return redirect("exams:question_edit", pk=pk)
    services.question_set_active(
        question=question,
        active=action == "restore",
        actor=request.user,
        request=request,
    )
    messages.success(
        request,
        _("The question was retired.")
        if action == "retire"
        else _("The question was restored."),
    )
    return redirect("exams:question_edit", pk=pk)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    # Only a path of this site: redirect() would take "-1" for a view name (a 500).
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("exams:question_list")
    return redirect(target or reverse("exams:question_list"))


@login_required
@trainer_required
def question_bulk(request: HttpRequest) -> HttpResponse:
    """POST the ticked ``ids`` with an ``action`` (and ``value``) from the bank's list."""
    if request.method != "POST":
        return redirect("exams:question_list")
    ids = id_params(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    value: object = request.POST.get("value", "").strip()
    if not ids:
        messages.error(request, _("Tick at least one question."))
        return _back(request)
    try:
        if action == "paper":
            blueprint = Blueprint.objects.filter(
                pk=id_param(value) or 0, mode=Blueprint.Mode.FIXED
            ).first()
            if blueprint is None:
                raise ValidationError(_("Choose a fixed paper."))
            n = services.blueprint_add_questions(
                blueprint=blueprint,
                questions=list(Question.objects.filter(pk__in=ids).order_by("pk")),
                points=_points(request.POST.get("points")),
                actor=request.user,
                request=request,
            )
        else:
            if action == "category":
                value = Category.objects.filter(pk=id_param(value) or 0).first()
                if value is None:
                    raise ValidationError(_("Choose a category."))
            elif action == "difficulty" and str(value) not in tuple("12345"):
                raise ValidationError(_("Difficulty must be 1 to 5."))
            n = services.questions_bulk(
                question_ids=ids,
                action=action,
                value=value,
                actor=request.user,
                request=request,
            )
    except ValidationError as e:
        messages.error(request, e.messages[0])
    else:
        messages.success(request, _("{n} questions changed.").format(n=n))
    return _back(request)


def _points(value: str | None) -> Decimal:
    try:
        points = Decimal(value or "0")
    except InvalidOperation as e:
        raise ValidationError(_("Points must be a number above 0.")) from e
    if not 0 < points <= 1000:
        raise ValidationError(_("Points must be a number above 0."))
    return points


# Fixed papers -----------------------------------------------------------------------


def _fixed_or_none(request: HttpRequest, pk: int) -> Blueprint | None:
    """The fixed paper ``pk``; None (with a message) for a blueprint drawn at random."""
    blueprint = get_object_or_404(Blueprint, pk=pk)
    if blueprint.mode != Blueprint.Mode.FIXED:
        messages.info(
            request,
            _("This blueprint draws each paper at random: its rows are edited here."),
        )
        return None
    return blueprint


@login_required
@trainer_required
def fixed_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A fixed paper's questions: add by number, change points and order, remove."""
    blueprint = _fixed_or_none(request, pk)
    if blueprint is None:
        return redirect("exams:blueprint_edit", pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                ids = id_params(re.findall(r"\d+", request.POST.get("ids", "")))
                found = list(Question.objects.filter(pk__in=ids).order_by("pk"))
                if len(found) != len(set(ids)) or not ids:
                    raise ValidationError(_("Unknown question numbers."))
                n = services.blueprint_add_questions(
                    blueprint=blueprint,
                    questions=found,
                    points=_points(request.POST.get("points")),
                    actor=request.user,
                    request=request,
                )
                messages.success(request, _("{n} questions added.").format(n=n))
            elif action == "save":
                changes = {}
                for item in blueprint.items.all():
                    order = request.POST.get(f"order-{item.pk}", "")
                    changes[item.pk] = {
                        "remove": bool(request.POST.get(f"remove-{item.pk}")),
                        "points": _points(request.POST.get(f"points-{item.pk}")),
                        "sort_order": int(order)
                        if order.isascii() and order.isdigit() and len(order) < 10
                        else None,
                    }
                services.blueprint_items_update(
                    blueprint=blueprint,
                    changes=changes,
                    actor=request.user,
                    request=request,
                )
                messages.success(request, _("The paper was saved."))
        except ValidationError as e:
            messages.error(request, e.messages[0])
        return redirect("exams:fixed_paper", pk=pk)
    items = blueprint.items.select_related("question__current_version")
    return render(
        request,
        "exams/manage/fixed_paper.html",
        {"blueprint": blueprint, "items": items},
    )


@login_required
@trainer_required
def paper_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A fixed paper as its candidates will see it."""
    blueprint = _fixed_or_none(request, pk)
    if blueprint is None:
        return redirect("exams:blueprint_edit", pk=pk)
    items: list[BlueprintItem] = list(
        blueprint.items.select_related("question__current_version")
    )
    return render(
        request,
        "exams/manage/preview.html",
        {
            "title": blueprint.name,
            "paper": [
                _preview_item(i.question, i.points, order=n)
                for n, i in enumerate(items, start=1)
                if i.question.current_version_id
            ],
            "back": reverse("exams:fixed_paper", args=[pk]),
        },
    )
