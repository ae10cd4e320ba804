"""What may be assigned by rule (``AssignmentRule``): each domain app registers its kind
of item here (courses, exams, guidelines) from ``AppConfig.ready()``, so records keeps
one rule model and one recompute path while knowing nothing of the apps.

    register_assignable(AssignableType(item_type="course", label=_("Course"), ...))

Records asks the registry to list what can be picked in the rule form (``choices``), to
turn a pick into its tracked item (``item``), to re-sync an item's whole audience after
its rules change (``sync``), and to recompute one person's assignments of the type after
they change unit, role, post or 警种 (``recompute_user``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AssignableType:
    item_type: str
    label: Any
    # [(item_id, title)] of the items a rule may target (live courses, published exams...).
    choices: Callable[[], list[tuple[str, str]]]
    # The tracked item for an id from ``choices`` (upserted), or None when it is gone.
    item: Callable[[str], Any]
    # Re-sync one tracked item's audience (its app's own audience and its rules).
    sync: Callable[[Any], Any]
    # Recompute one person's assignments of this type; return the number required.
    recompute_user: Callable[[Any], int]


_REGISTRY: dict[str, AssignableType] = {}


def register_assignable(kind: AssignableType) -> None:
    """Register (or replace) the assignable type ``kind.item_type``."""
    _REGISTRY[kind.item_type] = kind


def assignable_types() -> list[AssignableType]:
    """Return the registered types, in registration order."""
    return list(_REGISTRY.values())


def assignable_type(item_type: str) -> AssignableType | None:
    return _REGISTRY.get(item_type)
