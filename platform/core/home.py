"""What a user has to do today. Apps register providers in their ``AppConfig.ready``;
the home page asks each one, so ``core`` knows nothing of the domain apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
    # The button that does it ("Continue: lesson 2", "Start the exam", "Read"); the
    # item's ``url`` is where that happens, not a record about it.
    action: str = ""


@dataclass
class HomeSection:
    """Items grouped by urgency on the home page."""

    key: str  # "overdue", "soon", "later", "other"
    items: list[HomeItem]


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


def home_sections(
    items: list[HomeItem], *, today: date, soon_days: int = 14
) -> list[HomeSection]:
    """Group ``items`` (already in ``home_items`` order) by what is due: overdue, due
    within ``soon_days``, due later, and the rest (notices, reviews without a date).
    Empty groups are left out; an item listed twice (two apps, one course and date) is
    shown once."""
    groups: dict[str, list[HomeItem]] = {"overdue": [], "soon": [], "later": []}
    groups["other"] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        due = item.due.date() if isinstance(item.due, datetime) else item.due
        mark = (item.url, due.isoformat() if due else "")
        if mark in seen:
            continue
        seen.add(mark)
        if item.overdue:
            groups["overdue"].append(item)
        elif due is None:
            groups["other"].append(item)
        elif due <= today + timedelta(days=soon_days):
            groups["soon"].append(item)
        else:
            groups["later"].append(item)
    return [HomeSection(key, group) for key, group in groups.items() if group]
