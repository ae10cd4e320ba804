"""Signal handlers: they only mark objects for indexing (see services.index_mark)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models.signals import post_delete, post_save

from wagtail.signals import page_published, page_unpublished

from core.bulk import bulk_flush, bulk_operation, rows_written

from . import index
from .models import IndexAction
from .services import index_deferred_apply, index_mark, index_rebuild_later


def _owner(instance: Any) -> Any:
    """Map a dependent row to the indexed object it belongs to (an article version to its
    article)."""
    if instance._meta.label == "casebank.ArticleVersion":
        return instance.article
    return instance


def on_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    target = _owner(instance)
    if index.adapter_for(target) is not None:
        index_mark(obj=target, action=IndexAction.INDEX)


def on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    target = _owner(instance)
    if index.adapter_for(target) is None:
        return
    if target is instance:
        index_mark(obj=target, action=IndexAction.DELETE)
    else:
        index_mark(obj=target, action=IndexAction.INDEX)


def on_page_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    page = instance.specific if hasattr(instance, "specific") else instance
    if index.adapter_for(page) is not None:
        index_mark(
            obj=page, action=IndexAction.INDEX if page.live else IndexAction.DELETE
        )


def connect() -> None:
    """Connect the handlers for every indexed model (called from AppConfig.ready)."""
    from django.apps import apps

    senders = list(index.registered_models())
    with contextlib.suppress(LookupError):
        senders.append(apps.get_model("casebank", "ArticleVersion"))
    for model in senders:
        uid = f"search-{model._meta.label}"
        post_save.connect(on_save, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"{uid}-delete")
    page_published.connect(on_page_change, dispatch_uid="search-page-published")
    page_unpublished.connect(on_page_change, dispatch_uid="search-page-unpublished")
    connect_dependencies()
    rows_written.connect(on_rows_written, dispatch_uid="search-rows-written")
    bulk_flush.connect(on_bulk_flush, dispatch_uid="search-bulk-flush")


def on_rows_written(
    sender: Any, pks: list[Any], deleted: bool = False, **kwargs: Any
) -> None:
    """Rows written without model signals (``bulk_create``): mark them, in bulk."""
    if index.adapter_for(sender) is None:
        return
    action = IndexAction.DELETE if deleted else IndexAction.INDEX
    # Outside a bulk operation this opens one, so many rows still mean one apply.
    with bulk_operation(f"rows of {sender._meta.label}"):
        for pk in pks:
            index_mark(obj=sender(pk=pk), action=action)


def on_bulk_flush(sender: Any, operation: Any, **kwargs: Any) -> None:
    index_deferred_apply(operation=operation)


# Dependencies -------------------------------------------------------------------------
#
# Rows that are not documents themselves but whose fields are copied into documents:
#
# - Charge.name       → the cases of the charge ("charge" filter, extra "charges") and the
#                       charge's articles ("charge" filter, extra "charges");
# - Charge.articles   → the articles added or removed (either side of the relation);
# - Article label, number, law, source id → the cases and guidelines citing it (extra
#                       "articles", "law" filter); the article itself is indexed anyway;
# - Law name, short name, status → its articles and the cases and guidelines citing them;
# - ArticleVersion    → its article (``_owner`` above).
#
# A charge's legal elements are copied into no document: linking reads them from the
# database on each request, so editing them needs no reindexing.

#: Past this many dependents of one type, one rebuild of the type replaces the marks.
BULK_DEPENDENTS = 200

CHARGE_FIELDS = ("name",)
ARTICLE_FIELDS = ("label", "number", "sub_number", "law_id", "source_id")
LAW_FIELDS = ("name", "short_name", "status")


def mark_dependents(queryset: Any) -> int:
    """Mark the indexed objects of ``queryset`` for reindexing after commit (only those
    the adapter indexes, e.g. live pages). Past ``BULK_DEPENDENTS`` the document type is
    rebuilt once instead. Return how many objects were concerned."""
    adapter = index.adapter_for(queryset.model)
    if adapter is None:
        return 0
    pks = list(
        adapter.queryset()
        .prefetch_related(None)
        .filter(pk__in=queryset.values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)[: BULK_DEPENDENTS + 1]
    )
    if len(pks) > BULK_DEPENDENTS:
        _rebuild_once(adapter.doc_type)
        return len(pks)
    for pk in pks:
        # The pk is all index_mark needs; the task reads the row after commit.
        index_mark(obj=queryset.model(pk=pk), action=IndexAction.INDEX)
    return len(pks)


def _rebuild_once(doc_type: str) -> None:
    index_rebuild_later(doc_type=doc_type)


def _remember(fields: tuple[str, ...]) -> Any:
    """A pre_save handler that keeps the stored values of ``fields`` on the instance."""

    def handler(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        instance._search_before = None
        if raw or instance.pk is None:
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not {f.removesuffix("_id") for f in fields} & {
            f.removesuffix("_id") for f in update_fields
        }:
            return
        instance._search_before = (
            sender.objects.filter(pk=instance.pk).values_list(*fields).first()
        )

    return handler


def _changed(instance: Any, fields: tuple[str, ...]) -> bool:
    before = getattr(instance, "_search_before", None)
    return before is not None and tuple(before) != tuple(
        getattr(instance, f) for f in fields
    )


def _models() -> dict[str, Any]:
    from django.apps import apps

    return {
        name: apps.get_model("casebank", name)
        for name in ("Charge", "Article", "Law", "CasePage", "GuidelinePage")
    }


def _charge_dependents(charge: Any) -> None:
    m = _models()
    mark_dependents(m["CasePage"].objects.filter(charges=charge))
    mark_dependents(m["Article"].objects.filter(charges=charge))


def on_charge_saved(
    sender: Any, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if not raw and _changed(instance, CHARGE_FIELDS):
        _charge_dependents(instance)


def on_charge_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # pre_delete: the relations still exist; the tasks read the rows after commit.
    _charge_dependents(instance)


def on_charge_articles_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    m = _models()
    if reverse:
        # article.charges.add(...): the article is the document.
        mark_dependents(m["Article"].objects.filter(pk=instance.pk))
    elif action == "pre_clear":
        mark_dependents(m["Article"].objects.filter(charges=instance))
    elif pk_set:
        mark_dependents(m["Article"].objects.filter(pk__in=pk_set))


def on_article_saved(
    sender: Any, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not _changed(instance, ARTICLE_FIELDS):
        return
    m = _models()
    mark_dependents(m["CasePage"].objects.filter(cited_articles=instance))
    mark_dependents(m["GuidelinePage"].objects.filter(cited_articles=instance))


def on_law_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _changed(instance, LAW_FIELDS):
        return
    m = _models()
    mark_dependents(m["Article"].objects.filter(law=instance))
    mark_dependents(m["CasePage"].objects.filter(cited_articles__law=instance))
    mark_dependents(m["GuidelinePage"].objects.filter(cited_articles__law=instance))


def connect_dependencies() -> None:
    """Connect the dependency handlers (when the case bank is installed)."""
    from django.db.models.signals import m2m_changed, pre_delete, pre_save

    try:
        m = _models()
    except LookupError:
        return
    for name, fields, saved in (
        ("Charge", CHARGE_FIELDS, on_charge_saved),
        ("Article", ARTICLE_FIELDS, on_article_saved),
        ("Law", LAW_FIELDS, on_law_saved),
    ):
        uid = f"search-dep-{name}"
        pre_save.connect(
            _remember(fields), sender=m[name], dispatch_uid=f"{uid}-pre", weak=False
        )
        post_save.connect(saved, sender=m[name], dispatch_uid=f"{uid}-post")
    pre_delete.connect(
        on_charge_deleted, sender=m["Charge"], dispatch_uid="search-dep-Charge-delete"
    )
    m2m_changed.connect(
        on_charge_articles_changed,
        sender=m["Charge"].articles.through,
        dispatch_uid="search-dep-Charge-articles",
    )
