#!/usr/bin/env bash
# Set up a development machine from the project's own files: system packages (Chromium
# for the browser tests, a CJK font for PDF certificates), a virtualenv with pinned
# dependencies, translations, the database and the demo content.
#   scripts/setup.sh            everything, including the demo content (make start)
#   scripts/setup.sh --deps     system and Python packages and translations only (make test, CI)
# A second run is quick: pip runs only when pyproject.toml changed since the last install
# (its hash is kept in .venv/.installed-from), translations only when a .po changed, and
# migrate and the demo seed only do what is new.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3.11}
DEPS_ONLY=false
[ "${1:-}" = "--deps" ] && DEPS_ONLY=true
# How long to wait for another apt/dpkg run (unattended upgrades, a colleague) to finish.
APT_LOCK_WAIT=${APT_LOCK_WAIT:-120}
STAMP=.venv/.installed-from

started=$SECONDS
step_started=$SECONDS
step_name=
step_done() {
  if [ -n "$step_name" ]; then
    printf '    (%ss)\n' $((SECONDS - step_started))
  fi
  step_name=
}
step() {
  step_done
  step_name=$1
  step_started=$SECONDS
  printf '\n==> %s\n' "$*"
}

# System packages: only when missing, and only where we may install (root, apt). A busy
# package manager is waited for (bounded), then the step is skipped with a warning: the
# site runs without them, only the browser tests and PDF fonts need them.
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)  # the demo lesson's slide video
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step "Installing system packages: ${need_apt[*]} (waits up to ${APT_LOCK_WAIT}s for a busy dpkg)"
    apt_opts=(-o "DPkg::Lock::Timeout=$APT_LOCK_WAIT" -qq)
    if ! { apt-get "${apt_opts[@]}" update &&
      DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y "${need_apt[@]}" >/dev/null; }; then
      echo "warning: could not install ${need_apt[*]} (package manager busy or offline);" \
        "skipped: browser tests and PDF fonts need them, run scripts/setup.sh again later" >&2
    fi
  else
    echo "warning: please install ${need_apt[*]} (browser tests, PDF fonts and the demo video need them)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  if ! command -v "$PY" >/dev/null 2>&1; then
    echo "error: $PY not found: install Python 3.11, or set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  step "Creating the virtualenv (.venv) with $PY"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  rm -f "$STAMP"
fi
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  printf '\n==> Python packages: up to date with pyproject.toml (skipped)\n'
  touch "$STAMP" # for make: the packages match this pyproject.toml
else
  step "Installing Python packages, torch CPU build first (the first time takes about 4 minutes)"
  # torch first: the pinned CPU build lies on the build machines; anything else pulls CUDA.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  # Not editable: pyproject.toml declares no package (the code runs from the checkout), so
  # this installs the pinned dependencies and nothing that could shadow the checkout.
  .venv/bin/python -m pip install -q ".[dev]"
  echo "$want" >"$STAMP"
fi

# Compiled catalogues are not in git: compile when one is missing or older than its .po.
stale_po=$(find . -path ./.venv -prune -o -path ./var -prune -o -name '*.po' -print |
  while read -r po; do [ "${po%.po}.mo" -nt "$po" ] || echo "$po"; done)
if [ -n "$stale_po" ]; then
  step "Compiling translations"
  .venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
else
  step_done
  printf '\n==> Translations: compiled (skipped)\n'
fi

if $DEPS_ONLY; then
  step_done
  exit 0
fi

step "Migrating the database (var/db.sqlite3)"
# Also creates the embedded cache's table (core migration 0001_cache_table).
.venv/bin/python manage.py migrate --no-input -v 0
step "Seeding the demo organisation and content"
# seed_demo runs bootstrap_site first (page tree, groups, workflows), then the demo.
.venv/bin/python manage.py seed_demo
step_done
printf '\nSet up in %ss: %s\n' $((SECONDS - started)) "$ROOT"
