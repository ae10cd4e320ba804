from accounts.selectors import can_see_person, visible_people, visible_units
from tests.base import BaseTestCase


class VisibleUnitsTests(BaseTestCase):
    def test_unit_admin_sees_own_subtree_only(self):
        codes = set(visible_units(self.unit_admin_a).values_list("code", flat=True))
        self.assertEqual(codes, {"C-A", "C-A-1", "C-A-2"})

    def test_system_admin_sees_every_unit(self):
        self.assertEqual(visible_units(self.system_admin).count(), 6)

    def test_officer_manages_no_unit(self):
        self.assertFalse(visible_units(self.officer).exists())

    def test_visible_people_include_self_and_subtree(self):
        people = set(
            visible_people(self.unit_admin_a).values_list("username", flat=True)
        )
        self.assertIn("officer_a1", people)
        self.assertIn("admin_a", people)
        self.assertNotIn("officer_b1", people)

    def test_can_see_person_across_branches_is_refused(self):
        self.assertFalse(can_see_person(self.unit_admin_a, self.officer_b))
        self.assertTrue(can_see_person(self.officer_b, self.officer_b))
