from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def is_trainer(user) -> bool:
    """Say whether ``user`` may administer exams (the menu and the manage pages ask)."""
    return user.is_superuser or user.has_role("trainer", "system_admin")


def is_marker(user) -> bool:
    """Say whether ``user`` may mark answers (the menu and the marking pages ask)."""
    return user.is_superuser or user.has_role("trainer", "legal_officer")


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Examinations")

    def ready(self) -> None:
        from django.conf import settings

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
            NavEntry(_("Exam admin"), "exams:manage", order=80, visible=is_trainer)
        )
        register_nav(
            NavEntry(_("Marking"), "exams:marking_queue", order=81, visible=is_marker)
        )
        register_home_provider(home_items, order=40)

        from casebank.citations import register_citation_source

        register_citation_source(questions_citing)


def questions_citing(article_ids: set[int]):
    """Citation source for the casebank: questions testing any of these articles."""
    from .models import Question

    return Question.objects.filter(articles__in=article_ids, is_active=True).distinct()
