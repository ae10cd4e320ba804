from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Training records")

    def ready(self) -> None:
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from . import signals  # noqa: F401
        from .home import records_home_items
        from .views import can_view_reports

        register_nav(
            NavEntry(label=_("My record"), url_name="records:my_record", order=60)
        )
        register_nav(
            NavEntry(label=_("Offline training"), url_name="records:offline", order=65)
        )
        register_nav(
            NavEntry(
                label=_("Reports"),
                url_name="records:reports",
                order=70,
                visible=can_view_reports,
            )
        )
        register_nav(
            NavEntry(
                label=_("Notifications"), url_name="records:notifications", order=90
            )
        )
        from accounts.permissions import can_assign_training

        register_nav(
            NavEntry(
                label=_("Assignments"),
                url_name="records:assignment_rules",
                order=72,
                visible=can_assign_training,
            )
        )
        register_home_provider(records_home_items, order=60)
        self._register_beat()

    def _register_beat(self) -> None:
        """Add the reminder, digest and xAPI jobs to the beat schedule unless the
        project's settings already name them (settings win)."""
        from django.conf import settings

        from celery.schedules import crontab

        schedule = settings.CELERY_BEAT_SCHEDULE
        defaults = {
            "records-reminders": {
                "task": "records.send_reminders",
                "schedule": crontab(hour=8, minute=0),
            },
            "records-weekly-digest": {
                "task": "records.send_digests",
                "schedule": crontab(hour=8, minute=30, day_of_week=1),
            },
            "records-xapi-export": {
                "task": "records.xapi_export",
                "schedule": crontab(minute="*/15"),
            },
            "records-sync-requirements": {
                "task": "records.sync_requirements",
                "schedule": crontab(hour=6, minute=0),
            },
        }
        for name, entry in defaults.items():
            schedule.setdefault(name, entry)
