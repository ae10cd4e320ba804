"""Writes of the search app: keep the index in step with the database."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from core.bulk import BulkOperation, current_operation

from . import index
from .backends import get_search_backend
from .models import IndexAction, IndexState

logger = logging.getLogger(__name__)


def _later(func: Any, *args: Any) -> Any:
    """Return ``func(*args)`` as an on-commit callback. Django's robust ``on_commit``
    logs a failing callback by its ``__qualname__``, which ``functools.partial`` lacks."""

    def call() -> Any:
        return func(*args)

    call.__qualname__ = getattr(func, "__qualname__", repr(func))
    return call


def _label(obj_or_model: Any) -> tuple[str, str]:
    meta = obj_or_model._meta
    return meta.app_label, meta.model_name


#: Where a bulk operation keeps this app's deferred marks (``core.bulk``).
DEFERRED_KEY = "search"
#: Ids per batch task (each batch is one write to the index).
BATCH_SIZE = 5000


@dataclass
class DeferredMarks:
    """What a bulk operation changed: per model, object id → action; and the document
    types to rebuild whole."""

    marks: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    rebuilds: set[str] = field(default_factory=set)


def _deferred() -> DeferredMarks | None:
    operation = current_operation()
    if operation is None:
        return None
    # ``pending`` is shared by every listener (dict[str, Any]): this key holds ours.
    deferred: DeferredMarks = operation.pending.setdefault(
        DEFERRED_KEY, DeferredMarks()
    )
    return deferred


def index_mark(
    *, obj: models.Model, action: str, enqueue: bool = True
) -> IndexState | None:
    """Record that ``obj`` must be (re)indexed or removed and, after commit, enqueue the
    task. Return the state row, or None when the model is not indexed or when a bulk
    operation (``core.bulk.bulk_operation``) defers the mark to its end."""
    adapter = index.adapter_for(obj)
    if adapter is None:
        return None
    app_label, model_name = _label(obj)
    deferred = _deferred()
    if deferred is not None:
        deferred.marks.setdefault((app_label, model_name), {})[str(obj.pk)] = action
        return None
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


def index_rebuild_later(*, doc_type: str) -> None:
    """Rebuild ``doc_type`` once after commit (at the end of a bulk operation when one is
    running), however many times this is called in the transaction."""
    from .tasks import rebuild_index

    deferred = _deferred()
    if deferred is not None:
        deferred.rebuilds.add(doc_type)
        return
    conn = transaction.get_connection()
    pending: tuple[object, set[str]] | None = getattr(conn, "_search_rebuilds", None)
    if pending is None or pending[0] is not conn.run_on_commit:
        pending = (conn.run_on_commit, set())
        conn._search_rebuilds = pending
    if conn.in_atomic_block and doc_type in pending[1]:
        return
    pending[1].add(doc_type)
    transaction.on_commit(lambda: rebuild_index.delay(doc_type), robust=True)


def _enqueue_once(args: tuple[str, str, str]) -> None:
    """Enqueue the index work after commit, once per object and transaction (publishing
    a page saves it several times). A transaction that marked one object enqueues
    ``index_object``; one that marked many (an admin's bulk delete or unpublish) enqueues
    one ``index_objects`` batch per model, so the index is written once, not per page."""
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
    pending = getattr(conn, "_search_pending", None)
    if pending is None or pending.callbacks is not conn.run_on_commit or pending.sent:
        pending = _Pending(callbacks=conn.run_on_commit)
        conn._search_pending = pending
        transaction.on_commit(_later(_enqueue_marked, pending), robust=True)
    pending.marks[args] = None


@dataclass
class _Pending:
    """The objects one transaction marked, enqueued by one on_commit callback."""

    callbacks: list[Any]
    marks: dict[tuple[str, str, str], None] = field(default_factory=dict)
    sent: bool = False


def _enqueue_marked(pending: _Pending) -> None:
    from .tasks import index_object, index_objects

    pending.sent = True
    marked = list(pending.marks)
    if len(marked) == 1:
        index_object.delay(*marked[0])
        return
    by_model: dict[tuple[str, str], list[str]] = {}
    for app_label, model_name, object_id in marked:
        by_model.setdefault((app_label, model_name), []).append(object_id)
    for (app_label, model_name), ids in by_model.items():
        for start in range(0, len(ids), BATCH_SIZE):
            index_objects.delay(app_label, model_name, ids[start : start + BATCH_SIZE])


def _mark_many(*, model: type[models.Model], marks: dict[str, str]) -> None:
    """Write the dirty marks of many objects in a few queries (the sweeper's safety net
    for the batch tasks)."""
    app_label, model_name = _label(model)
    adapter = index.adapter_for(model)
    assert adapter is not None  # noqa: S101 - callers check
    now = timezone.now()
    ids = list(marks)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        states = IndexState.objects.filter(
            app_label=app_label, model_name=model_name, object_id__in=chunk
        )
        existing = set(states.values_list("object_id", flat=True))
        for action in (IndexAction.INDEX, IndexAction.DELETE):
            same = [i for i in chunk if i in existing and marks[i] == action]
            if same:
                states.filter(object_id__in=same).update(
                    action=action,
                    dirty=True,
                    generation=F("generation") + 1,
                    changed_at=now,
                )
        IndexState.objects.bulk_create(
            [
                IndexState(
                    app_label=app_label,
                    model_name=model_name,
                    object_id=i,
                    doc_type=adapter.doc_type,
                    doc_id=index.doc_id(model, i),
                    action=marks[i],
                    changed_at=now,
                )
                for i in chunk
                if i not in existing
            ],
            ignore_conflicts=True,
        )


def index_deferred_apply(*, operation: BulkOperation) -> None:
    """Apply what a bulk operation marked: per document type, one rebuild when the
    changes reach ``SEARCH_BULK_REBUILD_MIN`` objects and half the type's documents
    (an import into an empty index), else one batch task per model and ``BATCH_SIZE``
    objects. Everything is enqueued after commit; eager mode runs it in place, as a
    worker would."""
    from .tasks import index_objects, rebuild_index

    deferred: DeferredMarks | None = operation.pending.pop(DEFERRED_KEY, None)
    if deferred is None:
        return
    rebuild_min = int(getattr(settings, "SEARCH_BULK_REBUILD_MIN", 1000))
    by_type: dict[str, list[tuple[type[models.Model], dict[str, str]]]] = {}
    for (app_label, model_name), marks in deferred.marks.items():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        adapter = index.adapter_for(model)
        if adapter is not None and marks:
            by_type.setdefault(adapter.doc_type, []).append((model, marks))
    for doc_type, groups in by_type.items():
        if doc_type in deferred.rebuilds:
            continue
        changed = sum(len(marks) for _, marks in groups)
        if changed >= rebuild_min and 2 * changed >= index.document_count(doc_type):
            deferred.rebuilds.add(doc_type)
            continue
        for model, marks in groups:
            _mark_many(model=model, marks=marks)
            app_label, model_name = _label(model)
            ids = list(marks)
            for start in range(0, len(ids), BATCH_SIZE):
                transaction.on_commit(
                    _later(
                        index_objects.delay,
                        app_label,
                        model_name,
                        ids[start : start + BATCH_SIZE],
                    ),
                    robust=True,
                )
    for doc_type in sorted(deferred.rebuilds):
        transaction.on_commit(_later(rebuild_index.delay, doc_type), robust=True)


def index_apply(
    *, app_label: str, model_name: str, object_id: str, backend_alias: str = "default"
) -> str:
    """Bring the index in line with the database for one object; return what was done
    ("indexed", "deleted" or "skipped"). Safe to run twice."""
    state = IndexState.objects.filter(
        app_label=app_label, model_name=model_name, object_id=object_id
    ).first()
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
        # Only clear the mark this run saw (``state`` is as read above, not reloaded): a
        # change made meanwhile stays dirty.
        IndexState.objects.filter(pk=state.pk, generation=state.generation).update(
            dirty=False,
            attempts=0,
            last_error="",
            indexed_at=timezone.now(),
            action=IndexAction.DELETE if done == "deleted" else IndexAction.INDEX,
        )
    return done


def index_apply_many(
    *,
    app_label: str,
    model_name: str,
    object_ids: list[str],
    backend_alias: str = "default",
) -> dict[str, int]:
    """Bring the index in line with the database for many objects of one model in one
    write (``backend.apply``); return the counts of "indexed" and "deleted". Safe to run
    twice."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return {"indexed": 0, "deleted": 0}
    adapter = index.adapter_for(model)
    if adapter is None:
        return {"indexed": 0, "deleted": 0}
    object_ids = [str(i) for i in dict.fromkeys(object_ids)]
    states = IndexState.objects.filter(
        app_label=app_label, model_name=model_name, object_id__in=object_ids
    )
    generations = dict(states.values_list("object_id", "generation"))
    docs = []
    indexed: set[str] = set()
    for start in range(0, len(object_ids), 500):
        chunk = object_ids[start : start + 500]
        for obj in adapter.queryset().filter(pk__in=chunk):
            doc = adapter.to_document(obj)
            if doc is not None:
                docs.append(doc)
                indexed.add(str(obj.pk))
    gone = [i for i in object_ids if i not in indexed]
    backend = get_search_backend(backend_alias)
    try:
        backend.apply(
            adapter.doc_type, docs, deleted=[index.doc_id(model, i) for i in gone]
        )
    except Exception as e:
        states.update(attempts=F("attempts") + 1, last_error=str(e)[:2000])
        raise
    # Only clear the marks this run saw: a change made meanwhile stays dirty.
    cleared: dict[tuple[int, IndexAction], list[str]] = {}
    for object_id, generation in generations.items():
        done = IndexAction.INDEX if object_id in indexed else IndexAction.DELETE
        cleared.setdefault((generation, done), []).append(object_id)
    now = timezone.now()
    for (generation, done), ids in cleared.items():
        for start in range(0, len(ids), 500):
            states.filter(
                object_id__in=ids[start : start + 500], generation=generation
            ).update(
                dirty=False, attempts=0, last_error="", indexed_at=now, action=done
            )
    return {"indexed": len(docs), "deleted": len(gone)}


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
        if (adapter := index.adapter_for(m)) is not None
        and adapter.doc_type == doc_type
    ]
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


def index_sweep(*, older_than_seconds: int = 120, limit: int = 5000) -> int:
    """Re-enqueue the objects still marked dirty after ``older_than_seconds`` (a lost
    message, a crashed worker), one batch task per model. Return how many were
    re-enqueued."""
    from .tasks import index_object, index_objects

    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    stale = list(
        IndexState.objects.filter(dirty=True, changed_at__lte=cutoff)
        .order_by("changed_at")[:limit]
        .values_list("app_label", "model_name", "object_id")
    )
    by_model: dict[tuple[str, str], list[str]] = {}
    for app_label, model_name, object_id in stale:
        by_model.setdefault((app_label, model_name), []).append(object_id)
    for (app_label, model_name), ids in by_model.items():
        if len(ids) == 1:
            index_object.delay(app_label, model_name, ids[0])
            continue
        for start in range(0, len(ids), BATCH_SIZE):
            index_objects.delay(app_label, model_name, ids[start : start + BATCH_SIZE])
    return len(stale)
