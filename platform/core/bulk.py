"""Bulk operations: per-row side effects wait until the operation ends.

The shape of Haystack's signal processors and django-elasticsearch-dsl's
``disable_signals``, in one place every app may use. Long writes (imports, bulk deletes,
bulk unpublishing) run inside :func:`bulk_operation`. Listeners that would act on each
saved row (the search app indexes every saved case) ask :func:`current_operation`; inside
an operation they record what changed on it and act once, in bulk, when
:data:`bulk_flush` is sent: at the end of the outermost operation, or midway when the
writer calls :func:`flush` between large batches. Paths that write without model signals
(``bulk_create``, ``QuerySet.update``) announce their rows with :func:`rows_changed`::

    with bulk_operation("import_statutes"):
        ...  # thousands of writes, in any number of transactions
    # the search app: one index write (or one rebuild) per document type, after commit

The operation is per thread and task (a context variable), so a web request running
beside an import still indexes its single edits immediately.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.dispatch import Signal

#: Sent by writers that bypass model signals. ``sender`` is the model class; keyword
#: arguments ``pks`` (a list) and ``deleted`` (whether the rows were removed).
rows_written = Signal()

#: Sent when listeners should apply what they deferred. Keyword argument ``operation``.
bulk_flush = Signal()


@dataclass
class BulkOperation:
    """A running bulk operation. Listeners keep their deferred work in ``pending``, under
    a key of their own (the search app uses ``"search"``)."""

    label: str
    pending: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[BulkOperation | None] = ContextVar("bulk_operation", default=None)


def current_operation() -> BulkOperation | None:
    """Return the bulk operation this code runs in, or None (single edits)."""
    return _current.get()


@contextlib.contextmanager
def bulk_operation(label: str = "") -> Iterator[BulkOperation]:
    """Defer per-row side effects until the block ends; nested blocks join the outer one.

    The deferred work is applied even when the block raises: rows committed before the
    error (an import commits law by law) must still be indexed. Listeners schedule their
    work with ``transaction.on_commit``, so what a rolled-back transaction wrote is never
    applied.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    operation = BulkOperation(label=label)
    token = _current.set(operation)
    try:
        yield operation
    finally:
        _current.reset(token)
        flush(operation)


def flush(operation: BulkOperation | None = None) -> None:
    """Let listeners apply what they deferred so far (between large batches, or at the
    end of the operation)."""
    operation = operation or _current.get()
    if operation is not None:
        bulk_flush.send(sender=BulkOperation, operation=operation)


def rows_changed(
    *, model: type[Model], pks: Iterable[Any], deleted: bool = False
) -> None:
    """Announce rows written without model signals (``bulk_create``, ``update``)."""
    pks = list(pks)
    if pks:
        rows_written.send(sender=model, pks=pks, deleted=deleted)
