"""Environment helpers fail loudly; Celery is set up for at-least-once delivery; apps add
beat jobs through register_periodic_task without overriding settings."""

from __future__ import annotations

import os
from unittest import mock

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from config.celery import app, register_periodic_task
from config.settings.env import env_bool, env_int, env_list, env_secret


class EnvHelperTests(SimpleTestCase):
    def test_bool(self):
        with mock.patch.dict(os.environ, {"X": "Yes"}):
            self.assertTrue(env_bool("X"))
        with mock.patch.dict(os.environ, {"X": "off"}):
            self.assertFalse(env_bool("X", True))
        with (
            mock.patch.dict(os.environ, {"X": "perhaps"}),
            self.assertRaises(ImproperlyConfigured),
        ):
            env_bool("X")

    def test_int(self):
        with mock.patch.dict(os.environ, {"X": "15"}):
            self.assertEqual(env_int("X", 1), 15)
        with (
            mock.patch.dict(os.environ, {"X": "15min"}),
            self.assertRaises(ImproperlyConfigured),
        ):
            env_int("X", 1)

    def test_list(self):
        with mock.patch.dict(os.environ, {"X": " a.example, ,b.example "}):
            self.assertEqual(env_list("X"), ["a.example", "b.example"])

    def test_secret_file(self):
        with (
            mock.patch.dict(os.environ, {"S_FILE": "/nonexistent/secret"}),
            self.assertRaises(ImproperlyConfigured),
        ):
            env_secret("S")


class CelerySettingsTests(SimpleTestCase):
    def test_at_least_once_delivery(self):
        self.assertTrue(app.conf.task_acks_late)
        self.assertTrue(app.conf.task_reject_on_worker_lost)
        self.assertEqual(app.conf.worker_prefetch_multiplier, 1)

    def test_register_periodic_task_reaches_celery_and_keeps_overrides(self):
        schedule = {"x-job": {"task": "x.override", "schedule": 10.0}}
        with override_settings(CELERY_BEAT_SCHEDULE=schedule):
            register_periodic_task("x-job", "x.default", 60.0)
            register_periodic_task("y-job", "y.default", 60.0, kwargs={"a": 1})
            self.assertEqual(
                settings.CELERY_BEAT_SCHEDULE["x-job"]["task"], "x.override"
            )
            self.assertEqual(
                settings.CELERY_BEAT_SCHEDULE["y-job"],
                {"task": "y.default", "schedule": 60.0, "kwargs": {"a": 1}},
            )

    def test_app_jobs_are_on_the_beat_schedule(self):
        self.assertIs(app.conf.beat_schedule, settings.CELERY_BEAT_SCHEDULE)
        self.assertIn("audit-purge", app.conf.beat_schedule)
