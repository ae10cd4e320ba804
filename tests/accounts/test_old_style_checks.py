"""Issue 13, "one authorization layer": the menu entries (会前学法, evaluation, enforcement
problems, the content admin), the case bank's law-change flag views and the remaining
role tests in views and home pages tested roles themselves instead of asking
``accounts.permissions``. They now ask named predicates; these tests failed before
(lambdas in the menu, ``has_role``/``has_perm`` in views, 403 on another's flag)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.test import SimpleTestCase
from django.urls import reverse

from accounts import permissions
from accounts.permissions import REGISTRY, Predicate
from casebank.models import FlagStatus, LawChangeFlag
from casebank.services import article_version_add, law_change_flags_create
from core.nav import registered_entries
from tests.base import BaseTestCase
from tests.casebank.factories import make_guideline
from tests.casebank.test_views import CasebankViewTestCase

ROOT = Path(__file__).resolve().parents[2]
APPS = ("platform", "courses", "casebank", "exams", "search")
ROLE_TEST = re.compile(
    r"\.has_role\(|\.has_perm\(|\bis_staff\b|\bis_superuser\b|\bperms\."
)


def surface_files():
    """Views, menus (apps.py), home-page providers and templates: where a role test
    belongs in a predicate."""
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if "migrations" in path.parts or path.name == "permissions.py":
                continue
            if path.suffix == ".html" or (
                path.suffix == ".py"
                and (
                    "views" in path.name
                    or path.parent.name == "views"
                    or path.name in ("apps.py", "home.py")
                )
            ):
                yield path


class OldStyleChecksTests(SimpleTestCase):
    def test_old_style_checks_every_menu_entry_asks_a_predicate(self):
        loose = [
            entry.url_name
            for entry in registered_entries()
            if entry.visible is not None
            and not (
                isinstance(entry.visible, Predicate)
                and REGISTRY.get(entry.visible.name) is entry.visible
            )
        ]
        self.assertEqual(loose, [], "menu entries deciding without a predicate")

    def test_old_style_checks_no_role_tests_in_views_menus_or_templates(self):
        found = []
        for path in surface_files():
            for number, line in enumerate(
                path.read_text(encoding="utf-8").splitlines(), 1
            ):
                if ROLE_TEST.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        self.assertEqual(found, [], "ask accounts.permissions instead")


class LawChangeFlagPredicateTests(CasebankViewTestCase):
    def test_old_style_checks_flag_resolve_outside_scope_answers_404(self):
        guideline = make_guideline(
            "盗窃案件办理指引", cited=[self.theft], owner=self.trainer
        )
        _, change = article_version_add(
            article=self.theft,
            text="盗窃公私财物，数额较大的，或者多次盗窃……",
            effective_from=dt.date(2026, 1, 1),
        )
        law_change_flags_create([change])
        flag = LawChangeFlag.objects.for_object(guideline).get()
        self.login(self.officer_b)  # neither its owner nor a reviewer of flags
        response = self.client.post(reverse("casebank:flag_resolve", args=[flag.pk]))
        self.assertEqual(response.status_code, 404)
        flag.refresh_from_db()
        self.assertEqual(flag.status, FlagStatus.OPEN)
        self.login(self.legal_officer)  # a reviewer of flags
        self.client.post(reverse("casebank:flag_resolve", args=[flag.pk]))
        flag.refresh_from_db()
        self.assertEqual(flag.status, FlagStatus.RESOLVED)

    def test_old_style_checks_separated_admin_does_not_see_flags_of_restricted_cases(
        self,
    ):
        _, change = article_version_add(
            article=self.theft,
            text="盗窃公私财物，数额较大的，或者多次盗窃……",
            effective_from=dt.date(2026, 1, 1),
        )
        law_change_flags_create([change])
        self.login(self.system_admin)
        page = self.client.get(reverse("casebank:flag_list")).content.decode()
        self.assertIn("张某盗窃电动车案", page)
        self.assertNotIn(self.restricted.title, page)


class PredicateRoleTests(BaseTestCase):
    def test_predicates_hold_the_documented_roles(self):
        expected = {
            permissions.can_see_all_exam_candidates: {"trainer", "system_admin"},
            permissions.can_credit_offline_any_unit: {"trainer", "system_admin"},
            permissions.can_open_pre_meeting: {
                "leader",
                "unit_admin",
                "legal_officer",
                "system_admin",
            },
            permissions.can_organise_pre_meeting: {
                "leader",
                "unit_admin",
                "system_admin",
            },
            permissions.can_view_unit_evaluations: {
                "leader",
                "unit_admin",
                "system_admin",
            },
            permissions.can_configure_evaluation: {"system_admin"},
            permissions.can_track_enforcement_problems: {
                "legal_officer",
                "leader",
                "unit_admin",
                "system_admin",
            },
            permissions.can_review_law_change_flags: {
                "legal_officer",
                "trainer",
                "system_admin",
            },
        }
        people = {
            "officer": self.officer,
            "legal_officer": self.legal_officer,
            "leader": self.leader,
            "trainer": self.trainer,
            "unit_admin": self.unit_admin_a,
            "system_admin": self.system_admin,
            "security_admin": self.security_admin,
            "audit_admin": self.audit_admin,
        }
        for rule, allowed in expected.items():
            passed = {name for name, user in people.items() if rule(user)}
            self.assertEqual(passed, allowed, rule.name)
