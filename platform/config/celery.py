"""The Celery app. Tasks run eagerly when no broker is configured (see settings)."""

import os
import sys
from pathlib import Path

_PLATFORM_DIR = str(Path(__file__).resolve().parents[1])
if _PLATFORM_DIR not in sys.path:
    sys.path.insert(0, _PLATFORM_DIR)
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from celery import Celery  # noqa: E402

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def register_periodic_task(name: str, task: str, schedule, **options) -> None:
    """Add a Celery beat entry unless the project's settings already name it.

    Call it from ``AppConfig.ready()``. Entries land in ``settings.CELERY_BEAT_SCHEDULE``,
    which is the very dict Celery reads as ``app.conf.beat_schedule``, so a settings
    override (same name) wins and ``celery beat`` sees every app's jobs.
    ``schedule`` is seconds or a ``celery.schedules.crontab``; ``options`` may hold
    ``args``, ``kwargs`` and ``options`` as in Celery's beat_schedule entries.
    """
    from django.conf import settings

    entry = {"task": task, "schedule": schedule, **options}
    settings.CELERY_BEAT_SCHEDULE.setdefault(name, entry)
