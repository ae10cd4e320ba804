"""The audit log shows what each action means in Chinese, not its stored code (issue 17:
the log page showed ``auth.login`` as it is stored). Both tests failed before
``audit.actions``: no labels existed and the page printed ``<code>auth.login</code>``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.test import SimpleTestCase
from django.utils import translation

from audit.actions import action_label, action_labels
from audit.services import audit_log
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["platform", "casebank", "courses", "exams", "search"]
WRITERS = {"audit_log", "audit_later", "write_audit_entry"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def written_codes() -> dict[str, str]:
    """Every action code a call to an audit writer passes as ``action=``, with where.

    The value may be a literal, a conditional of literals, or a module constant."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            constants = {
                target.id: node.value.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name == "delay":
                    name = getattr(func.value, "id", None)
                if name not in WRITERS:
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "action":
                        continue
                    for leaf in ast.walk(keyword.value):
                        value = None
                        if isinstance(leaf, ast.Constant) and isinstance(
                            leaf.value, str
                        ):
                            value = leaf.value
                        elif isinstance(leaf, ast.Name) and leaf.id in constants:
                            value = constants[leaf.id]
                        if value and "." in value:
                            where = f"{path.relative_to(ROOT)}:{node.lineno}"
                            found.setdefault(value, where)
    return found


class ActionLabelTests(SimpleTestCase):
    def test_the_scan_finds_the_actions_it_should(self):
        """Guard for the scan itself: it sees literals, conditionals and constants."""
        codes = written_codes()
        for code in (
            "auth.login",  # a literal
            "accounts.disable",  # the else branch of a conditional
            "casebank.restricted_read",  # a module constant
            "exams.attempt_start",  # written later through audit_later
        ):
            self.assertIn(code, codes)
        self.assertGreater(len(codes), 70)

    def test_every_written_action_has_a_chinese_label(self):
        missing = []
        with translation.override("zh-hans"):
            for code, where in sorted(written_codes().items()):
                label = action_label(code)
                if code not in action_labels() or not CJK.search(label):
                    missing.append(f"{code} ({where}): {label}")
        self.assertEqual(missing, [])

    def test_english_is_available(self):
        with translation.override("en"):
            self.assertEqual(action_label("auth.login"), "Signed in")

    def test_an_undeclared_code_is_shown_as_it_is(self):
        self.assertEqual(action_label("exam.grade_change"), "exam.grade_change")


class AuditLogPageLabelTests(BaseTestCase):
    def test_the_log_shows_labels_and_keeps_the_code_for_machines(self):
        audit_log(action="auth.login", actor=self.officer)
        audit_log(action="auth.login_failed", actor=None, result="failure")
        login_verified(self.client, self.audit_admin)
        response = self.client.get("/audit/", headers={"accept-language": "zh-hans"})
        self.assertContains(response, '<span data-action="auth.login">登录成功</span>')
        self.assertContains(
            response, '<span data-action="auth.login_failed">登录失败</span>'
        )
        self.assertNotContains(response, "<code>auth.login</code>")
