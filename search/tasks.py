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


@shared_task(name="search.sweep_index_queue")
def sweep_index_queue() -> int:
    """Re-enqueue index work a lost message left behind."""
    return services.index_sweep()


@shared_task(name="search.rebuild_index")
def rebuild_index(doc_type: str, backend_alias: str = "default") -> int:
    return services.index_rebuild(doc_type=doc_type, backend_alias=backend_alias)


# The embedder's retraining task lives in its own module; importing it here registers it
# with workers, which autodiscover only ``<app>.tasks``.
from . import training_tasks  # noqa: E402, F401
