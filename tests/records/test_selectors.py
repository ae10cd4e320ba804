from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied

import time_machine

from accounts.models import Role
from records import selectors
from records.models import AssignmentStatus, RoleRequirement
from records.selectors import ReportFilter
from records.services import credit_hours, learning_event_record
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.records.factories import (
    AssignmentFactory,
    CertificationFactory,
    TrackedItemFactory,
)

TZ = ZoneInfo("Asia/Shanghai")
ZERO_H = Decimal(0)


class TargetArithmeticTests(BaseTestCase):
    def test_hours_near_midnight_count_in_the_local_year(self):
        # 2026-12-31 23:30 in Shanghai is 15:30 UTC the same day; 2027-01-01 00:30 local
        # is still 2026 in UTC: both must land in their local year.
        credit_hours(
            user=self.officer,
            hours=3,
            category="law",
            source_type="t",
            source_id="a",
            earned_at=datetime(2026, 12, 31, 23, 30, tzinfo=TZ),
        )
        credit_hours(
            user=self.officer,
            hours=5,
            category="law",
            source_type="t",
            source_id="b",
            earned_at=datetime(2027, 1, 1, 0, 30, tzinfo=TZ),
        )
        record = selectors.person_record_get(self.officer, 2026)
        by_year = {y.year: y.total for y in record.years}
        self.assertEqual(by_year[2026], Decimal(3))
        self.assertEqual(by_year[2027], Decimal(5))

    def test_year_specific_requirement_overrides_the_recurring_one(self):
        RoleRequirement.objects.create(role=Role.OFFICER, year=None, min_hours=40)
        RoleRequirement.objects.create(role=Role.OFFICER, year=2027, min_hours=50)
        self.assertEqual(selectors.person_targets(self.officer, 2026).min_hours, 40)
        self.assertEqual(selectors.person_targets(self.officer, 2027).min_hours, 50)
        self.assertEqual(selectors.person_targets(self.officer, 2028).min_hours, 40)

    def test_targets_merge_takes_the_highest_figure_of_each_role(self):
        RoleRequirement.objects.create(
            role=Role.OFFICER, min_hours=40, category_minimums={"law": "8"}
        )
        RoleRequirement.objects.create(
            role=Role.LEGAL_OFFICER,
            min_hours=60,
            category_minimums={"law": "5", "case_study": "10"},
            required_item_types=["exam_review"],
        )
        targets = selectors.person_targets(self.legal_officer, 2026)
        self.assertEqual(targets.min_hours, 60)
        self.assertEqual(
            targets.category_minimums, {"law": Decimal(8), "case_study": Decimal(10)}
        )
        self.assertEqual(targets.required_item_types, ["exam_review"])

    def test_year_fraction_is_zero_before_and_one_after(self):
        self.assertEqual(
            selectors.year_fraction(2026, datetime(2025, 12, 31, 23, 59, tzinfo=TZ)), 0
        )
        self.assertEqual(
            selectors.year_fraction(2026, datetime(2027, 1, 1, 0, 0, tzinfo=TZ)), 1
        )
        self.assertAlmostEqual(
            selectors.year_fraction(2026, datetime(2026, 7, 2, 12, tzinfo=TZ)),
            0.5,
            places=2,
        )

    def test_at_risk_follows_the_calibrated_pace_rule(self):
        RoleRequirement.objects.create(role=Role.OFFICER, min_hours=40)
        mid = datetime(2026, 7, 2, 12, tzinfo=TZ)  # half the year gone
        credit_hours(
            user=self.officer,
            hours=5,
            category="law",
            source_type="t",
            source_id="1",
            earned_at=datetime(2026, 3, 1, tzinfo=TZ),
        )  # 35 h left in half a year is 1.75 times the normal pace: at risk
        credit_hours(
            user=self.officer_b,
            hours=12,
            category="law",
            source_type="t",
            source_id="2",
            earned_at=datetime(2026, 3, 1, tzinfo=TZ),
        )  # straight-line pace says 20 h, but 28 h in half a year is 1.4 times: on track
        flt = ReportFilter(year=2026)
        at_risk = set(
            selectors.at_risk_people(self.city, flt, now=mid).values_list(
                "username", flat=True
            )
        )
        self.assertIn(self.officer.username, at_risk)
        self.assertNotIn(self.officer_b.username, at_risk)
        # Each person says why: expected by now, hours, and the shortfall.
        person = selectors.at_risk_people(self.city, flt, now=mid).get(
            username=self.officer.username
        )
        self.assertAlmostEqual(float(person.expected), 40 * 0.25, places=0)
        self.assertEqual(person.hours, 5)
        reason = selectors.at_risk_reason(
            hours=person.hours, target=person.target, year=2026, now=mid
        )
        self.assertEqual((reason.missing, reason.days_left), (35, 182))
        self.assertAlmostEqual(reason.times_normal_pace, 1.75, delta=0.06)
        self.assertEqual(
            selectors.at_risk_pace(2026, datetime(2026, 3, 20, tzinfo=TZ)), 0.0
        )  # with 9 months left anyone can still catch up
        # The dashboard's count applies the same rule to the same people.
        report = selectors.unit_report(self.system_admin, self.city, flt, now=mid)
        self.assertEqual(report.at_risk_count, len(at_risk))
        # Within the grace period nobody is judged yet.
        early = datetime(2026, 1, 10, tzinfo=TZ)
        self.assertFalse(selectors.at_risk_people(self.city, flt, now=early).exists())
        # The year after, 5 of 40 is simply a miss; 2026 hours do not count for 2027.
        after = datetime(2027, 3, 1, tzinfo=TZ)
        missed = set(
            selectors.at_risk_people(self.city, flt, now=after).values_list(
                "username", flat=True
            )
        )
        self.assertIn(self.officer.username, missed)
        self.assertIn(
            self.officer.username,
            set(
                selectors.at_risk_people(
                    self.city,
                    ReportFilter(year=2027),
                    now=datetime(2027, 7, 2, tzinfo=TZ),
                ).values_list("username", flat=True)
            ),
        )

    def test_at_risk_rule_edges(self):
        """The calibrated rule (issue 18): pace against the due date, a grace period, a
        minimum of evidence. Fails before: the old rule flagged 27 of 41 demo people."""
        pace = selectors.at_risk_pace
        # Minimum of evidence: nobody is judged in the first 60 days…
        self.assertEqual(pace(2026, datetime(2026, 2, 20, tzinfo=TZ)), 0.0)
        # …and nobody before a third of the year is gone (1.5 × the time left ≥ 1).
        self.assertEqual(pace(2026, datetime(2026, 4, 30, tzinfo=TZ)), 0.0)
        self.assertGreater(pace(2026, datetime(2026, 5, 10, tzinfo=TZ)), 0.0)
        # Against the due date: in December, with a month left, nearly all is needed.
        december = datetime(2026, 12, 2, tzinfo=TZ)
        self.assertAlmostEqual(pace(2026, december), 1 - 1.5 * 30 / 365, places=2)
        self.assertEqual(pace(2026, datetime(2027, 1, 1, tzinfo=TZ)), 1.0)
        short = selectors.at_risk_shortfall
        target = Decimal(40)
        p = pace(2026, december)
        self.assertFalse(short(hours=Decimal(36), target=target, pace=p))  # on the line
        self.assertTrue(
            short(hours=Decimal(34), target=target, pace=p)
        )  # 6 h in a month
        # Below the line but missing less than the minimum (2 h): no evidence.
        p = pace(2026, datetime(2026, 12, 28, tzinfo=TZ))  # 39.3 h by now
        self.assertFalse(short(hours=Decimal("38.5"), target=target, pace=p))
        self.assertTrue(short(hours=Decimal(37), target=target, pace=p))
        # The year over: any miss counts, none of a met target.
        self.assertTrue(short(hours=Decimal("39.5"), target=target, pace=1.0))
        self.assertFalse(short(hours=Decimal(40), target=target, pace=1.0))
        self.assertFalse(short(hours=ZERO_H, target=ZERO_H, pace=1.0))  # no target
        reason = selectors.at_risk_reason(
            hours=Decimal(30),
            target=target,
            year=2026,
            now=datetime(2027, 1, 5, tzinfo=TZ),
        )
        self.assertEqual((reason.missing, reason.days_left), (10, 0))

    def test_pre_meeting_attendance_counts_sessions_of_the_year_once(self):
        for n, when in enumerate(
            [
                datetime(2025, 12, 30, tzinfo=TZ),
                datetime(2026, 2, 1, tzinfo=TZ),
                datetime(2026, 3, 1, tzinfo=TZ),
            ]
        ):
            learning_event_record(
                actor=self.leader,
                verb="attended",
                object_type="pre_meeting_study",
                object_id=str(n),
                timestamp=when,
            )
        learning_event_record(
            actor=self.leader,
            verb="attended",
            object_type="pre_meeting_study",
            object_id="2",
            timestamp=datetime(2026, 3, 1, 1, tzinfo=TZ),
        )  # same session twice
        RoleRequirement.objects.create(role=Role.LEADER, pre_meeting_study_min=10)
        record = selectors.person_record_get(self.leader, 2026)
        self.assertEqual(record.pre_meeting_attended, 2)
        self.assertEqual(record.pre_meeting_required, 10)


class CertificationExpiryTests(BaseTestCase):
    def test_states_valid_expiring_expired(self):
        today = date(2026, 6, 1)
        certs = [
            CertificationFactory(
                user=self.officer,
                issued_at=date(2024, 1, 1),
                expires_at=date(2027, 1, 1),
            ),
            CertificationFactory(
                user=self.officer,
                kind="enforcement",
                issued_at=date(2024, 1, 1),
                expires_at=date(2026, 7, 1),
            ),
            CertificationFactory(
                user=self.officer,
                kind="other",
                issued_at=date(2020, 1, 1),
                expires_at=date(2026, 5, 31),
            ),
        ]
        states = [s["state"] for s in selectors.certifications_status(certs, today, 90)]
        self.assertEqual(states, ["valid", "expiring", "expired"])

    def test_expiry_day_itself_is_still_valid(self):
        cert = CertificationFactory(
            user=self.officer, issued_at=date(2024, 1, 1), expires_at=date(2026, 6, 1)
        )
        self.assertTrue(cert.is_valid_on(date(2026, 6, 1)))
        self.assertFalse(cert.is_valid_on(date(2026, 6, 2)))


class ReportScopeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.item = TrackedItemFactory()
        cls.now = datetime(2026, 6, 1, tzinfo=TZ)
        for user in (cls.officer, cls.officer_b, cls.legal_officer):
            AssignmentFactory(
                user=user, item=cls.item, due_at=datetime(2026, 5, 1, tzinfo=TZ)
            )

    def test_unit_admin_cannot_open_another_branch(self):
        with self.assertRaises(PermissionDenied):
            selectors.report_unit_get(self.unit_admin_a, self.branch_b.pk)
        with self.assertRaises(PermissionDenied):
            selectors.report_unit_get(self.unit_admin_a, self.city.pk)
        with self.assertRaises(PermissionDenied):
            selectors.unit_report(
                self.unit_admin_a, self.branch_b, ReportFilter(year=2026)
            )

    def test_default_unit_is_the_admins_scope_root(self):
        self.assertEqual(
            selectors.report_unit_get(self.unit_admin_a, None), self.branch_a
        )
        with self.assertRaises(PermissionDenied):
            selectors.report_unit_get(self.officer, None)

    def test_report_counts_only_the_subtree(self):
        report = selectors.unit_report(
            self.unit_admin_a, self.branch_a, ReportFilter(year=2026), now=self.now
        )
        self.assertEqual(
            report.totals.total, 2
        )  # officer (station a1) and legal officer (branch a)
        self.assertEqual(report.totals.overdue, 2)
        labels = {r.label for r in report.children}
        self.assertNotIn(self.station_b1.name, labels)
        overdue = selectors.overdue_assignments(
            self.branch_a, ReportFilter(year=2026), now=self.now
        )
        self.assertEqual(
            {a.user_id for a in overdue}, {self.officer.pk, self.legal_officer.pk}
        )

    def test_role_and_item_filters(self):
        other = TrackedItemFactory(item_type="exam")
        AssignmentFactory(
            user=self.officer,
            item=other,
            status=AssignmentStatus.COMPLETED,
            passed=True,
            score=90,
            completed_at=datetime(2026, 3, 3, tzinfo=TZ),
        )
        flt = ReportFilter(year=2026, role=Role.LEGAL_OFFICER)
        self.assertEqual(
            selectors.unit_report(
                self.system_admin, self.city, flt, now=self.now
            ).totals.total,
            1,
        )
        exams = selectors.unit_report(
            self.system_admin,
            self.city,
            ReportFilter(year=2026, item_type="exam"),
            now=self.now,
        )
        self.assertEqual(
            (exams.totals.total, exams.totals.done, exams.totals.pass_rate), (1, 1, 100)
        )
        self.assertEqual(dict(exams.completions_by_month)[3], 1)

    def test_assignments_of_another_year_are_left_out(self):
        AssignmentFactory(user=self.officer, item=TrackedItemFactory(), period="2025")
        report = selectors.unit_report(
            self.system_admin, self.city, ReportFilter(year=2026), now=self.now
        )
        self.assertEqual(report.totals.total, 3)


class ReportQueryCountTests(BaseTestCase):
    """The report runs a constant number of queries whatever the number of people."""

    def _populate(self, people: int, items: int) -> None:
        tracked = [TrackedItemFactory() for _ in range(items)]
        for n in range(people):
            user = UserFactory(
                unit=[self.station_a1, self.station_a2, self.station_b1][n % 3],
                roles=[Role.OFFICER, Role.LEGAL_OFFICER][: 1 + n % 2],
            )
            for i, item in enumerate(tracked):
                AssignmentFactory(
                    user=user,
                    item=item,
                    due_at=datetime(2026, 3, 1, tzinfo=TZ),
                    status=AssignmentStatus.COMPLETED
                    if (n + i) % 3
                    else AssignmentStatus.ASSIGNED,
                    completed_at=datetime(2026, 2, 1, tzinfo=TZ)
                    if (n + i) % 3
                    else None,
                )
            credit_hours(
                user=user,
                hours=2,
                category="law",
                source_type="t",
                source_id=str(n),
                earned_at=datetime(2026, 2, 1, tzinfo=TZ),
            )
        RoleRequirement.objects.get_or_create(
            role=Role.OFFICER, year=None, defaults={"min_hours": 40}
        )

    def _count(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.system_admin)
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(
                "/records/reports/", {"unit": self.city.pk, "year": 2026}
            )
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    @time_machine.travel(datetime(2026, 6, 1, tzinfo=TZ), tick=False)
    def test_dashboard_query_count_does_not_grow_with_people(self):
        self._populate(3, 2)
        self._count()  # the first request also fills per-process caches (nav, content types)
        small = self._count()
        flt = ReportFilter(year=2026)
        selectors.unit_report(self.system_admin, self.city, flt)  # warm the role cache
        small_selector = self._selector_queries()
        self._populate(24, 5)
        large = self._count()
        self.assertEqual(small, large)
        # The selector alone: the query count measured on the small data holds on the large.
        with self.assertNumQueries(small_selector):
            report = selectors.unit_report(self.system_admin, self.city, flt)
        self.assertGreater(report.totals.total, 100)

    def _selector_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            selectors.unit_report(self.system_admin, self.city, ReportFilter(year=2026))
        return len(ctx.captured_queries)


class DueSoonTests(BaseTestCase):
    def test_due_soon_window(self):
        now = datetime(2026, 6, 1, tzinfo=TZ)
        item = TrackedItemFactory()
        AssignmentFactory(user=self.officer, item=item, due_at=now + timedelta(days=3))
        AssignmentFactory(
            user=self.officer_b, item=item, due_at=now + timedelta(days=40)
        )
        soon = selectors.due_soon_assignments(
            self.city, ReportFilter(year=2026), now=now, days=14
        )
        self.assertEqual([a.user_id for a in soon], [self.officer.pk])


class RequirementSyncTests(BaseTestCase):
    def test_required_items_are_assigned_to_role_holders_and_shown_missing(self):
        from records.services import assignment_complete, requirement_assignments_sync

        exam = TrackedItemFactory(
            item_type="exam_qualification", title="执法资格考试（基本级）"
        )
        req = RoleRequirement.objects.create(role=Role.LEGAL_OFFICER, min_hours=60)
        req.required_items.add(exam)
        result = requirement_assignments_sync(year=2026)
        self.assertEqual(result["added"], 1)
        self.assertEqual(requirement_assignments_sync(year=2026)["added"], 0)
        assignment = self.legal_officer.assignments.get(item=exam)
        self.assertEqual(
            (assignment.period, assignment.source), ("2026", "requirement")
        )
        with time_machine.travel(datetime(2026, 5, 1, tzinfo=TZ), tick=False):
            record = selectors.person_record_get(self.legal_officer, 2026)
            self.assertIn("执法资格考试（基本级）", record.missing_item_types)
            assignment_complete(
                user=self.legal_officer, item=exam, period="2026", passed=True, score=80
            )
            record = selectors.person_record_get(self.legal_officer, 2026)
            self.assertNotIn("执法资格考试（基本级）", record.missing_item_types)
