"""Lockout counters in a shared Redis cache: every web node sees the same counts, and
concurrent failures are all counted."""

from __future__ import annotations

import threading
import uuid

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase, override_settings

import pytest

from accounts import lockout
from tests.accounts.factories import UserFactory
from tests.base import PASSWORD

pytestmark = [pytest.mark.integration]
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")


def other_node_cache() -> RedisCache:
    """A second, independent client on the same Redis, as another web node has."""
    return RedisCache(settings.REDIS_URL, {})


@needs_redis
@override_settings(ACCOUNTS_LOCKOUT_THRESHOLD=5, ACCOUNTS_LOCKOUT_SECONDS=900)
class RedisLockoutTests(TransactionTestCase):
    def setUp(self) -> None:
        self.assertIn("RedisCache", settings.CACHES["default"]["BACKEND"])
        self.address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
        self.user = UserFactory(username=f"redis-{uuid.uuid4().hex[:8]}")
        self.identity = f"user:{self.user.pk}"

    def tearDown(self) -> None:
        lockout.unlock(identifier=self.identity, address=self.address)

    def test_lock_set_on_one_node_is_seen_by_another(self):
        for _ in range(5):
            self.client.post(
                "/accounts/login/",
                {"username": self.user.username, "password": "wrong-Pass-1"},
                REMOTE_ADDR=self.address,
            )
        key = f"{lockout.account_key(self.identity)}:locked"
        node_b = other_node_cache()
        self.assertEqual(node_b.get(key), 1)
        self.client.post(
            "/accounts/login/",
            {"username": self.user.username, "password": PASSWORD},
            REMOTE_ADDR="10.250.250.250",
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_concurrent_failures_are_all_counted(self):
        threads_n = 20
        start = threading.Barrier(threads_n)
        identity = f"name:race-{uuid.uuid4().hex}"

        def fail() -> None:
            start.wait()
            lockout.failure_record(identifier=identity, address=None)

        threads = [threading.Thread(target=fail) for _ in range(threads_n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(
            other_node_cache().get(f"{lockout.account_key(identity)}:n"), threads_n
        )
        self.assertTrue(lockout.is_locked(identifier=identity, address=None))
        lockout.unlock(identifier=identity)
        self.assertFalse(lockout.is_locked(identifier=identity, address=None))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
class ConcurrentUnitMoveTests(TransactionTestCase):
    """Two admins move two branches under each other at the same moment: without the
    lock both cycle checks would pass and the tree would be corrupted. One move wins, the
    other is refused as a cycle, and the tree stays consistent."""

    def test_opposite_moves_at_once_leave_a_consistent_tree(self):
        from accounts.models import Role, Unit
        from accounts.services import unit_move
        from tests.accounts.factories import UnitFactory

        tag = uuid.uuid4().hex[:6]
        city = UnitFactory(code=f"R{tag}", name="市局")
        east = UnitFactory(code=f"R{tag}-E", name="东", parent=city)
        west = UnitFactory(
            code=f"R{tag}-W", name="西", parent=Unit.objects.get(pk=city.pk)
        )
        admin = UserFactory(
            username=f"sys-{tag}",
            unit=Unit.objects.get(pk=city.pk),
            roles=[Role.SYSTEM_ADMIN],
        )
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def move(unit, parent) -> None:
            from django.db import connection as thread_connection

            try:
                start.wait()
                unit_move(actor=admin, unit=unit, new_parent=parent)
                outcomes.append("moved")
            except ValidationError as e:
                outcomes.append(e.code)
            finally:
                thread_connection.close()

        threads = [
            threading.Thread(target=move, args=(east, west)),
            threading.Thread(target=move, args=(west, east)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(outcomes), ["cycle", "moved"])
        self.assertEqual(Unit.find_problems(), ([], [], [], [], []))
        east, west = Unit.objects.get(pk=east.pk), Unit.objects.get(pk=west.pk)
        self.assertTrue(east.is_within(west) != west.is_within(east))
