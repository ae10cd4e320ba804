"""Writes of the search app: keep the index in step with the database."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from . import index
from .backends import get_search_backend
from .models import IndexAction, IndexState

logger = logging.getLogger(__name__)


def _label(obj_or_model: Any) -> tuple[str, str]:
    meta = obj_or_model._meta
    return meta.app_label, meta.model_name


def index_mark(
    *, obj: models.Model, action: str, enqueue: bool = True
) -> IndexState | None:
    """Record that ``obj`` must be (re)indexed or removed and, after commit, enqueue the
    task. Return the state row, or None when the model is not indexed."""
    adapter = index.adapter_for(obj)
    if adapter is None:
        return None
    app_label, model_name = _label(obj)
    state, created = IndexState.objects.get_or_create(
        app_label=app_label,
        model_name=model_name,
        object_id=str(obj.pk),
        defaults={
            "doc_type": adapter.doc_type,
            "doc_id": index.doc_id(obj, obj.pk),
            "action": action,
        },
    )
    if not created:
        IndexState.objects.filter(pk=state.pk).update(
            action=action,
            dirty=True,
            generation=F("generation") + 1,
            changed_at=timezone.now(),
        )
    if enqueue:
        _enqueue_once((app_label, model_name, str(obj.pk)))
    return state


def _enqueue_once(args: tuple[str, str, str]) -> None:
    """Enqueue the index task after commit, once per object and transaction (publishing
    a page saves it several times)."""
    from .tasks import index_object

    # ``robust``: a broker that is down or restarting is logged, never raised to the
    # editor who published; the object stays marked dirty and ``index_sweep`` (beat)
    # queues it again.
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        transaction.on_commit(lambda: index_object.delay(*args), robust=True)
        return
    # Django replaces ``run_on_commit`` with a new list on commit and on rollback, so a
    # set tied to the current list forgets what a rolled-back transaction enqueued.
    pending_state = getattr(conn, "_search_pending", None)
    if pending_state is None or pending_state[0] is not conn.run_on_commit:
        pending_state = (conn.run_on_commit, set())
        conn._search_pending = pending_state  # type: ignore[attr-defined]
    if args in pending_state[1]:
        return
    pending = pending_state[1]
    pending.add(args)

    def run() -> None:
        pending.discard(args)
        index_object.delay(*args)

    transaction.on_commit(run, robust=True)


def index_apply(
    *, app_label: str, model_name: str, object_id: str, backend_alias: str = "default"
) -> str:
    """Bring the index in line with the database for one object; return what was done
    ("indexed", "deleted" or "skipped"). Safe to run twice."""
    state = IndexState.objects.filter(
        app_label=app_label, model_name=model_name, object_id=object_id
    ).first()
    generation = state.generation if state else None
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return "skipped"
    adapter = index.adapter_for(model)
    if adapter is None:
        return "skipped"
    doc_id = index.doc_id(model, object_id)
    backend = get_search_backend(backend_alias)
    obj = adapter.queryset().filter(pk=object_id).first()
    doc = adapter.to_document(obj) if obj is not None else None
    try:
        if doc is None:
            backend.delete(adapter.doc_type, [doc_id])
            done = "deleted"
        else:
            backend.add(doc)
            done = "indexed"
    except Exception as e:
        if state is not None:
            IndexState.objects.filter(pk=state.pk).update(
                attempts=F("attempts") + 1, last_error=str(e)[:2000]
            )
        raise
    if state is not None:
        # Only clear the mark this run saw: a change made meanwhile stays dirty.
        IndexState.objects.filter(pk=state.pk, generation=generation).update(
            dirty=False,
            attempts=0,
            last_error="",
            indexed_at=timezone.now(),
            action=IndexAction.DELETE if done == "deleted" else IndexAction.INDEX,
        )
    return done


def index_rebuild(
    *, doc_type: str, backend_alias: str = "default", progress: Any = None
) -> int:
    """Rebuild the whole index of ``doc_type`` from the database; return the count."""
    # Marks made after this moment may describe changes the rebuild did not read.
    started = timezone.now()
    backend = get_search_backend(backend_alias)
    count = backend.rebuild(doc_type, index.documents(doc_type), progress=progress)
    models_of_type = [
        m
        for m in index.registered_models()
        if index.adapter_for(m).doc_type == doc_type
    ]  # type: ignore[union-attr]
    for model in models_of_type:
        app_label, model_name = _label(model)
        IndexState.objects.filter(
            app_label=app_label,
            model_name=model_name,
            dirty=True,
            changed_at__lt=started,
        ).update(dirty=False, indexed_at=timezone.now())
    logger.info("search index %s rebuilt: %d documents", doc_type, count)
    return count


def index_sweep(*, older_than_seconds: int = 120, limit: int = 500) -> int:
    """Re-enqueue the objects still marked dirty after ``older_than_seconds`` (a lost
    message, a crashed worker). Return how many were re-enqueued."""
    from .tasks import index_object

    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    stale = list(
        IndexState.objects.filter(dirty=True, changed_at__lte=cutoff)
        .order_by("changed_at")[:limit]
        .values_list("app_label", "model_name", "object_id")
    )
    for app_label, model_name, object_id in stale:
        index_object.delay(app_label, model_name, object_id)
    return len(stale)
