from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Examinations")

    def ready(self) -> None:
        from django.conf import settings

        from accounts.permissions import can_manage_exams, can_mark
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from .selectors import home_items

        # The overdue sweep submits what was saved once deadline + grace has passed.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "exams-sweep-overdue-attempts",
            {
                "task": "exams.sweep_overdue_attempts",
                "schedule": getattr(settings, "EXAMS_SWEEP_SECONDS", 30.0),
            },
        )
        register_nav(NavEntry(_("Exams"), "exams:my_exams", order=40))
        register_nav(
            NavEntry(
                _("Exam admin"), "exams:manage", order=80, visible=can_manage_exams
            )
        )
        register_nav(
            NavEntry(_("Marking"), "exams:marking_queue", order=81, visible=can_mark)
        )
        register_home_provider(home_items, order=40)

        from records.assignables import register_assignable

        from .assignables import EXAM

        register_assignable(EXAM)

        from casebank.citations import register_citation_source

        register_citation_source(questions_citing)


def questions_citing(article_ids: set[int]):
    """Citation source for the casebank: questions testing any of these articles."""
    from .models import Question

    return Question.objects.filter(articles__in=article_ids, is_active=True).distinct()
