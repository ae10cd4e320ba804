"""System checks: the embedding model and the state of the index (ids search.E001...)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from . import embeddings

MODEL_MISSING_DEFAULT = "The bundled search embedding model is missing ({path}): search runs on keywords only."
MODEL_MISSING_HINT = "Train it with `manage.py train_embedder`, or set SEARCH_EMBEDDING_MODEL to a sentence-transformers folder."
INDEX_STALE = "The {doc_type!r} search index was built with another embedding model than the configured one ({model})."
INDEX_EMPTY = "The {doc_type!r} search index is empty but the database holds {count} documents of that type."
REBUILD_HINT = "Run `manage.py rebuild_search_index`."
STUCK = (
    "{count} search index updates have been pending for more than {minutes} minutes."
)
STUCK_HINT = "Check that a Celery worker is running; the sweeper re-queues them (search.sweep_index_queue)."


@checks.register("search")
def check_embedding_model(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report a model that is missing or, under ``--deploy``, one that cannot load."""
    path = embeddings.configured_model_path()
    try:
        embeddings.validate_model_folder(path)
    except embeddings.EmbeddingModelError as e:
        if embeddings.model_is_explicit():
            return [checks.Error(str(e), hint=MODEL_MISSING_HINT, id="search.E001")]
        return [
            checks.Warning(
                MODEL_MISSING_DEFAULT.format(path=path),
                hint=MODEL_MISSING_HINT,
                id="search.W001",
            )
        ]
    if kwargs.get("deploy") or getattr(checks, "_search_deep", False):
        try:
            embeddings.get_encoder(path)
        except embeddings.EmbeddingModelError as e:
            return [checks.Error(str(e), hint=MODEL_MISSING_HINT, id="search.E002")]
    return []


@checks.register("search")
def check_index(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report backend problems, an index built with another model, an empty index and
    updates stuck in the queue."""
    from . import index
    from .backends import get_search_backend
    from .models import IndexState

    messages: list[checks.CheckMessage] = []
    try:
        backend = get_search_backend()
    except Exception as e:  # noqa: BLE001 - any misconfiguration is reported, not raised
        return [checks.Error(str(e), id="search.E003")]
    backend_messages = backend.check()
    messages.extend(backend_messages)
    if any(m.level >= checks.ERROR for m in backend_messages):
        # An engine that cannot be reached cannot be inspected either: one clear error.
        return messages
    path = embeddings.configured_model_path()
    fingerprint = None
    try:
        embeddings.validate_model_folder(path)
        fingerprint = embeddings.model_fingerprint(path)
    except embeddings.EmbeddingModelError:
        pass
    index_model = getattr(backend, "index_model", None)
    try:
        for doc_type in index.doc_types():
            built_with = index_model(doc_type) if index_model else None
            if fingerprint and built_with and built_with != fingerprint:
                messages.append(
                    checks.Warning(
                        INDEX_STALE.format(doc_type=doc_type, model=path),
                        hint=REBUILD_HINT,
                        id="search.W002",
                    )
                )
            if backend.count(doc_type) == 0:
                count = index.document_count(doc_type)
                if count:
                    messages.append(
                        checks.Warning(
                            INDEX_EMPTY.format(doc_type=doc_type, count=count),
                            hint=REBUILD_HINT,
                            id="search.W003",
                        )
                    )
        cutoff = timezone.now() - dt.timedelta(minutes=10)
        stuck = IndexState.objects.filter(dirty=True, changed_at__lt=cutoff).count()
        if stuck:
            messages.append(
                checks.Warning(
                    STUCK.format(count=stuck, minutes=10),
                    hint=STUCK_HINT,
                    id="search.W004",
                )
            )
    except DatabaseError:
        # No tables yet (before migrate): nothing to compare.
        pass
    except Exception as e:  # noqa: BLE001 - an unreachable engine must not crash manage.py
        messages.append(
            checks.Warning(
                f"The search index could not be inspected: {e}", id="search.W005"
            )
        )
    return messages
