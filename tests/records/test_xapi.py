import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import override_settings

from records.models import LearningEvent
from records.services import learning_event_record
from records.tasks import xapi_export_task
from records.xapi import XapiConfig, XapiError, statement_for, xapi_export_pending
from tests.base import BaseTestCase


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TinyLRS:
    """A real HTTP server on loopback that stores statements; it can fail the first N posts."""

    def __init__(self, fail_first: int = 0):
        self.received: list[dict] = []
        self.auth: list[str] = []
        self.fail_left = fail_first
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lrs.auth.append(self.headers.get("Authorization", ""))
                if lrs.fail_left > 0:
                    lrs.fail_left -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                statements = json.loads(body)
                lrs.received.extend(statements)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps([s["id"] for s in statements]).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xapi"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class XapiExportTests(BaseTestCase):
    def setUp(self):
        for n in range(5):
            learning_event_record(
                actor=self.officer,
                verb="completed",
                object_type="course",
                object_id=n,
                object_name=f"课程{n}",
                result={"score": 80, "max_score": 100, "passed": True},
            )
        self.sleeps: list[float] = []

    def test_unreachable_lrs_retries_with_backoff_and_loses_nothing(self):
        config = XapiConfig(
            endpoint=f"http://127.0.0.1:{closed_port()}/xapi",
            batch_size=2,
            attempts=3,
            backoff=0.5,
            timeout=2,
        )
        with self.assertRaises(XapiError):
            xapi_export_pending(config=config, sleep=self.sleeps.append)
        self.assertEqual(self.sleeps, [0.5, 1.0])
        self.assertEqual(
            LearningEvent.objects.filter(exported_at__isnull=True).count(), 5
        )

    def test_batches_reach_a_real_lrs_and_are_marked_exported(self):
        with TinyLRS(fail_first=1) as lrs:
            config = XapiConfig(
                endpoint=lrs.url,
                username="lrs",
                password="pw",
                batch_size=2,
                attempts=3,
                backoff=0.01,
            )
            result = xapi_export_pending(config=config, sleep=self.sleeps.append)
        self.assertEqual(result, {"sent": 5, "batches": 3, "pending": 0})
        self.assertEqual(len(self.sleeps), 1)  # one retry after the 503
        self.assertEqual(len(lrs.received), 5)
        self.assertEqual(len({s["id"] for s in lrs.received}), 5)
        self.assertTrue(all(a.startswith("Basic ") for a in lrs.auth))
        first = lrs.received[0]
        self.assertEqual(
            first["verb"]["id"], "http://adlnet.gov/expapi/verbs/completed"
        )
        self.assertEqual(first["result"]["score"]["scaled"], 0.8)
        self.assertFalse(
            LearningEvent.objects.filter(exported_at__isnull=True).exists()
        )

    def test_statement_id_is_stable_so_a_resend_is_harmless(self):
        event = LearningEvent.objects.first()
        self.assertEqual(statement_for(event)["id"], statement_for(event)["id"])

    def test_task_without_endpoint_does_nothing(self):
        self.assertEqual(xapi_export_task.apply().get()["sent"], 0)

    def test_task_sends_when_configured(self):
        with TinyLRS() as lrs, override_settings(RECORDS_XAPI_ENDPOINT=lrs.url):
            self.assertEqual(xapi_export_task.apply().get()["sent"], 5)
