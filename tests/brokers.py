"""A real Celery app pointed at a broker that is not there, for tests of what happens
when publishing a task fails (a broker down or restarting)."""

from __future__ import annotations

import socket

from config.celery import app as celery_app


def dead_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DeadBroker:
    """Point the real Celery app at a Redis port where nobody answers."""

    def __enter__(self):
        self.saved = {
            k: celery_app.conf[k]
            for k in (
                "broker_url",
                "task_always_eager",
                "broker_connection_timeout",
                "task_publish_retry",
            )
        }
        celery_app.conf.update(
            broker_url=f"redis://127.0.0.1:{dead_port()}/0",
            task_always_eager=False,
            broker_connection_timeout=1,
            task_publish_retry=False,
        )
        celery_app._pool = None  # no cached connection to the old broker
        celery_app.amqp._producer_pool = None
        return self

    def __exit__(self, *exc):
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.update(self.saved)
