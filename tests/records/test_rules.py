"""Assignment rules (records.AssignmentRule): who a rule matches, the sync of an item's
audience, recompute on transfer, waivers and extensions. All of it is new behaviour: each
test fails on main, where none of it exists."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import PoliceType, Post, Role, User
from audit.models import AuditEntry
from records import selectors, services
from records.models import Assignment, AssignmentRule, AssignmentStatus, TrackedItem
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase


class RuleTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.duty, _ = Post.objects.get_or_create(name="值班民警")
        cls.community, _ = Post.objects.get_or_create(name="社区民警")
        cls.patrol_type, _ = PoliceType.objects.get_or_create(name="巡特警")
        cls.duty_a = UserFactory(
            username="duty_a", unit=cls.station_a2, post=cls.duty, roles=[Role.OFFICER]
        )
        cls.duty_b = UserFactory(
            username="duty_b", unit=cls.station_b1, post=cls.duty, roles=[Role.OFFICER]
        )
        cls.officer.post = cls.community
        cls.officer.police_type = cls.patrol_type
        cls.officer.save()
        cls.item = TrackedItem.objects.create(
            item_type="guideline", item_id="1", title="接处警指引"
        )

    def rule(self, **criteria) -> AssignmentRule:
        return services.assignment_rule_create(
            actor=self.system_admin, item=self.item, **criteria
        )

    def required(self) -> set[str]:
        return set(
            Assignment.objects.filter(item=self.item, required=True).values_list(
                "user__username", flat=True
            )
        )


class RuleMatchingTests(RuleTestCase):
    def test_a_post_rule_within_a_unit_subtree_assigns_that_post_there_only(self):
        self.rule(post=self.duty, unit=self.branch_a)
        services.rule_assignments_sync(item=self.item)
        self.assertEqual(self.required(), {"duty_a"})

    def test_a_post_rule_without_unit_assigns_the_post_everywhere(self):
        self.rule(post=self.duty)
        services.rule_assignments_sync(item=self.item)
        self.assertEqual(self.required(), {"duty_a", "duty_b"})

    def test_police_type_and_role_must_both_hold(self):
        self.rule(police_type=self.patrol_type, role=Role.OFFICER)
        self.rule(police_type=self.patrol_type, role=Role.LEADER)
        services.rule_assignments_sync(item=self.item)
        self.assertEqual(self.required(), {"officer_a1"})

    def test_a_named_person_is_assigned_whatever_their_unit(self):
        self.rule(person=self.officer_b)
        services.rule_assignments_sync(item=self.item)
        self.assertEqual(self.required(), {"officer_b1"})

    def test_a_rule_without_any_criterion_is_refused(self):
        with self.assertRaises(ValidationError):
            self.rule()
        self.assertFalse(AssignmentRule.objects.exists())

    def test_the_query_and_the_per_person_match_agree(self):
        rules = [
            self.rule(post=self.duty, unit=self.branch_a),
            self.rule(unit=self.branch_a, include_subunits=False),
            self.rule(police_type=self.patrol_type, role=Role.OFFICER),
            self.rule(person=self.officer_b),
        ]
        for rule in rules:
            by_query = set(
                User.objects.filter(is_active=True)
                .filter(selectors.rule_conditions([rule]))
                .values_list("pk", flat=True)
            )
            by_match = {
                u.pk
                for u in User.objects.filter(is_active=True).select_related("unit")
                if rule.matches(u)
            }
            self.assertEqual(by_query, by_match, rule.describe())
            self.assertTrue(by_query)

    def test_creating_and_deleting_a_rule_is_audited_and_resyncs_the_item(self):
        with self.captureOnCommitCallbacks(execute=True):
            rule = self.rule(post=self.duty)
        self.assertEqual(self.required(), {"duty_a", "duty_b"})
        with self.captureOnCommitCallbacks(execute=True):
            services.assignment_rule_delete(actor=self.system_admin, rule=rule)
        self.assertEqual(self.required(), set())
        actions = set(
            AuditEntry.objects.filter(
                action__startswith="records.assignment_rule"
            ).values_list("action", flat=True)
        )
        self.assertEqual(
            actions,
            {"records.assignment_rule_create", "records.assignment_rule_delete"},
        )


class TransferTests(RuleTestCase):
    def test_a_change_of_post_recomputes_the_persons_assignments(self):
        """Through the real signal path: saving the person queues the recompute."""
        self.rule(post=self.duty)
        services.rule_assignments_sync(item=self.item)
        with self.captureOnCommitCallbacks(execute=True):
            self.duty_a.post = self.community
            self.duty_a.save()
        self.assertEqual(self.required(), {"duty_b"})
        with self.captureOnCommitCallbacks(execute=True):
            self.officer.post = self.duty
            self.officer.save()
        self.assertEqual(self.required(), {"duty_b", "officer_a1"})

    def test_a_change_of_unit_recomputes_the_persons_assignments(self):
        self.rule(post=self.duty, unit=self.branch_a)
        services.rule_assignments_sync(item=self.item)
        with self.captureOnCommitCallbacks(execute=True):
            self.duty_b.unit = self.station_a1
            self.duty_b.save()
        self.assertEqual(self.required(), {"duty_a", "duty_b"})

    def test_a_change_of_role_recomputes_the_persons_assignments(self):
        self.rule(role=Role.LEADER, unit=self.branch_a)
        services.rule_assignments_sync(item=self.item)
        self.assertEqual(self.required(), {"leader_a"})
        from accounts.models import RoleAssignment

        with self.captureOnCommitCallbacks(execute=True):
            RoleAssignment.objects.create(user=self.duty_a, role=Role.LEADER)
        self.assertEqual(self.required(), {"leader_a", "duty_a"})


class WaiverAndExtensionTests(RuleTestCase):
    def setUp(self) -> None:
        self.due = timezone.now() + timedelta(days=10)
        self.rule(post=self.duty, due_at=self.due)
        services.rule_assignments_sync(item=self.item)
        self.assignment = Assignment.objects.get(item=self.item, user=self.duty_a)

    def test_a_waiver_needs_a_reason(self):
        with self.assertRaises(ValidationError):
            services.assignment_waive(
                actor=self.unit_admin_a, assignment=self.assignment, reason=" "
            )

    def test_a_waiver_is_kept_by_a_resync_and_audited_with_its_reason(self):
        services.assignment_waive(
            actor=self.unit_admin_a, assignment=self.assignment, reason="长期病假"
        )
        services.rule_assignments_sync(item=self.item)
        self.assignment.refresh_from_db()
        self.assertEqual(self.assignment.status, AssignmentStatus.WAIVED)
        self.assertEqual(self.assignment.waiver_reason, "长期病假")
        entry = AuditEntry.objects.get(action="records.assignment_waive")
        self.assertEqual(entry.details["reason"], "长期病假")
        services.assignment_waiver_revoke(
            actor=self.unit_admin_a, assignment=self.assignment
        )
        self.assignment.refresh_from_db()
        self.assertEqual(self.assignment.status, AssignmentStatus.ASSIGNED)

    def test_an_extension_outlives_a_resync_and_a_transfer(self):
        later = self.due + timedelta(days=30)
        services.assignment_extend(
            actor=self.unit_admin_a,
            assignment=self.assignment,
            until=later,
            reason="外出培训",
        )
        services.rule_assignments_sync(item=self.item)
        services.rule_assignments_recompute_user(
            user=self.duty_a, item_type="guideline"
        )
        self.assignment.refresh_from_db()
        self.assertEqual(self.assignment.due_at, later)
        other = Assignment.objects.get(item=self.item, user=self.duty_b)
        self.assertEqual(other.due_at, self.due)
        self.assertTrue(
            AuditEntry.objects.filter(action="records.assignment_extend").exists()
        )

    def test_an_extension_must_end_after_the_current_due_date(self):
        with self.assertRaises(ValidationError):
            services.assignment_extend(
                actor=self.unit_admin_a,
                assignment=self.assignment,
                until=self.due - timedelta(days=1),
                reason="x",
            )
