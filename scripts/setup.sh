#!/usr/bin/env bash
# Set up a development machine from the project's own files: system packages (Chromium
# for the browser tests, a CJK font for PDF certificates), a virtualenv with pinned
# dependencies, the database, translations and the demo content.
#   scripts/setup.sh            everything, including the demo content
#   scripts/setup.sh --deps     system and Python packages only (what CI needs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3.11}
DEPS_ONLY=false
[ "${1:-}" = "--deps" ] && DEPS_ONLY=true

step() { printf '\n==> %s\n' "$*"; }

# System packages: only when missing, and only where we may install (root, apt).
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step "Installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "warning: please install ${need_apt[*]} (browser tests and PDF fonts need them)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating the virtualenv (.venv) with $PY"
  "$PY" -m venv .venv
fi
step "Installing Python packages (torch CPU build first)"
.venv/bin/python -m pip install -q --upgrade pip
# torch first: the pinned CPU build lies on the build machines; anything else pulls CUDA.
.venv/bin/python -m pip install -q "torch==2.13.0"
# Not editable: pyproject.toml declares no package (the code runs from the checkout), so
# this installs the pinned dependencies and nothing that could shadow the checkout.
.venv/bin/python -m pip install -q ".[dev]"

step "Compiling translations"
.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv

$DEPS_ONLY && exit 0

step "Migrating the database (var/db.sqlite3)"
# Also creates the embedded cache's table (core migration 0001_cache_table).
.venv/bin/python manage.py migrate --no-input -v 0
step "Seeding the demo organisation and content"
# seed_demo runs bootstrap_site first (page tree, groups, workflows), then the demo.
.venv/bin/python manage.py seed_demo
echo "done: $ROOT"
