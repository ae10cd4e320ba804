from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Units and people")

    def ready(self) -> None:
        from core.home import register_home_provider
        from core.nav import NavEntry, register_nav

        from . import checks, schema, signals  # noqa: F401
        from .home import account_home_items
        from .permissions import can_manage_people

        register_nav(
            NavEntry(
                _("People"), "accounts:people", order=80, visible=can_manage_people
            )
        )
        register_nav(
            NavEntry(
                _("Units"), "accounts:unit_tree", order=81, visible=can_manage_people
            )
        )
        register_home_provider(account_home_items, order=90)
        # Checked HR sheets never applied are sealed and expire; this removes the files.
        from config.celery import register_periodic_task

        register_periodic_task(
            "accounts-purge-pending-imports", "accounts.purge_pending_imports", 300.0
        )
