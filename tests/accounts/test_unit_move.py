"""Moving a unit under another parent: who may, refusal of cycles, the audit entry, and
scopes and visibility following the tree."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from accounts.models import Role, Unit
from accounts.selectors import can_see_person, visible_people, visible_units
from accounts.services import can_move_unit, unit_move, unit_move_targets
from accounts.signals import unit_moved
from audit.models import AuditEntry
from tests.accounts.factories import UnitFactory, UserFactory
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase, PersonasMixin


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


class UnitMoveServiceTests(BaseTestCase):
    def test_system_admin_moves_a_station_to_the_other_branch_and_it_is_audited(self):
        moved = unit_move(
            actor=self.system_admin, unit=self.station_a1, new_parent=self.branch_b
        )
        self.assertEqual(moved.get_parent().pk, self.branch_b.pk)
        self.assertTrue(moved.is_within(fresh(self.branch_b)))
        self.assertEqual(fresh(self.branch_a).numchild, 1)
        self.assertEqual(fresh(self.branch_b).numchild, 2)
        entry = AuditEntry.objects.get(action="accounts.unit_move")
        self.assertEqual(entry.actor_id, self.system_admin.pk)
        self.assertEqual(entry.details["old_path"], "C/C-A/C-A-1")
        self.assertEqual(entry.details["new_path"], "C/C-B/C-A-1")
        self.assertEqual(
            (entry.details["old_parent"], entry.details["new_parent"]), ("C-A", "C-B")
        )
        self.assertEqual(Unit.find_problems(), ([], [], [], [], []))

    def test_subtree_moves_along(self):
        post = UnitFactory(code="C-A-1-1", name="警务室", parent=self.station_a1)
        unit_move(actor=self.system_admin, unit=self.branch_a, new_parent=self.branch_b)
        self.assertEqual(
            [u.code for u in fresh(post).get_ancestors()], ["C", "C-B", "C-A", "C-A-1"]
        )
        self.assertEqual(
            AuditEntry.objects.get(action="accounts.unit_move").details["units_moved"],
            4,
        )
        self.assertEqual(Unit.find_problems(), ([], [], [], [], []))

    def test_cycle_is_refused_with_a_clear_message(self):
        for target in (self.station_a1, self.branch_a):
            with self.assertRaises(ValidationError) as caught:
                unit_move(
                    actor=self.system_admin, unit=self.branch_a, new_parent=target
                )
            self.assertEqual(caught.exception.code, "cycle")
            self.assertIn("东城分局", caught.exception.messages[0])
        self.assertEqual(fresh(self.branch_a).get_parent().pk, self.city.pk)
        self.assertFalse(
            AuditEntry.objects.filter(action="accounts.unit_move").exists()
        )

    def test_move_to_the_same_parent_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            unit_move(
                actor=self.system_admin, unit=self.station_a1, new_parent=self.branch_a
            )
        self.assertEqual(caught.exception.code, "same_parent")

    def test_system_admin_may_make_a_top_level_unit(self):
        moved = unit_move(actor=self.system_admin, unit=self.branch_b, new_parent=None)
        self.assertTrue(moved.is_root())
        self.assertFalse(can_move_unit(self.unit_admin_a, self.station_a1, None))

    def test_unit_admin_moves_only_inside_their_subtree(self):
        self.assertTrue(
            can_move_unit(self.unit_admin_a, self.station_a1, self.station_a2)
        )
        self.assertFalse(
            can_move_unit(self.unit_admin_a, self.station_a1, self.branch_b)
        )
        self.assertFalse(
            can_move_unit(self.unit_admin_a, self.station_b1, self.branch_a)
        )
        # Their own root is not theirs to move, nor may a leader or the security admin move.
        self.assertFalse(can_move_unit(self.unit_admin_a, self.branch_a, self.branch_b))
        self.assertFalse(can_move_unit(self.leader, self.station_a1, self.station_a2))
        self.assertFalse(
            can_move_unit(self.security_admin, self.station_a1, self.station_a2)
        )
        with self.assertRaises(PermissionDenied):
            unit_move(
                actor=self.unit_admin_a, unit=self.station_a1, new_parent=self.branch_b
            )
        moved = unit_move(
            actor=self.unit_admin_a, unit=self.station_a1, new_parent=self.station_a2
        )
        self.assertEqual(moved.get_parent().pk, self.station_a2.pk)

    def test_targets_exclude_the_unit_its_subtree_its_parent_and_foreign_units(self):
        codes = [
            u.code
            for u in unit_move_targets(actor=self.unit_admin_a, unit=self.station_a1)
        ]
        self.assertEqual(codes, ["C-A-2"])
        codes = [
            u.code
            for u in unit_move_targets(actor=self.system_admin, unit=self.branch_a)
        ]
        self.assertEqual(codes, ["C-B", "C-B-1"])

    def test_signal_is_sent_after_the_commit(self):
        received = []

        def handler(sender, unit_id, old_parent_id, **kwargs):
            received.append((unit_id, old_parent_id))

        unit_moved.connect(handler)
        try:
            with self.captureOnCommitCallbacks(execute=True):
                unit_move(
                    actor=self.system_admin,
                    unit=self.station_a1,
                    new_parent=self.branch_b,
                )
        finally:
            unit_moved.disconnect(handler)
        self.assertEqual(received, [(self.station_a1.pk, self.branch_a.pk)])


class VisibilityFollowsTheTreeTests(PersonasMixin, TestCase):
    """After a move the old parent's admin loses the moved unit's people and the new
    parent's admin gains them, with no change to any role assignment."""

    def test_scopes_follow_the_move(self):
        self.assertTrue(can_see_person(self.unit_admin_a, self.officer))
        self.assertFalse(can_see_person(self.unit_admin_b, self.officer))
        roles_before = list(
            self.unit_admin_a.role_assignments.values_list("role", "scope_unit")
        )
        unit_move(
            actor=self.system_admin, unit=self.station_a1, new_parent=self.branch_b
        )
        admin_a, admin_b = (
            type(self.unit_admin_a).objects.get(pk=self.unit_admin_a.pk),
            type(self.unit_admin_b).objects.get(pk=self.unit_admin_b.pk),
        )
        officer = type(self.officer).objects.get(pk=self.officer.pk)
        self.assertFalse(can_see_person(admin_a, officer))
        self.assertTrue(can_see_person(admin_b, officer))
        self.assertNotIn(officer, visible_people(admin_a))
        self.assertIn(officer, visible_people(admin_b))
        self.assertNotIn(
            self.station_a1.pk, visible_units(admin_a).values_list("pk", flat=True)
        )
        self.assertIn(
            self.station_a1.pk, visible_units(admin_b).values_list("pk", flat=True)
        )
        self.assertEqual(
            list(admin_a.role_assignments.values_list("role", "scope_unit")),
            roles_before,
        )

    def test_pages_follow_the_move(self):
        station_leader = UserFactory(unit=self.station_a1, roles=[Role.LEADER])
        unit_move(
            actor=self.system_admin, unit=self.station_a1, new_parent=self.branch_b
        )
        people = "/accounts/manage/people/"
        login_verified(self.client, self.unit_admin_a)
        self.assertNotContains(self.client.get(people), self.officer.full_name)
        self.assertEqual(
            self.client.get(f"{people}{self.officer.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(people, {"unit": self.station_a1.code}).status_code, 403
        )
        self.client.logout()
        login_verified(self.client, self.unit_admin_b)
        self.assertContains(self.client.get(people), self.officer.full_name)
        self.assertEqual(
            self.client.get(f"{people}{self.officer.pk}/").status_code, 200
        )
        self.assertContains(
            self.client.get(people, {"unit": self.station_a1.code}),
            self.officer.full_name,
        )
        # A leader scoped to the moved station still sees it (the scope points at the unit).
        leader = type(station_leader).objects.get(pk=station_leader.pk)
        self.assertTrue(
            can_see_person(leader, type(self.officer).objects.get(pk=self.officer.pk))
        )


class UnitMovePageTests(BaseTestCase):
    def test_unit_tree_offers_move_only_where_allowed(self):
        login_verified(self.client, self.unit_admin_a)
        page = self.client.get("/accounts/manage/units/")
        self.assertContains(page, f"/accounts/manage/units/{self.station_a1.pk}/move/")
        self.assertNotContains(page, f"/accounts/manage/units/{self.branch_a.pk}/move/")

    def test_unit_admin_moves_a_station_within_the_branch(self):
        login_verified(self.client, self.unit_admin_a)
        url = f"/accounts/manage/units/{self.station_a1.pk}/move/"
        form = self.client.get(url)
        self.assertContains(form, "东城二所")
        self.assertNotContains(form, "西城一所")
        response = self.client.post(
            url, {"parent": str(self.station_a2.pk)}, follow=True
        )
        self.assertRedirects(response, "/accounts/manage/units/")
        self.assertContains(response, "已调整隶属")
        self.assertEqual(fresh(self.station_a1).get_parent().pk, self.station_a2.pk)

    def test_page_refuses_foreign_units_cycles_and_bad_input(self):
        login_verified(self.client, self.unit_admin_a)
        self.assertEqual(
            self.client.get(
                f"/accounts/manage/units/{self.station_b1.pk}/move/"
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(
                f"/accounts/manage/units/{self.branch_a.pk}/move/"
            ).status_code,
            403,
        )
        url = f"/accounts/manage/units/{self.station_a1.pk}/move/"
        self.assertEqual(
            self.client.post(url, {"parent": str(self.branch_b.pk)}).status_code, 403
        )
        for bad in ("", "x", "99999999999999999999999"):
            response = self.client.post(url, {"parent": bad})
            self.assertEqual(response.status_code, 400, bad)
            self.assertContains(response, "请选择新的上级单位", status_code=400)
        login_verified(self.client, self.system_admin)
        url = f"/accounts/manage/units/{self.branch_a.pk}/move/"
        response = self.client.post(url, {"parent": str(self.station_a2.pk)})
        self.assertContains(
            response, "不能把单位移到它自身或它的下级单位之下", status_code=400
        )
        self.assertEqual(fresh(self.branch_a).get_parent().pk, self.city.pk)

    def test_officer_and_leader_cannot_open_the_move_page(self):
        url = f"/accounts/manage/units/{self.station_a1.pk}/move/"
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(url).status_code, 403)
        login_verified(self.client, self.leader)
        self.assertEqual(self.client.get(url).status_code, 403)
