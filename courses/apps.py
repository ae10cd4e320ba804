from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from casebank.citations import register_citation_source
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from . import signals  # noqa: F401
        from .home import course_home_items
        from .selectors import lessons_citing

        register_citation_source(lessons_citing)

        register_home_provider(course_home_items, order=20)
        register_nav(NavEntry(label=_("My learning"), url_name="courses:my_learning", order=10))
        register_nav(NavEntry(label=_("Courses"), url_name="courses:catalogue", order=11))
        register_nav(NavEntry(
            label=_("Pre-meeting law study"), url_name="courses:pre_meeting", order=12,
            visible=lambda user: user.has_role("leader", "unit_admin", "legal_officer", "system_admin"),
        ))
