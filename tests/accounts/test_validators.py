"""Password rules: length ≥ 8, three character classes, not common, not the police number."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import TestCase

from accounts.models import User


class PasswordRuleTests(TestCase):
    def setUp(self) -> None:
        self.user = User(username="zhangsan", police_number="371234", full_name="张三")

    def codes(self, password: str) -> set[str]:
        try:
            validate_password(password, self.user)
        except ValidationError as e:
            return {error.code for error in e.error_list}
        return set()

    def test_good_password_passes(self):
        self.assertEqual(self.codes("Jingwu@2026"), set())
        self.assertEqual(self.codes("river-Stone-42"), set())

    def test_too_short_is_refused(self):
        self.assertIn("password_too_short", self.codes("Ab1@xyz"))

    def test_two_classes_are_not_enough(self):
        self.assertIn("password_too_simple", self.codes("onlylowercase99"))
        self.assertIn("password_too_simple", self.codes("UPPERANDLOWER"))

    def test_three_classes_suffice(self):
        self.assertNotIn("password_too_simple", self.codes("Lower-and-symbol-x"))
        self.assertNotIn("password_too_simple", self.codes("Upper1lower"))

    def test_common_password_is_refused(self):
        self.assertIn("password_too_common", self.codes("Password1"))

    def test_police_number_inside_password_is_refused(self):
        self.assertIn("password_contains_police_number", self.codes("Abc@371234x"))

    def test_password_change_page_enforces_rules_and_audits(self):
        from audit.models import AuditEntry
        from tests.accounts.factories import UserFactory

        user = UserFactory(username="wang", police_number="371235")
        self.client.force_login(user)
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": "Secret-pass-123",
                "new_password1": "Abc@371235x",
                "new_password2": "Abc@371235x",
            },
        )
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            "/accounts/password/",
            {
                "old_password": "Secret-pass-123",
                "new_password1": "Qiao-Bridge-77",
                "new_password2": "Qiao-Bridge-77",
            },
        )
        self.assertEqual(response.status_code, 302)
        user.refresh_from_db()
        self.assertTrue(user.check_password("Qiao-Bridge-77"))
        self.assertIsNotNone(user.password_changed_at)
        self.assertTrue(
            AuditEntry.objects.filter(
                action="auth.password_change", actor_id=user.pk
            ).exists()
        )
        # The session survives the change.
        self.assertEqual(self.client.get("/").status_code, 200)
