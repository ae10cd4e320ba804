"""Labels of the audit actions this app writes (``audit.actions`` reads them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "course.complete": _("Course completed"),
    "course.publish": _("Course published"),
    "course.unpublish": _("Course unpublished"),
    "courses.evaluation.correct": _("Evaluation corrected"),
    "courses.evaluation.export": _("Evaluation exported"),
    "courses.evaluation.freeze": _("Evaluation frozen"),
    "courses.evaluation.scheme_approve": _("Evaluation scheme approved"),
    "courses.evaluation.scheme_create": _("Evaluation scheme created"),
    "courses.evaluation.view": _("Evaluation viewed"),
    "courses.pre_meeting.absence": _("Pre-meeting absence recorded"),
    "courses.pre_meeting.confirm": _("Pre-meeting attendance confirmed"),
    "courses.pre_meeting.create": _("Pre-meeting session created"),
    "courses.pre_meeting.signin_refused": _("Pre-meeting sign-in refused"),
    "courses.problem_training.save": _("Remedial training saved"),
}
