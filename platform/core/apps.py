from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings

        from accounts.permissions import can_edit_in_admin
        from config.celery import register_periodic_task

        from .nav import NavEntry, register_nav

        # Go-live and expiry dates of pages and snippets fire only when this runs.
        register_periodic_task(
            "wagtail-publish-scheduled",
            "core.publish_scheduled",
            float(getattr(settings, "CORE_PUBLISH_SCHEDULED_SECONDS", 60)),
        )

        register_nav(
            NavEntry(
                _("Content admin"),
                "wagtailadmin_home",
                order=99,
                visible=can_edit_in_admin,
            )
        )
