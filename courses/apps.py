from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from accounts.permissions import can_open_pre_meeting, can_view_unit_evaluations
        from casebank.citations import register_citation_source
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from . import signals  # noqa: F401
        from .home import course_home_items
        from .selectors import lessons_citing

        register_citation_source(lessons_citing)

        from records.assignables import register_assignable

        from .assignables import COURSE

        register_assignable(COURSE)

        from records.selectors import register_pre_meeting_absence_source

        from .selectors import pre_meeting_absence_counts

        register_pre_meeting_absence_source(pre_meeting_absence_counts)
        # Daily re-sync of required courses: yearly courses roll over on 1 January and
        # any missed signal (bulk imports of people) is caught up.
        from celery.schedules import crontab

        from config.celery import register_periodic_task

        register_periodic_task(
            "courses-assignments-sync",
            "courses.tasks.courses_assignments_sync_all_task",
            crontab(minute=10, hour=2),
        )

        register_home_provider(course_home_items, order=20)
        register_nav(
            NavEntry(label=_("My learning"), url_name="courses:my_learning", order=10)
        )
        register_nav(
            NavEntry(label=_("Courses"), url_name="courses:catalogue", order=11)
        )
        register_nav(
            NavEntry(
                label=_("Law-enforcement evaluation"),
                url_name="courses:evaluation",
                order=13,
                visible=can_view_unit_evaluations,
            )
        )
        register_nav(
            NavEntry(
                label=_("Pre-meeting law study"),
                url_name="courses:pre_meeting",
                order=12,
                visible=can_open_pre_meeting,
            )
        )
