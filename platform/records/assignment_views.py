"""Management pages for assignment rules, waivers and extensions (``/records/assignments/``).

Views parse, ask ``accounts.permissions`` and call one service each; the rules live in
``records.services`` (audited there) and the item types in ``records.assignables``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import PoliceType, Post, Role, Unit, User
from accounts.permissions import (
    can_assign_training,
    can_exempt,
    can_exempt_assignment,
    get_object_for,
    permission_required,
)
from accounts.selectors import visible_people, visible_units

from . import selectors, services
from .assignables import assignable_type, assignable_types
from .models import Assignment, AssignmentRule

OUTSIDE_SCOPE = gettext_lazy("Choose a unit of yours, or people of your units.")
UNKNOWN_PEOPLE = gettext_lazy("No such person in your scope: %(names)s")
UNKNOWN_TARGET = gettext_lazy("This item can no longer be assigned.")


def _end_of_day(day) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


class AssignmentRuleForm(forms.Form):
    """One rule, or one rule per named person when people are listed."""

    target = forms.ChoiceField(label=gettext_lazy("What to assign"))
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=None, required=False
    )
    include_subunits = forms.BooleanField(
        label=gettext_lazy("Include subunits"), required=False, initial=True
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[("", "—"), *Role.choices],
        required=False,
    )
    post = forms.ModelChoiceField(
        label=gettext_lazy("Post"), queryset=Post.objects.none(), required=False
    )
    police_type = forms.ModelChoiceField(
        label=gettext_lazy("Police type"),
        queryset=PoliceType.objects.none(),
        required=False,
    )
    people = forms.CharField(
        label=gettext_lazy("Named people"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Police numbers or usernames, one per line: each gets the item, whatever "
            "the other fields say."
        ),
    )
    due = forms.DateField(
        label=gettext_lazy("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Used when the item sets no due date of its own."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast("forms.ChoiceField", self.fields["target"]).choices = [
            (
                str(kind.label),
                [(f"{kind.item_type}:{pk}", title) for pk, title in kind.choices()],
            )
            for kind in assignable_types()
        ]
        unit = cast("forms.ModelChoiceField[Unit]", self.fields["unit"])
        unit.queryset = visible_units(user).order_by("path")
        if selectors.assigns_everywhere(user):
            unit.queryset = Unit.objects.order_by("path")
        post = cast("forms.ModelChoiceField[Post]", self.fields["post"])
        post.queryset = Post.objects.filter(is_active=True)
        police_type = cast(
            "forms.ModelChoiceField[PoliceType]", self.fields["police_type"]
        )
        police_type.queryset = PoliceType.objects.filter(is_active=True)

    def clean_people(self) -> list[User]:
        names = [n.strip() for n in self.cleaned_data["people"].split() if n.strip()]
        if not names:
            return []
        scope = (
            visible_people(self.user)
            if not selectors.assigns_everywhere(self.user)
            else None
        )
        matches = User.objects.filter(
            Q(police_number__in=names) | Q(username__in=names), is_active=True
        )
        if scope is not None:
            matches = matches.filter(pk__in=scope.values("pk"))
        found = list(matches)
        known = {p.police_number for p in found} | {p.username for p in found}
        missing = [n for n in names if n not in known]
        if missing:
            raise ValidationError(UNKNOWN_PEOPLE % {"names": "、".join(missing)})
        return found

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            not data.get("people")
            and data.get("unit") is None
            and not selectors.assigns_everywhere(self.user)
        ):
            raise ValidationError(OUTSIDE_SCOPE)
        return data

    def criteria(self) -> list[dict]:
        """The keyword arguments of each rule to create."""
        data = self.cleaned_data
        due_at = _end_of_day(data.get("due"))
        if data["people"]:
            return [{"person": p, "due_at": due_at} for p in data["people"]]
        return [
            {
                "unit": data.get("unit"),
                "include_subunits": bool(data.get("include_subunits")),
                "role": data.get("role") or "",
                "post": data.get("post"),
                "police_type": data.get("police_type"),
                "due_at": due_at,
            }
        ]


@dataclass(frozen=True)
class RuleRow:
    """One line of the rules list: the rule, its item's type and how many it binds."""

    rule: AssignmentRule
    type_label: str
    assignees: int  # people the rule's item is required of


@permission_required(can_assign_training)
def assignment_rules(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the rules in the person's scope, and create new ones."""
    form = AssignmentRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        item_type, _sep, item_id = form.cleaned_data["target"].partition(":")
        kind = assignable_type(item_type)
        item = kind.item(item_id) if kind else None
        if item is None:
            form.add_error("target", UNKNOWN_TARGET)
        else:
            try:
                for criteria in form.criteria():
                    services.assignment_rule_create(
                        actor=request.user, item=item, request=request, **criteria
                    )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(
                    request, _("Assigned: %(title)s") % {"title": item.title}
                )
                return redirect("records:assignment_rules")
    rules = [
        RuleRow(
            rule=rule,
            type_label=selectors.item_type_display(rule.item.item_type),
            assignees=rule.item.assignments.filter(required=True).count(),
        )
        for rule in selectors.assignment_rule_list(request.user)
    ]
    return render(
        request,
        "records/assignment_rules.html",
        {"form": form, "rules": rules},
    )


@require_POST
@permission_required(can_assign_training)
def assignment_rule_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_for(
        request,
        can_assign_training,
        selectors.assignment_rule_list(request.user),
        pk=pk,
    )
    services.assignment_rule_delete(actor=request.user, rule=rule, request=request)
    messages.success(request, _("Rule deleted."))
    return redirect("records:assignment_rules")


class ExemptionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("waive", "waive"), ("extend", "extend"), ("revoke", "revoke")]
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=255, required=False
    )
    until = forms.DateField(
        label=gettext_lazy("New due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@permission_required(can_exempt)
def assignment_exemption(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Waive one person's assignment with a reason, lift a waiver, or extend its due
    date; the person must be in the admin's units (404 otherwise)."""
    assignment = get_object_for(
        request,
        can_exempt_assignment,
        Assignment.objects.select_related("item", "user", "user__unit"),
        pk=pk,
    )
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        reason = form.cleaned_data["reason"]
        try:
            if action == "waive":
                services.assignment_waive(
                    actor=request.user,
                    assignment=assignment,
                    reason=reason,
                    request=request,
                )
                messages.success(request, _("Waived."))
            elif action == "revoke":
                services.assignment_waiver_revoke(
                    actor=request.user, assignment=assignment, request=request
                )
                messages.success(request, _("Waiver lifted."))
            else:
                until = _end_of_day(form.cleaned_data.get("until"))
                if until is None:
                    raise ValidationError(_("Give the new due date."))
                services.assignment_extend(
                    actor=request.user,
                    assignment=assignment,
                    until=until,
                    reason=reason,
                    request=request,
                )
                messages.success(request, _("Due date extended."))
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return redirect("records:assignment_exemption", pk=assignment.pk)
    return render(
        request,
        "records/assignment_exemption.html",
        {
            "assignment": assignment,
            "form": form,
            "type_label": selectors.item_type_display(assignment.item.item_type),
        },
    )
