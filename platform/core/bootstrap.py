"""The site itself: its name and its root page, in Chinese under the platform's brand."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from wagtail.models import Page, Site

ORDER = 0
#: The title Wagtail's own migration gives the first page.
WAGTAIL_WELCOME_TITLE = "Welcome to your new Wagtail site!"


def site_root() -> Page:
    """Return the default site's root page, creating the site when there is none."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    root = Page.objects.get(depth=1)
    home = root.get_children().first()
    if home is None:
        home = root.add_child(
            instance=Page(title=settings.WAGTAIL_SITE_NAME, slug="home", live=True)
        )
    Site.objects.create(
        hostname="localhost",
        root_page=home,
        is_default_site=True,
        site_name=settings.WAGTAIL_SITE_NAME,
    )
    return home


def bootstrap(command: Any = None) -> None:
    """Name the default site and its root page after ``WAGTAIL_SITE_NAME``."""
    brand = settings.WAGTAIL_SITE_NAME
    home = site_root()
    site = Site.objects.get(is_default_site=True)
    if site.site_name != brand:
        site.site_name = brand
        site.save(update_fields=["site_name"])
    if home.title in (WAGTAIL_WELCOME_TITLE, "") or home.draft_title in (
        WAGTAIL_WELCOME_TITLE,
        "",
    ):
        home.title = home.draft_title = brand
        home.save(update_fields=["title", "draft_title"])
    Site.clear_site_root_paths_cache()
    if command is not None and command.verbosity >= 1:
        command.stdout.write(f"  站点：{brand}")
