"""The question types' codes, as stored in ``Question.qtype`` and ``BlueprintRow.qtype``.

Only the codes and their labels live here (the model fields' choices); what a type *does*
is its handler's business (``exams.qtypes``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True/false")
    INDETERMINATE = "indeterminate", _("Indeterminate choice")
    FILL_IN = "fillin", _("Fill in the blank")
    CASE = "case", _("Case analysis")
