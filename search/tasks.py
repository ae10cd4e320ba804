"""Celery tasks: thin, take ids, idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services
from .backends.base import SearchUnavailable


@shared_task(
    name="search.index_object",
    # A remote engine that is down: retry with backoff; the dirty mark and the sweeper
    # catch whatever outlasts the retries.
    autoretry_for=(OSError, SearchUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def index_object(app_label: str, model_name: str, object_id: str) -> str:
    """Index or remove one object according to the database."""
    return services.index_apply(
        app_label=app_label, model_name=model_name, object_id=str(object_id)
    )


@shared_task(
    name="search.index_objects",
    autoretry_for=(OSError, SearchUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def index_objects(
    app_label: str, model_name: str, object_ids: list[str]
) -> dict[str, int]:
    """Index or remove many objects of one model according to the database, in one
    write to the index (bulk operations, multi-object transactions)."""
    return services.index_apply_many(
        app_label=app_label,
        model_name=model_name,
        object_ids=[str(i) for i in object_ids],
    )


@shared_task(name="search.sweep_index_queue")
def sweep_index_queue() -> int:
    """Re-enqueue index work a lost message left behind."""
    return services.index_sweep()


@shared_task(name="search.rebuild_index")
def rebuild_index(doc_type: str, backend_alias: str = "default") -> int:
    """Rebuild the index of one document type from the database."""
    return services.index_rebuild(doc_type=doc_type, backend_alias=backend_alias)


# The embedder's retraining task lives in its own module; importing it here registers it
# with workers, which autodiscover only ``<app>.tasks``.
from . import training_tasks  # noqa: E402, F401
