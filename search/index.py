"""What is indexed: a registry of model → adapter.

An adapter turns one model instance into a :class:`SearchDocument` (or None when it
must not be findable: a draft, an unpublished page) and lists every instance for a
rebuild. The search app registers adapters for the case bank's cases and articles and
for the courses app's course and lesson pages (read generically through their Wagtail
fields); another app can register its own models from its ``AppConfig.ready()``::

    from search.index import WagtailPageAdapter, register
    register(MyPage, WagtailPageAdapter(doc_type="course", body_fields=["summary"]))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from django.db.models import Model, QuerySet
from django.utils.html import strip_tags

from .backends.base import SearchDocument

DOC_TYPES = ("case", "article", "guideline", "course")


class Adapter(Protocol):
    doc_type: str

    def to_document(self, obj: Any) -> SearchDocument | None: ...

    def queryset(self) -> QuerySet[Any]: ...


_registry: dict[type[Model], Adapter] = {}


def register(model: type[Model], adapter: Adapter) -> None:
    """Index instances of ``model`` through ``adapter`` (replacing an earlier one)."""
    _registry[model] = adapter


def unregister(model: type[Model]) -> None:
    _registry.pop(model, None)


def adapter_for(model: type[Model] | Model) -> Adapter | None:
    """Return the adapter for a model class or instance (following concrete parents)."""
    cls = model if isinstance(model, type) else type(model)
    for klass in cls.__mro__:
        if klass in _registry:
            return _registry[klass]
    return None


def registered_models() -> list[type[Model]]:
    return list(_registry)


def doc_types() -> list[str]:
    """Return the registered document types, in a stable order."""
    return sorted(
        {a.doc_type for a in _registry.values()},
        key=lambda t: (
            t not in DOC_TYPES,
            DOC_TYPES.index(t) if t in DOC_TYPES else 0,
            t,
        ),
    )


def documents(doc_type: str) -> Iterator[SearchDocument]:
    """Yield every document of ``doc_type`` from the database (for a rebuild)."""
    for adapter in list(_registry.values()):
        if adapter.doc_type != doc_type:
            continue
        for obj in adapter.queryset().iterator(chunk_size=500):
            doc = adapter.to_document(obj)
            if doc is not None:
                yield doc


def document_count(doc_type: str) -> int:
    return sum(
        a.queryset().count() for a in _registry.values() if a.doc_type == doc_type
    )


def doc_id(model: type[Model] | Model, pk: Any) -> str:
    """Return the index id of a model instance: the pk, prefixed by the model when two
    models share a document type (course and lesson pages)."""
    adapter = adapter_for(model)
    prefix = getattr(adapter, "id_prefix", "")
    return f"{prefix}{pk}" if prefix else str(pk)


def join_text(parts: Iterable[Any]) -> str:
    return "\n".join(str(p).strip() for p in parts if p and str(p).strip())


class WagtailPageAdapter:
    """Index a Wagtail page type generically from named text fields (StreamFields and rich
    text are flattened to text). Live pages only."""

    def __init__(
        self,
        *,
        doc_type: str,
        model: type[Model],
        body_fields: Sequence[str] = (),
        id_prefix: str = "",
        filters: dict[str, Any] | None = None,
    ) -> None:
        self.doc_type = doc_type
        self.model = model
        self.body_fields = list(body_fields)
        self.id_prefix = id_prefix
        self.filters = filters or {}

    def queryset(self) -> QuerySet[Any]:
        return self.model.objects.live().specific()  # type: ignore[attr-defined, no-any-return]

    def _field_text(self, value: Any) -> str:
        if value is None:
            return ""
        if hasattr(value, "raw_data") and hasattr(value, "stream_block"):
            # A StreamField: the blocks' own searchable text (what Wagtail indexes).
            parts = value.stream_block.get_searchable_content(value)
            return "\n".join(strip_tags(str(p)) for p in parts if p)
        return strip_tags(str(value))

    def to_document(self, obj: Any) -> SearchDocument | None:
        if not getattr(obj, "live", True):
            return None
        body = join_text(
            self._field_text(getattr(obj, name, "")) for name in self.body_fields
        )
        return SearchDocument(
            doc_type=self.doc_type,
            id=f"{self.id_prefix}{obj.pk}",
            title=obj.title,
            body=body,
            source_id=str(getattr(obj, "source_id", "") or ""),
            url=obj.url or "",
            filters=dict(self.filters),
            extra={"kind": obj._meta.verbose_name and str(obj._meta.verbose_name)},
        )
