"""Forms for offline training, reviews, group attendance and requirements."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role, User

from .models import CertificationKind, CreditCategory, OfflineKind, RoleRequirement

PEOPLE_LINE_UNKNOWN = _("Line {line}: nobody with police number or username “{value}”.")
PEOPLE_EMPTY = _("List at least one person.")


class OfflineActivityForm(forms.Form):
    # Grouped on the page (core/includes/form.html): what it was, then the proof.
    fieldsets = [
        (
            _("What you attended"),
            _("The kind, title, date and hours as on the invitation or sign-in sheet."),
            ["kind", "title", "occurred_on", "hours", "location"],
        ),
        (
            _("Details and evidence"),
            _("A photo of the sign-in sheet or the certificate speeds up the review."),
            ["description", "evidence"],
        ),
    ]

    kind = forms.ChoiceField(label=_("Kind"), choices=OfflineKind.choices)
    title = forms.CharField(label=pgettext_lazy("records", "Title"), max_length=200)
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.5"), max_digits=5, decimal_places=1
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = forms.FileField(
        label=_("Evidence (photo or document)"),
        required=False,
        help_text=_("JPEG, PNG, PDF or Word; at most 10 MB."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class GroupAttendanceForm(forms.Form):
    fieldsets = [
        (
            _("What was held"),
            "",
            ["kind", "title", "occurred_on", "hours", "location"],
        ),
        (
            _("Who attended"),
            _("Each person gets the hours at once, without a review."),
            ["people"],
        ),
    ]

    kind = forms.ChoiceField(label=_("Kind"), choices=OfflineKind.choices)
    title = forms.CharField(label=pgettext_lazy("records", "Title"), max_length=200)
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.5"), max_digits=5, decimal_places=1
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    people = forms.CharField(
        label=_("Attendees"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One police number or username per line."),
    )

    def clean_people(self) -> list[User]:
        lines = [
            (n, line.strip())
            for n, line in enumerate(self.cleaned_data["people"].splitlines(), 1)
        ]
        lines = [(n, v) for n, v in lines if v]
        if not lines:
            raise forms.ValidationError(PEOPLE_EMPTY)
        values = [v for _n, v in lines]
        found = {}
        for user in User.objects.filter(police_number__in=values) | User.objects.filter(
            username__in=values
        ):
            found[user.police_number] = user
            found[user.username] = user
        errors = [
            PEOPLE_LINE_UNKNOWN.format(line=n, value=v)
            for n, v in lines
            if v not in found
        ]
        if errors:
            raise forms.ValidationError(errors)
        unique: dict[int, User] = {}
        for _n, v in lines:
            unique[found[v].pk] = found[v]
        return list(unique.values())


class RoleRequirementForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    required_item_types = forms.CharField(
        label=_("Required item types"),
        required=False,
        help_text=_("Comma-separated, e.g. exam_qualification, course_case_review"),
    )

    class Meta:
        model = RoleRequirement
        fields = [
            "role",
            "year",
            "min_hours",
            "pre_meeting_study_min",
            "required_item_types",
            "required_items",
            "note",
        ]
        widgets = {"required_items": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, label in CreditCategory.choices:
            initial = (
                (self.instance.category_minimums or {}).get(code)
                if self.instance.pk
                else None
            )
            self.fields[f"cat_{code}"] = forms.DecimalField(
                label=_("Minimum hours: %(category)s") % {"category": label},
                required=False,
                min_value=0,
                max_digits=6,
                decimal_places=1,
                initial=initial,
            )
        if self.instance.pk:
            self.initial["required_item_types"] = ", ".join(
                self.instance.required_item_types or []
            )

    def clean_required_item_types(self) -> list[str]:
        raw = self.cleaned_data.get("required_item_types") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]

    def save(self, commit: bool = True) -> RoleRequirement:
        self.instance.category_minimums = {
            code: str(self.cleaned_data[f"cat_{code}"])
            for code, _label in CreditCategory.choices
            if self.cleaned_data.get(f"cat_{code}")
        }
        self.instance.required_item_types = self.cleaned_data["required_item_types"]
        return super().save(commit=commit)


class CertificationForm(forms.Form):
    person = forms.CharField(label=_("Police number or username"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=CertificationKind.choices)
    level = forms.CharField(
        label=pgettext_lazy("records", "Level"), max_length=30, required=False
    )
    issued_at = forms.DateField(
        label=_("Issued"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_at = forms.DateField(
        label=_("Expires"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_person(self) -> User:
        value = self.cleaned_data["person"].strip()
        user = (
            User.objects.filter(police_number=value)
            | User.objects.filter(username=value)
        ).first()
        if user is None:
            raise forms.ValidationError(
                _("Nobody with police number or username “%(value)s”.")
                % {"value": value}
            )
        return user
