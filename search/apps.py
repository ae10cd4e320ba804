from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from accounts.permissions import can_link_cases
        from core.nav import NavEntry, register_nav

        from . import checks, signals  # noqa: F401 - registers the system checks
        from .adapters import register_default_adapters

        register_default_adapters()
        signals.connect()
        register_nav(NavEntry(label=_("Search"), url_name="search:search", order=40))
        register_nav(
            NavEntry(
                label=_("Link a case"),
                url_name="search:link",
                order=41,
                visible=can_link_cases,
            )
        )
        try:
            from config.celery import app

            app.conf.beat_schedule.setdefault(
                "search-sweep-index-queue",
                {"task": "search.sweep_index_queue", "schedule": 300.0},
            )
        except ImportError:  # pragma: no cover
            pass
