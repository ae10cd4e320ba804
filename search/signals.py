"""Signal handlers: they only mark objects for indexing (see services.index_mark)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from wagtail.signals import page_published, page_unpublished

from . import index
from .models import IndexAction
from .services import index_mark


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
    with contextlib.suppress(ImportError):
        from casebank.signals import cases_imported

        cases_imported.connect(on_cases_imported, dispatch_uid="search-cases-imported")


def on_cases_imported(sender: Any, **kwargs: Any) -> None:
    """A bulk import wrote case pages without page signals: rebuild the case index once,
    after the import's transactions commit."""
    from .tasks import rebuild_index

    transaction.on_commit(lambda: rebuild_index.delay("case"))
