from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasebankConfig(AppConfig):
    name = "casebank"
    verbose_name = _("Case bank and statutes")

    def ready(self) -> None:
        from .citations import cases_citing, guidelines_citing, register_citation_source

        register_citation_source(cases_citing)
        register_citation_source(guidelines_citing)
        try:
            from core.nav import NavEntry, register_nav
        except ImportError:  # pragma: no cover - core always ships it
            return
        register_nav(
            NavEntry(
                label=_("Case bank"),
                url_name="casebank:home",
                order=30,
                visible=lambda user: user.is_authenticated,
            )
        )
