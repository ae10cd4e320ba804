# The two commands a newcomer needs: `make start` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: start setup run test test-integration lint format typecheck messages

start: setup run  ## set everything up, seed the demo and start the site

setup:
	bash scripts/setup.sh

run:
	@echo "Open http://$(HOST):$(PORT)/  (demo logins: see README)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test:  ## the whole suite on the embedded defaults (SQLite, eager tasks, embedded search)
	$(PY) -m pytest

test-integration:  ## integration tests on PostgreSQL with a real Celery worker on Redis
	bash scripts/test-integration.sh

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck:
	$(PY) -m mypy search

messages:
	cd platform && ../$(PY) ../manage.py makemessages -l zh_Hans --ignore=../.venv
