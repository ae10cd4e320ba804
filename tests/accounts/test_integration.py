"""Lockout counters in a shared Redis cache: every web node sees the same counts, and
concurrent failures are all counted."""

from __future__ import annotations

import threading
import uuid

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import TransactionTestCase, override_settings

import pytest

from accounts import lockout
from tests.accounts.factories import UserFactory
from tests.base import PASSWORD

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set"),
]


def other_node_cache() -> RedisCache:
    """A second, independent client on the same Redis, as another web node has."""
    return RedisCache(settings.REDIS_URL, {})


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
            self.client.post("/accounts/login/", {"username": self.user.username, "password": "wrong-Pass-1"},
                             REMOTE_ADDR=self.address)
        key = f"{lockout.account_key(self.identity)}:locked"
        node_b = other_node_cache()
        self.assertEqual(node_b.get(key), 1)
        self.client.post("/accounts/login/", {"username": self.user.username, "password": PASSWORD}, REMOTE_ADDR="10.250.250.250")
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
        self.assertEqual(other_node_cache().get(f"{lockout.account_key(identity)}:n"), threads_n)
        self.assertTrue(lockout.is_locked(identifier=identity, address=None))
        lockout.unlock(identifier=identity)
        self.assertFalse(lockout.is_locked(identifier=identity, address=None))
