# The two commands a newcomer needs: `make start` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Written by scripts/setup.sh after installing the packages of this pyproject.toml; a
# missing or older stamp means the virtualenv (or its packages) must be set up first.
STAMP := .venv/.installed-from
# Compiled catalogues are not in git: each is rebuilt when its .po is newer.
MO_FILES := $(patsubst %.po,%.mo,$(shell find . -path ./.venv -prune -o -path ./var -prune -o -name '*.po' -print))

.PHONY: start setup run test test-integration lint format typecheck imports messages

start: setup run  ## set everything up, seed the demo and start the site

setup:
	bash scripts/setup.sh

$(STAMP): pyproject.toml
	@echo "==> No virtualenv with this project's packages yet (or pyproject.toml changed):"
	@echo "    setting up .venv first (the first time takes about 4 minutes; make start also seeds the demo)"
	bash scripts/setup.sh --deps
	@touch $(STAMP)

%.mo: %.po
	msgfmt --check-format -o $@ $<

run: $(STAMP) $(MO_FILES)
	@echo ""
	@echo "Open http://$(HOST):$(PORT)/ and sign in with one of the demo logins, password Jingwu@2026:"
	@echo "  officer1 (民警)  legal1 (法制员)  leader1 (领导)  trainer1 (教官)"
	@echo "  admin_east (单位管理员)  sysadmin  secadmin  auditadmin    (all of them: README.md)"
	@echo "Stop with Ctrl-C; start again with: make run"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP) $(MO_FILES)  ## the whole suite on the embedded defaults (SQLite, eager tasks, embedded search)
	$(PY) -m pytest -m "not own_process"
	$(PY) -m pytest -m own_process --create-db -p no:randomly

test-integration: $(STAMP) $(MO_FILES)  ## integration tests on PostgreSQL with a real Celery worker on Redis
	bash scripts/test-integration.sh

lint: $(STAMP)  ## what CI checks before the tests: ruff and the import contracts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	PYTHONPATH=platform .venv/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(STAMP)  ## mypy with django-stubs, configured in pyproject.toml (a CI gate)
	$(PY) -m mypy

imports: $(STAMP)  ## the layering contracts in pyproject.toml ([tool.importlinter])
	PYTHONPATH=platform .venv/bin/lint-imports

messages:
	cd platform && ../$(PY) ../manage.py makemessages -l zh_Hans --ignore=../.venv
