from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .nav import NavEntry, register_nav

        register_nav(
            NavEntry(
                _("Content admin"),
                "wagtailadmin_home",
                order=99,
                visible=_can_open_admin,
            )
        )


def _can_open_admin(user) -> bool:
    return user.has_perm("wagtailadmin.access_admin")
