#!/usr/bin/env bash
# Run the tests marked `integration` against PostgreSQL and a real Celery worker on Redis.
# The worker is started by the `celery_worker_process` fixture (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${INTEGRATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export CELERY_BROKER_URL=${INTEGRATION_BROKER_URL:-redis://127.0.0.1:6379/15}
export REDIS_URL=${INTEGRATION_REDIS_URL:-redis://127.0.0.1:6379/14}
export CELERY_RESULT_BACKEND=${INTEGRATION_RESULT_BACKEND:-redis://127.0.0.1:6379/13}
mkdir -p var
exec .venv/bin/python -m pytest -m integration --create-db -p no:randomly "$@"
