from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasebankConfig(AppConfig):
    name = "casebank"
    verbose_name = _("Case bank and statutes")

    def ready(self) -> None:
        from .citations import cases_citing, guidelines_citing, register_citation_source

        register_citation_source(cases_citing)
        register_citation_source(guidelines_citing)
        from accounts.permissions import can_track_enforcement_problems
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from .home import law_change_flags_for_home

        register_home_provider(law_change_flags_for_home, order=60)

        from records.assignables import register_assignable

        from .reading import GUIDELINE, connect_signals, reading_home_items

        register_assignable(GUIDELINE)
        connect_signals()
        register_home_provider(reading_home_items, order=25)
        register_nav(
            NavEntry(
                label=_("Case bank"),
                url_name="casebank:home",
                order=30,
            )
        )
        register_nav(
            NavEntry(
                label=_("Enforcement problems"),
                url_name="casebank:problem_list",
                order=31,
                visible=can_track_enforcement_problems,
            )
        )
