"""What a user has to do today. Apps register providers in their ``AppConfig.ready``;
the home page asks each one, so ``core`` knows nothing of the domain apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.http import AuthenticatedHttpRequest


@dataclass(frozen=True)
class HomeItem:
    """One thing on a person's home page."""

    title: str
    url: str
    kind: str  # "course", "exam", "meeting", "review", "report", ...
    due: date | datetime | None = None
    overdue: bool = False
    note: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


# Called for a signed-in person (the home page is behind login_required).
HomeProvider = Callable[["AuthenticatedHttpRequest"], list[HomeItem]]
_providers: list[tuple[int, HomeProvider]] = []


def register_home_provider(provider: HomeProvider, *, order: int = 100) -> HomeProvider:
    """Register ``provider``; it is called with the request and returns HomeItems."""
    if all(existing is not provider for _, existing in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda pair: pair[0])
    return provider


def home_items(request: AuthenticatedHttpRequest) -> list[HomeItem]:
    """Return every provider's items, overdue first, then by due date."""
    items: list[HomeItem] = []
    for _, provider in _providers:
        items.extend(provider(request))

    def key(item: HomeItem) -> tuple[bool, bool, date]:
        due = item.due
        if isinstance(due, datetime):
            due = due.date()
        return (not item.overdue, due is None, due or date.max)

    return sorted(items, key=key)
