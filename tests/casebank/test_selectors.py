from casebank.selectors import case_is_visible_to, case_queryset_visible_to
from tests.base import BaseTestCase
from tests.casebank.factories import make_case


class CaseVisibilityTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.public = make_case("公开案例")
        cls.east_only = make_case("东城内部案例", restricted_units=[cls.branch_a])
        cls.draft = make_case("草稿案例", live=False)

    def test_restricted_case_is_visible_below_the_named_unit(self):
        self.assertIn(self.east_only, case_queryset_visible_to(self.officer))
        self.assertTrue(case_is_visible_to(self.officer, self.east_only))

    def test_restricted_case_is_hidden_from_another_units_user(self):
        self.assertNotIn(self.east_only, case_queryset_visible_to(self.officer_b))
        self.assertFalse(case_is_visible_to(self.officer_b, self.east_only))
        self.assertIn(self.public, case_queryset_visible_to(self.officer_b))

    def test_unit_above_the_named_unit_does_not_see_it(self):
        self.assertFalse(case_is_visible_to(self.trainer, self.east_only))

    def test_system_admin_sees_public_cases_but_no_restricted_one(self):
        # 三员分立: the separated system roles read no restricted material
        # (accounts.permissions.can_read_restricted, docs/security.md).
        visible = case_queryset_visible_to(self.system_admin)
        self.assertIn(self.public, visible)
        self.assertNotIn(self.east_only, visible)

    def test_drafts_are_never_listed(self):
        self.assertNotIn(self.draft, case_queryset_visible_to(self.system_admin))
        self.assertFalse(case_is_visible_to(self.system_admin, self.draft))

    def test_anonymous_sees_nothing(self):
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(case_queryset_visible_to(AnonymousUser()).count(), 0)
