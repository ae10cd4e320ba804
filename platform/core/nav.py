"""The site's top navigation. Apps register entries in ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import User


@dataclass(frozen=True)
class NavEntry:
    label: StrOrPromise  # a lazy translation
    url_name: str
    order: int = 100
    # Shown when this returns True for the request's user; None shows it to everyone signed in.
    visible: Callable[[User], bool] | None = None


class NavItem(TypedDict):
    label: str
    url: str
    active: bool


_entries: list[NavEntry] = []


def register_nav(entry: NavEntry) -> None:
    if all(e.url_name != entry.url_name for e in _entries):
        _entries.append(entry)
        _entries.sort(key=lambda e: e.order)


def registered_entries() -> tuple[NavEntry, ...]:
    """Every registered menu entry, in menu order (for checks over the whole menu)."""
    return tuple(_entries)


def nav_for(request: HttpRequest) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items: list[NavItem] = []
    for entry in _entries:
        if entry.visible is not None and not entry.visible(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": str(entry.label), "url": url, "active": False})
    # Only the entry with the longest matching prefix is current (/learn/catalogue/ is
    # "Courses", not also "My learning" at /learn/).
    path = request.path
    matches = [
        item for item in items if item["url"] != "/" and path.startswith(item["url"])
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return items
