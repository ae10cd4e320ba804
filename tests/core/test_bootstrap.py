"""An empty production deployment: ``migrate`` (with the cache table), ``bootstrap_site``
(page tree, groups, workflows; no demo data), then the imports and a superuser."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from wagtail.models import GroupPagePermission, Page, Site, WorkflowPage

import pytest

from accounts.models import Role, Unit, User
from casebank.models import CaseIndexPage, CasePage, GuidelineIndexPage
from courses.models import CourseIndexPage

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
SCRIPT_RE = re.compile(
    r"<!-- fresh-deployment-script -->\s*```bash\n(?P<script>.*?)```", re.S
)


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_site", stdout=out)
    return out.getvalue()


class BootstrapSiteTests(TestCase):
    def test_creates_the_page_tree_groups_and_workflows_without_demo_data(self):
        bootstrap()
        site = Site.objects.get(is_default_site=True)
        self.assertEqual(site.site_name, settings.WAGTAIL_SITE_NAME)
        self.assertEqual(site.root_page.title, settings.WAGTAIL_SITE_NAME)
        for model in (CaseIndexPage, GuidelineIndexPage):
            page = model.objects.get()
            self.assertTrue(page.live)
            self.assertEqual(page.get_parent().pk, site.root_page.pk)
            self.assertTrue(WorkflowPage.objects.filter(page=page).exists())
        catalogue = CourseIndexPage.objects.get(slug="courses")
        self.assertTrue(catalogue.live)
        self.assertTrue(WorkflowPage.objects.filter(page=catalogue).exists())
        self.assertEqual(
            set(Group.objects.values_list("name", flat=True)) & set(Role.values),
            set(Role.values),
        )
        self.assertTrue(
            Group.objects.get(name=Role.LEGAL_OFFICER)
            .permissions.filter(codename="access_admin")
            .exists()
        )
        self.assertEqual(User.objects.count(), 0)
        self.assertEqual(Unit.objects.count(), 0)
        self.assertEqual(CasePage.objects.count(), 0)

    def test_is_idempotent(self):
        bootstrap()

        def counts():
            return (
                Page.objects.count(),
                Group.objects.count(),
                GroupPagePermission.objects.count(),
                WorkflowPage.objects.count(),
                Site.objects.count(),
            )

        first = counts()
        bootstrap()
        self.assertEqual(counts(), first)

    def test_import_cases_works_after_it(self):
        bootstrap()
        call_command(
            "import_cases",
            FIXTURES / "cases_small.jsonl",
            "--format",
            "cail2018",
            "--publish",
            stdout=StringIO(),
            stderr=StringIO(),
        )
        library = CaseIndexPage.objects.get()
        self.assertEqual(CasePage.objects.child_of(library).live().count(), 4)

    def test_import_cases_without_it_says_what_to_run(self):
        with self.assertRaisesMessage(CommandError, "bootstrap_site"):
            call_command(
                "import_cases",
                FIXTURES / "cases_small.jsonl",
                "--format",
                "cail2018",
                stdout=StringIO(),
                stderr=StringIO(),
            )

    def test_migrate_creates_the_cache_table(self):
        self.assertIn("platform_cache", connection.introspection.table_names())


@pytest.mark.slow
class FreshDeploymentScriptTests(TestCase):
    """Run the script of docs/deployment.md as written, on a new SQLite database with the
    embedded defaults and production settings, the small fixtures standing in for the
    data files."""

    def test_the_documented_script_leaves_a_working_searchable_site(self):
        script = SCRIPT_RE.search(DEPLOYMENT_DOC.read_text(encoding="utf-8"))
        self.assertIsNotNone(
            script, "docs/deployment.md lost its fresh-deployment script"
        )
        var = Path(tempfile.mkdtemp(prefix="fresh-deploy-"))
        audit_key = var / "audit-chain.key"
        audit_key.write_text(secrets.token_urlsafe(48))
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
            and not key.startswith(("ELASTICSEARCH", "SEARCH_", "PYTEST", "TEST_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="localhost",
            VAR_DIR=str(var),
            AUDIT_CHAIN_KEY_FILE=str(audit_key),
            STATUTES=str(FIXTURES / "statutes_small.jsonl"),
            CHARGES=str(FIXTURES / "charges_small.jsonl"),
            CASES=str(FIXTURES / "cases_small.jsonl"),
            DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16),
        )
        run = subprocess.run(  # noqa: S603 - our own docs' script
            ["/bin/bash", "-euo", "pipefail", "-c", script.group("script")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        # Quiet logs on the default path: no DEBUG lines (bm25s), no kombu warning
        # about a broker nobody configured, one progress bar per import.
        output = run.stdout + run.stderr
        self.assertNotIn(" DEBUG ", output)
        self.assertNotIn("No hostname was supplied", output)
        bars = {
            line.split(":")[0].strip()
            for line in output.replace("\r", "\n").split("\n")
            if "%|" in line
        }
        self.assertEqual(bars, {"导入条文", "导入罪名", "导入案例"})
        check = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", CHECK],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.assertEqual(check.returncode, 0, check.stderr)
        facts = dict(
            line.split("=", 1) for line in check.stdout.splitlines() if "=" in line
        )
        self.assertEqual(
            facts,
            {
                "site": settings.WAGTAIL_SITE_NAME,
                "libraries": "1 1 1",
                "users": "1 superuser",
                "cases": "4 live",
                "articles": "7 indexed 7",
                "found": "示例道路法第三条",
                "case_found": "1",
                "cache": "ok",
            },
        )


# Run inside the deployed site (manage.py shell) after the script.
CHECK = """
from django.core.cache import cache
from wagtail.models import Site
from accounts.models import User
from casebank.models import Article, CaseIndexPage, CasePage, GuidelineIndexPage
from courses.models import CourseIndexPage
from search.backends import get_search_backend
from search.backends.base import SearchQuery
site = Site.objects.get(is_default_site=True)
print(f"site={site.site_name}")
libraries = [CaseIndexPage.objects.count(), GuidelineIndexPage.objects.count(),
             CourseIndexPage.objects.filter(slug="courses").count()]
print("libraries=" + " ".join(map(str, libraries)))
print(f"users={User.objects.count()} "
      + ("superuser" if User.objects.filter(is_superuser=True).exists() else "none"))
print(f"cases={CasePage.objects.live().count()} live")
backend = get_search_backend()
print(f"articles={Article.objects.count()} indexed {backend.count('article')}")
hits = backend.search(SearchQuery(text="醉酒驾驶机动车", doc_types=["article"],
                                  mode="keyword", viewer_units=None))
print(f"found={hits.hits[0].title if hits.hits else ''}")
cases = backend.search(SearchQuery(text="香烟", doc_types=["case"], mode="keyword",
                                   viewer_units=None))
print(f"case_found={cases.total}")
cache.set("fresh-deploy", "ok")
print(f"cache={cache.get('fresh-deploy')}")
"""
