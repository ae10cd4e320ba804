from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from celery.schedules import crontab

        from accounts.permissions import can_read_audit_log
        from config.celery import register_periodic_task
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from . import checks  # noqa: F401
        from .home import audit_home_items

        register_periodic_task("audit-purge", "audit.purge", crontab(hour=3, minute=17))
        register_periodic_task(
            "audit-verify", "audit.verify", crontab(hour=3, minute=47)
        )
        # Entries are sealed right after their commit; this catches what a crash left.
        register_periodic_task("audit-seal", "audit.seal", 60.0)
        # The signed head, outside the database: verification then sees truncation.
        from django.conf import settings

        register_periodic_task(
            "audit-anchor",
            "audit.anchor",
            float(getattr(settings, "AUDIT_ANCHOR_SECONDS", 600)),
        )
        register_nav(
            NavEntry(_("Audit log"), "audit:log", order=95, visible=can_read_audit_log)
        )
        register_home_provider(audit_home_items, order=95)
