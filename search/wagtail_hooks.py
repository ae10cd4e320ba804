"""Wagtail admin: the search model training page, in the Settings menu for system admins."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .training_views import can_retrain, embedder_training


@hooks.register("register_admin_urls")
def register_training_url():
    return [
        path(
            "search/embedder-training/",
            embedder_training,
            name="search_embedder_training",
        )
    ]


class _TrainingMenuItem(MenuItem):
    def is_shown(self, request):
        return can_retrain(request.user)


@hooks.register("register_settings_menu_item")
def register_training_menu_item():
    return _TrainingMenuItem(
        _("Search model training"),
        reverse("search_embedder_training"),
        icon_name="search",
        order=900,
    )
