"""Publishing never fails for the editor when the broker is down: the page is published,
the failure to queue its indexing is logged, the object stays marked dirty, and the
sweeper indexes it once the broker is back."""

from __future__ import annotations

from search.backends import get_search_backend
from search.models import IndexState
from search.services import index_sweep
from tests.base import BaseTestCase
from tests.brokers import DeadBroker

from .base import TempIndexMixin
from .factories import legal_corpus


class BrokerDownPublishTests(TempIndexMixin, BaseTestCase):
    def test_publish_succeeds_and_the_sweep_indexes_it_later(self) -> None:
        with (
            DeadBroker(),
            self.assertLogs(level="ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            corpus = legal_corpus()
        case = corpus["cases"]["theft"]
        self.assertTrue(case.live)
        self.assertTrue(any("Error calling" in line for line in logs.output))
        backend = get_search_backend()
        self.assertIsNone(backend.get("case", str(case.pk)))
        self.assertTrue(
            IndexState.objects.filter(object_id=str(case.pk), dirty=True).exists()
        )

        # The broker is back (eager here): the beat sweep queues what is still dirty.
        self.assertGreater(index_sweep(older_than_seconds=0), 0)
        self.assertEqual(backend.get("case", str(case.pk)).source_id, "case-theft")
        self.assertFalse(
            IndexState.objects.filter(object_id=str(case.pk), dirty=True).exists()
        )
