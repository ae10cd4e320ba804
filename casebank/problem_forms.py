"""Forms of the enforcement problem register."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User

from .models import CasePage, ProblemCategory, ProblemSeverity, ProblemSource

PERSON_UNKNOWN = _("Nobody with police number or username “{value}”.")
PROBLEM_IMPORT_TOO_BIG = _("The file is larger than {max_mb} MB.")
IMPORT_MAX_BYTES = 5 * 1024 * 1024


class ProblemForm(forms.Form):
    """Record one problem. ``units`` is the recorder's scope (``problem_record_units``)."""

    fieldsets = [
        (
            _("Where and who"),
            _("Leave the person empty for a problem of the whole unit."),
            ["unit", "person"],
        ),
        (
            _("The problem"),
            "",
            ["category", "severity", "found_on", "description"],
        ),
        (
            _("The case and the law"),
            "",
            ["case_reference", "case_page", "articles_text"],
        ),
        (_("How it was found"), "", ["source", "campaign"]),
    ]

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    person = forms.CharField(
        label=_("Person responsible"),
        required=False,
        max_length=150,
        help_text=_(
            "Police number or username; empty for a problem of the whole unit."
        ),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=ProblemSeverity.choices)
    found_on = forms.DateField(
        label=_("Date found"), widget=forms.DateInput(attrs={"type": "date"})
    )
    case_reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=200,
        help_text=_("Case number or name as written in the file."),
    )
    case_page = forms.ModelChoiceField(
        label=_("Case in the case bank"),
        queryset=CasePage.objects.none(),
        required=False,
    )
    articles_text = forms.CharField(
        label=_("Articles involved"),
        required=False,
        max_length=500,
        help_text=_(
            "For example 刑事诉讼法第一百二十条、公安机关办理刑事案件程序规定第二百零三条"
        ),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.ChoiceField(
        label=_("Found by"), choices=ProblemSource.choices, initial=ProblemSource.REVIEW
    )
    campaign = forms.CharField(
        label=_("Supervision campaign"), required=False, max_length=200
    )

    def __init__(self, *args, units=None, cases=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast("forms.ModelChoiceField[Unit]", self.fields["unit"])
        unit_field.queryset = (
            units if units is not None else Unit.objects.none()
        ).order_by("path")
        case_field = cast("forms.ModelChoiceField[CasePage]", self.fields["case_page"])
        case_field.queryset = (
            cases if cases is not None else CasePage.objects.none()
        ).order_by("-case_date", "title")

    def clean_person(self) -> User | None:
        value = self.cleaned_data["person"].strip()
        if not value:
            return None
        person = (
            User.objects.filter(police_number=value).select_related("unit").first()
            or User.objects.filter(username__iexact=value)
            .select_related("unit")
            .first()
        )
        if person is None:
            raise forms.ValidationError(PERSON_UNKNOWN.format(value=value))
        return person


class ProblemImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv)"),
        help_text=_(
            "Columns: 单位编码, 警号 (optional), 问题类别, 严重程度, 发现日期, 问题描述, "
            "涉及条文, 案件编号."
        ),
    )
    campaign = forms.CharField(
        label=_("Supervision campaign"), max_length=200, required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                PROBLEM_IMPORT_TOO_BIG.format(max_mb=IMPORT_MAX_BYTES // (1024 * 1024))
            )
        return upload
