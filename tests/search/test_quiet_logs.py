"""The default path (dev settings: no broker, the embedded index) logs no DEBUG lines of
bm25s and no kombu warning about a broker nobody configured."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

from search.backends.embedded import load_bm25s

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, tempfile
sys.path[:0] = ['.', 'platform']
import django
django.setup()
from celery import shared_task
from search.backends.base import SearchDocument
from search.backends.embedded import EmbeddedSearchBackend

@shared_task
def ping(x):
    return x

print(ping.delay('eager').get())
backend = EmbeddedSearchBackend({'PATH': tempfile.mkdtemp(), 'SEMANTIC': False})
backend.add_bulk([SearchDocument(doc_type='case', id='1', title='盗窃案', body='秘密窃取')])
print(backend.count('case'))
"""


class QuietLogTests(SimpleTestCase):
    def test_bm25s_is_put_back_to_the_configured_level(self) -> None:
        # What bm25s does to its own logger when it is first imported.
        logging.getLogger("bm25s").setLevel(logging.DEBUG)
        load_bm25s()
        self.assertFalse(logging.getLogger("bm25s").isEnabledFor(logging.INFO))

    def test_an_eager_task_and_an_index_build_log_nothing_misleading(self) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
        run = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.split(), ["eager", "1"])
        self.assertNotIn("No hostname was supplied", run.stderr)
        self.assertNotIn("DEBUG", run.stderr)
