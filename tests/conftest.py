"""Session fixtures. Integration tests (``-m integration``) get a real Celery worker
when ``CELERY_BROKER_URL`` is set; they use ``TransactionTestCase`` so the worker sees
committed rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked ``data`` when the public data folder is absent (a fresh
    clone has no ``../shared``); CI has it, so there they run."""
    from tests.casebank.data import SHARED_DATA, shared_data_present

    if shared_data_present():
        return
    skip = pytest.mark.skip(reason=f"{DATA_MISSING} (looked in {SHARED_DATA})")
    needing = [item for item in items if item.get_closest_marker("data")]
    for item in needing:
        item.add_marker(skip)
    config.stash[_DATA_SKIPPED] = (len(needing), SHARED_DATA)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say in one line why the ``data`` tests were skipped, and how to run them."""
    count, where = config.stash.get(_DATA_SKIPPED, (0, None))
    if count:
        terminalreporter.write_line(
            f"{count} tests marked `data` skipped: {DATA_MISSING} (looked in {where})"
        )


DATA_MISSING = (
    "no public data; set SHARED_DATA_DIR to the public data folder "
    "(../shared/data beside the checkout) to run them"
)
_DATA_SKIPPED = pytest.StashKey[tuple]()


@pytest.fixture(autouse=True)
def _fresh_content_types(request):
    """A transactional test starts with an empty content-type cache.

    The flush ending a ``serialized_rollback`` test deletes the content types without
    re-creating them (Django inhibits ``post_migrate`` there), and other flushes re-create
    them with new ids, while ``ContentType.objects`` keeps its process-wide cache: the next
    transactional test would build pages on an id that no longer exists. Only transactional
    tests: a ``TestCase`` keeps its rows, and clearing the cache after ``setUpTestData``
    would add queries to its ``assertNumQueries``."""
    from django.test import TestCase, TransactionTestCase

    marker = request.node.get_closest_marker("django_db")
    transactional = (
        (marker is not None and marker.kwargs.get("transaction", False))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (
            isinstance(request.instance, TransactionTestCase)
            and not isinstance(request.instance, TestCase)
        )
    )
    if transactional:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache: lockout counters and rate limits kept in
    the process-wide locmem cache must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """Start ``celery worker`` against the test database; stop it after the session."""
    from django.conf import settings
    from django.db import connection

    if not settings.CELERY_BROKER_URL:
        pytest.skip("CELERY_BROKER_URL is not set: no real worker to test against")
    db = connection.settings_dict
    env = dict(os.environ)
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform")])
    log = open(ROOT / "var" / "celery-worker-test.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT / "platform",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                "the Celery worker exited at start; see var/celery-worker-test.log"
            )
        replies = app.control.ping(timeout=1)
        if replies:
            break
    else:
        proc.terminate()
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


# Browser tests ---------------------------------------------------------------------
# Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses
# to run "from an async context" unless told that this thread is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/setup.sh as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies) with a phone-or-desktop sized viewport."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(
    page,
    live_server_url: str,
    username: str,
    password: str,
    *,
    second_factor: bool | None = None,
) -> None:
    """Sign in through the real login form, then, as a person doing privileged work
    would, pass the real TOTP step (accounts.permissions asks every privileged function
    for it). ``second_factor=None`` passes it for anyone holding a role beyond officer;
    the person gets a confirmed authenticator if they have none."""
    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if second_factor is False or "/accounts/login/" in page.url:
        return
    from django.db.models import Q

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, User

    user = User.objects.filter(Q(username=username) | Q(police_number=username)).first()
    if user is None or "/accounts/password/" in page.url:
        return
    if second_factor is None and not user.has_role(
        *[role for role in Role.values if role != Role.OFFICER]
    ):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    # django-otp refuses a code twice; a test may sign the same person in twice within
    # one 30-second step.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    landing = page.url.removeprefix(live_server_url) or "/"
    page.goto(f"{live_server_url}/accounts/two-factor/?next={landing}")
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("input[name=token]", f"{token:06d}")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
