"""Demo content for search: index everything the earlier seeders created (idempotent:
a rebuild replaces each index whole)."""

from __future__ import annotations

from typing import Any

from . import index
from .services import index_rebuild

ORDER = 40


def seed(command: Any) -> None:
    """Rebuild the search index of every registered document type."""
    for doc_type in index.doc_types():
        count = index_rebuild(doc_type=doc_type)
        command.stdout.write(f"search: {doc_type} {count} documents indexed")
