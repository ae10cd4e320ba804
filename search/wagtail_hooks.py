"""Wagtail admin: the search model training page, in the Settings menu for system admins."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .training_views import can_retrain, embedder_training

TRAINING_MENU_ITEM = "search-embedder-training"


def register_training_url() -> list[URLPattern]:
    return [
        path(
            "search/embedder-training/",
            embedder_training,
            name="search_embedder_training",
        )
    ]


def register_training_menu_item() -> MenuItem:
    return MenuItem(
        _("Search model training"),
        reverse("search_embedder_training"),
        name=TRAINING_MENU_ITEM,
        icon_name="search",
        order=900,
    )


def hide_training_menu_item(request: HttpRequest, menu_items: list[MenuItem]) -> None:
    """Show the entry only to those who may retrain."""
    if not can_retrain(request.user):
        menu_items[:] = [item for item in menu_items if item.name != TRAINING_MENU_ITEM]


# Registered by call, not as decorators: Wagtail is untyped, and a decorator from it
# would leave these functions untyped.
hooks.register("register_admin_urls", register_training_url)
hooks.register("register_settings_menu_item", register_training_menu_item)
hooks.register("construct_settings_menu", hide_training_menu_item)
