"""Retraining the embedding model in the background, with a status every process can read.

The status lives in the Django cache (the database cache by default, Redis in production),
so the web process that shows it and the worker that trains need not share a disk. The
trained model goes to ``SEARCH_EMBEDDER_TRAINING_DIR`` (default ``var/search/trained-model``),
never over the model in use: vectors from two models do not mix, so switching is a
deliberate step (point ``SEARCH_EMBEDDING_MODEL`` at the new folder, then
``manage.py rebuild_search_index``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from celery import shared_task

from .training import TrainingConfig, train_embedder

STATUS_KEY = "search:embedder-training"
STATUS_TTL = 60 * 60 * 24 * 30
# A run whose status has not moved for this long is taken as lost (its worker died).
STALE_AFTER = 15 * 60
ALREADY_RUNNING = "A training run is already in progress (started {started})."


def training_output_dir() -> Path:
    """Return the folder a background run writes its model to."""
    default = (
        Path(getattr(settings, "VAR_DIR", Path("var"))) / "search" / "trained-model"
    )
    return Path(getattr(settings, "SEARCH_EMBEDDER_TRAINING_DIR", default))


def training_status() -> dict[str, Any]:
    """Return the last run's status: state (idle, queued, running, done, failed), progress, ..."""
    status = cache.get(STATUS_KEY) or {"state": "idle"}
    if (
        status.get("state") in {"queued", "running"}
        and time.time() - status.get("updated", 0) > STALE_AFTER
    ):
        status = {
            **status,
            "state": "failed",
            "message": "lost: no progress for 15 minutes",
        }
    return status


def _write_status(**fields: Any) -> dict[str, Any]:
    status = {**(cache.get(STATUS_KEY) or {}), **fields, "updated": time.time()}
    cache.set(STATUS_KEY, status, STATUS_TTL)
    return status


def training_start(
    *,
    started_by: str,
    use_public_data: bool = True,
    use_casebank: bool = True,
    epochs: int | None = None,
) -> str:
    """Queue a training run after the current transaction commits; return its run id.

    Raises ``RuntimeError`` (message ``ALREADY_RUNNING``) while another run is queued or running.
    """
    current = training_status()
    if current.get("state") in {"queued", "running"}:
        raise RuntimeError(
            ALREADY_RUNNING.format(started=current.get("started_at", "?"))
        )
    run_id = uuid.uuid4().hex
    options: dict[str, bool | int] = {
        "use_public_data": use_public_data,
        "use_casebank": use_casebank,
    }
    if epochs:
        options["epochs"] = int(epochs)
    cache.set(
        STATUS_KEY,
        {
            "state": "queued",
            "run_id": run_id,
            "started_by": started_by,
            "started_at": timezone.now().isoformat(timespec="seconds"),
            "done": 0,
            "total": 0,
            "message": "",
            "options": options,
            "updated": time.time(),
        },
        STATUS_TTL,
    )
    transaction.on_commit(
        lambda: train_embedder_task.delay(run_id=run_id, options=options)
    )
    return run_id


@shared_task(name="search.train_embedder", acks_late=False)
def train_embedder_task(*, run_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """Train a model with ``options`` into ``training_output_dir()`` and record its status.

    Not acknowledged late: a retrain takes minutes and a second delivery would only redo it.
    """
    current = cache.get(STATUS_KEY) or {}
    if current.get("run_id") == run_id and current.get("state") in {"done", "failed"}:
        return current  # a redelivered message: the run already finished
    _write_status(state="running", run_id=run_id, message="starting", done=0, total=0)
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        if time.monotonic() - last[0] > 2 or done == total:
            last[0] = time.monotonic()
            _write_status(done=done, total=total, message=message)

    # Deployments may tune a background run (e.g. {"epochs": 4, "max_pairs": 20000}).
    extra = dict(getattr(settings, "SEARCH_EMBEDDER_TRAINING_OPTIONS", {}) or {})
    if "data_dir" in extra:
        extra["data_dir"] = Path(extra["data_dir"])
    config = TrainingConfig(output_dir=training_output_dir(), **{**extra, **options})
    try:
        result = train_embedder(config, progress)
    except Exception as e:
        _write_status(
            state="failed",
            message=str(e),
            finished_at=timezone.now().isoformat(timespec="seconds"),
        )
        raise
    return _write_status(
        state="done",
        message="saved",
        result={k: v for k, v in asdict(result).items() if k != "config"},
        finished_at=timezone.now().isoformat(timespec="seconds"),
    )
