"""Settings for the fault scripts' workers: the project's base settings plus a short
broker visibility timeout (so a message held by a killed worker comes back within
seconds on Redis rather than an hour) and a queue of the run's own."""

import os

from config.settings.base import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "10"))
}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("FAULTS_QUEUE", "faults")
CELERY_TASK_ALWAYS_EAGER = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}
# The search_indexing workload indexes keywords only unless FAULTS_SEARCH_ENCODER=1: loading
# the sentence-transformers encoder costs 30-110 s of wall time per worker start on the
# shared 2-core machine, and every trial restarts the worker. The path under test (dirty
# mark, task, backend write, mark cleared, sweeper) is the same with or without vectors.
if os.environ.get("FAULTS_SEARCH_ENCODER") != "1":
    SEARCH_EMBEDDING_MODEL = "/nonexistent/faults-no-encoder"
