"""The trainers' page that maps each problem category to training."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.http import AuthenticatedHttpRequest
from casebank.models import GuidelinePage, ProblemCategory

from .models import CoursePage, ProblemTrainingRule
from .remediation import can_configure_problem_training, problem_training_rule_save


class ProblemTrainingForm(forms.Form):
    category = forms.ChoiceField(
        choices=ProblemCategory.choices, widget=forms.HiddenInput
    )
    courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Courses"),
        queryset=CoursePage.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    guidelines = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Guidelines"),
        queryset=GuidelinePage.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    question_tags = forms.CharField(
        label=gettext_lazy("Question tags"), max_length=300, required=False
    )
    due_days = forms.IntegerField(
        label=gettext_lazy("Days to complete"), min_value=1, max_value=365, initial=30
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds deep copies of the fields declared above.
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["courses"]
        ).queryset = CoursePage.objects.live().order_by("title")
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["guidelines"]
        ).queryset = GuidelinePage.objects.live().order_by("title")


@login_required
def problem_training(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can_configure_problem_training(request.user):
        raise PermissionDenied(
            _("Only trainers and the system admin map problems to training.")
        )
    rules = {
        r.category: r
        for r in ProblemTrainingRule.objects.prefetch_related("courses", "guidelines")
    }
    posted = None
    if request.method == "POST":
        posted = ProblemTrainingForm(request.POST, prefix=request.POST.get("which", ""))
        if posted.is_valid():
            data = posted.cleaned_data
            problem_training_rule_save(
                editor=request.user,
                category=data["category"],
                courses=data["courses"],
                guidelines=data["guidelines"],
                question_tags=data["question_tags"],
                due_days=data["due_days"],
                request=request,
            )
            messages.success(request, _("Saved."))
            return redirect("courses:problem_training")
    forms_by_category = []
    for code, label in ProblemCategory.choices:
        if posted is not None and posted.prefix == code:
            form = posted
        else:
            rule = rules.get(code)
            form = ProblemTrainingForm(
                prefix=code,
                initial={
                    "category": code,
                    "courses": list(rule.courses.all()) if rule else [],
                    "guidelines": list(rule.guidelines.all()) if rule else [],
                    "question_tags": rule.question_tags if rule else "",
                    "due_days": rule.due_days if rule else 30,
                },
            )
        forms_by_category.append((code, label, form))
    return render(
        request, "courses/problem_training.html", {"forms": forms_by_category}
    )
