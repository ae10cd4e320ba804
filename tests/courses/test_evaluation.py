"""执法考评: each indicator's formula, the facts read from the records, and a
reconciliation of the evaluation with the training record and the problem register on
generated data."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils import timezone

from accounts.models import Role
from casebank.selectors import problem_list
from courses import services
from courses.evaluation import (
    DEFAULT_INDICATORS,
    Evaluation,
    Facts,
    evaluate,
    evaluate_person,
    indicator_result,
    rank,
    scheme_in_force,
    total_score,
)
from courses.models import (
    AttendanceStatus,
    IndicatorCode,
    PreMeetingAttendance,
    PreMeetingStudySession,
)
from courses.remediation import problem_training_rule_save
from exams.models import ExamGrade, QuestionType
from records.models import CreditEntry, OfflineActivity, RoleRequirement
from records.selectors import person_record_get
from records.services import credit_hours
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase
from tests.casebank.test_problems import record
from tests.exams.factories import make_blueprint, make_session, standard_bank
from tests.records.factories import CertificationFactory

from . import factories

YEAR = 2026
D = Decimal


def result(code, unit=True, target=None, **facts):
    return indicator_result(code, Facts(**facts), D(10), target, unit=unit)


class FormulaTests(SimpleTestCase):
    """One test per indicator (docs/evaluation.md gives the same formulas)."""

    def test_hours_is_capped_hours_over_target(self):
        r = result("hours", hours_capped=D(30), hours_target=D(40))
        self.assertEqual((r.value, r.score), (D("0.75"), D("75.00")))
        self.assertIsNone(result("hours").score)

    def test_exam_pass_rate_and_average(self):
        r = result("exam_pass", exams_passed=3, exams_graded=4)
        self.assertEqual(r.score, D("75.00"))
        r = result("exam_average", exam_percent_sum=D("250.5"), exams_graded=3)
        self.assertEqual(r.score, D("83.50"))

    def test_pre_meeting_attendance_counts_only_people_with_a_requirement(self):
        r = result("pre_meeting", pre_meeting_capped=5, pre_meeting_required=8)
        self.assertEqual(r.score, D("62.50"))
        self.assertIsNone(result("pre_meeting", pre_meeting_attended=3).score)

    def test_legal_officers_qualified(self):
        r = result("legal_officer", legal_qualified=1, legal_officers=3)
        self.assertEqual(r.score, D("33.33"))

    def test_problems_per_100_cases_falls_linearly_to_zero_at_target(self):
        r = result(
            "problems_per_100_cases",
            target=D(10),
            problems_weighted=6,
            cases_handled=200,
        )
        self.assertEqual((r.value, r.score), (D("3.00"), D("70.00")))
        r = result(
            "problems_per_100_cases",
            target=D(10),
            problems_weighted=50,
            cases_handled=100,
        )
        self.assertEqual(r.score, D("0.00"))
        self.assertIsNone(
            result("problems_per_100_cases", problems_weighted=3, target=D(10)).score
        )

    def test_problems_per_officer_for_a_unit_and_a_person(self):
        r = result("problems_per_officer", target=D(3), problems_weighted=3, people=4)
        self.assertEqual((r.value, r.score), (D("0.75"), D("75.00")))
        r = result(
            "problems_per_officer",
            unit=False,
            target=D(3),
            problems_weighted=2,
            people=1,
        )
        self.assertEqual(r.score, D("33.33"))

    def test_problems_closed_on_time(self):
        r = result("problems_closed", closed_on_time=2, remediated=3)
        self.assertEqual(r.score, D("66.67"))
        self.assertIsNone(result("problems_closed").score)

    def test_offline_activities_capped_at_target(self):
        r = result("offline", offline_capped=3, offline_target=4)
        self.assertEqual(r.score, D("75.00"))

    def test_total_is_the_weighted_mean_of_the_indicators_that_apply(self):
        results = [
            indicator_result(
                "hours",
                Facts(hours_capped=D(1), hours_target=D(2)),
                D(30),
                None,
                unit=True,
            ),
            indicator_result(
                "exam_pass",
                Facts(exams_passed=1, exams_graded=1),
                D(10),
                None,
                unit=True,
            ),
            indicator_result("pre_meeting", Facts(), D(60), None, unit=True),
        ]
        # (30 × 50 + 10 × 100) / 40; pre-meeting does not apply.
        self.assertEqual(total_score(results), D("62.50"))

    def test_rank_shares_places_on_equal_scores(self):
        evs = [
            Evaluation(kind="unit", key=i, label=str(i), facts=Facts(), score=s)
            for i, s in enumerate([D(80), D(90), D(80), None, D(70)])
        ]
        rank(evs)
        self.assertEqual([e.rank for e in evs], [2, 1, 2, None, 4])
        self.assertEqual(evs[0].peers, 4)


class GatherTests(BaseTestCase):
    """The facts are read from the records as documented."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        RoleRequirement.objects.create(role=Role.OFFICER, min_hours=D(40))
        RoleRequirement.objects.create(role=Role.LEADER, pre_meeting_study_min=4)
        when = timezone.make_aware(dt.datetime(YEAR, 3, 1, 10))
        credit_hours(
            user=cls.officer,
            hours="30",
            category="law",
            source_type="t",
            source_id=1,
            earned_at=when,
        )
        credit_hours(
            user=cls.officer,
            hours="20",
            category="law",
            source_type="t",
            source_id=2,
            earned_at=when,
        )
        credit_hours(
            user=cls.legal_officer,
            hours="10",
            category="law",
            source_type="t",
            source_id=3,
            earned_at=when,
        )
        # Last year's hours do not count.
        credit_hours(
            user=cls.legal_officer,
            hours="99",
            category="law",
            source_type="t",
            source_id=4,
            earned_at=when.replace(year=YEAR - 1),
        )
        blueprint = make_blueprint(
            rows=[(standard_bank(n_each=1), QuestionType.SINGLE, 1, "10")]
        )
        session = make_session(
            blueprint=blueprint, opens_at=when, closes_at=when + dt.timedelta(hours=2)
        )
        ExamGrade.objects.create(
            session=session, user=cls.officer, percent=D(90), passed=True
        )
        ExamGrade.objects.create(
            session=session, user=cls.legal_officer, percent=D(50), passed=False
        )
        meeting = PreMeetingStudySession.objects.create(
            unit=cls.branch_a,
            meeting="党委会",
            held_on=dt.date(YEAR, 2, 1),
            topic="学法",
        )
        PreMeetingAttendance.objects.create(
            session=meeting, user=cls.leader, status=AttendanceStatus.ATTENDED
        )
        CertificationFactory(
            user=cls.legal_officer,
            kind="legal_officer",
            issued_at=dt.date(YEAR - 1, 1, 1),
            expires_at=None,
        )
        for kind in ("court_hearing", "judge_lecture", "field_exercise"):
            OfflineActivity.objects.create(
                user=cls.officer,
                kind=kind,
                title=kind,
                occurred_on=dt.date(YEAR, 4, 1),
                hours=D(2),
                status="approved",
            )
        cls.p1 = record(
            cls.legal_officer, cls.station_a1, person=cls.officer, severity="grave"
        )
        cls.p2 = record(cls.legal_officer, cls.station_a2, severity="minor")
        record(cls.system_admin, cls.station_b1, person=cls.officer_b)

    def test_unit_facts(self):
        ev = evaluate(
            root=self.branch_a, year=YEAR, buckets=[self.station_a1, self.station_a2]
        )
        f = ev.root.facts
        # officer, legal officer, leader, unit admin of branch A
        self.assertEqual(f.people, 4)
        self.assertEqual(f.hours, D(60))
        # officer: min(50, 40); legal officer (an officer too): min(10, 40)
        self.assertEqual((f.hours_capped, f.hours_target), (D(50), D(80)))
        self.assertEqual(
            (f.exams_graded, f.exams_passed, f.exam_percent_sum), (2, 1, D(140))
        )
        self.assertEqual((f.pre_meeting_capped, f.pre_meeting_required), (1, 4))
        self.assertEqual((f.legal_qualified, f.legal_officers), (1, 1))
        self.assertEqual((f.offline, f.offline_capped, f.offline_target), (2, 2, 8))
        self.assertEqual((f.problems, f.problems_weighted), (2, 4))
        station = ev.buckets[self.station_a2.pk].facts
        self.assertEqual(
            (station.people, station.problems, station.problems_weighted), (0, 1, 1)
        )

    def test_person_facts_are_their_own(self):
        ev = evaluate_person(person=self.officer, year=YEAR)
        f = ev.facts
        self.assertEqual(
            (f.hours, f.problems, f.problems_grave, f.problems_weighted),
            (D(50), 1, 1, 3),
        )
        self.assertNotIn(
            IndicatorCode.PROBLEMS_PER_100_CASES, [r.code for r in ev.results]
        )
        self.assertEqual(ev.result("problems_per_officer").score, D("0.00"))

    def test_as_of_leaves_out_what_came_later(self):
        ev = evaluate(root=self.branch_a, year=YEAR, as_of=dt.date(YEAR, 2, 28))
        self.assertEqual(ev.root.facts.hours, D(0))
        self.assertEqual(ev.root.facts.pre_meeting_capped, 1)

    def test_default_scheme_when_none_is_approved(self):
        scheme = scheme_in_force(YEAR)
        self.assertFalse(scheme.approved)
        self.assertEqual(scheme.indicators, DEFAULT_INDICATORS)
        self.assertEqual(sum(w for w, _t in scheme.indicators.values()), D(100))


class ReconciliationTests(BaseTestCase):
    """Generated data: every number of the evaluation equals the one the training record
    and the problem register show for the same people, units and year."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        rng = random.Random(19)
        RoleRequirement.objects.create(role=Role.OFFICER, min_hours=D(20))
        index = factories.course_index()
        course = factories.course(index, title="证据规范", required=False)
        problem_training_rule_save(
            editor=cls.trainer, category="evidence", courses=[course]
        )
        units = [cls.station_a1, cls.station_a2, cls.station_b1, cls.branch_a]
        cls.people = [cls.officer, cls.officer_b, cls.legal_officer] + [
            UserFactory(unit=rng.choice(units), roles=[Role.OFFICER]) for _ in range(12)
        ]
        for n in range(60):
            person = rng.choice(cls.people)
            credit_hours(
                user=person,
                hours=D(rng.randint(1, 12)) / 2,
                category=rng.choice(["law", "case_study"]),
                source_type="gen",
                source_id=n,
                earned_at=timezone.make_aware(
                    dt.datetime(
                        rng.choice([YEAR - 1, YEAR]),
                        rng.randint(1, 11),
                        rng.randint(1, 28),
                    )
                ),
            )
        for _n in range(25):
            person = rng.choice(cls.people)
            problem = record(
                cls.system_admin,
                person.unit,
                person=person if rng.random() < 0.7 else None,
                category=rng.choice(["evidence", "acceptance", "procedure"]),
                severity=rng.choice(["minor", "serious", "grave"]),
                found_on=dt.date(
                    rng.choice([YEAR - 1, YEAR]), rng.randint(1, 11), rng.randint(1, 28)
                ),
            )
            if problem.person and rng.random() < 0.5:
                services.course_complete(user=problem.person, course=course)

    def test_every_person_matches_their_training_record_and_the_register(self):
        ev = evaluate(root=self.city, year=YEAR)
        register = problem_list(user=self.system_admin, params={"year": YEAR})
        for person in self.people:
            facts = ev.people[person.pk].facts
            record_page = person_record_get(person, YEAR)
            self.assertEqual(
                facts.hours,
                record_page.current.total if record_page.current else 0,
                person,
            )
            self.assertEqual(
                facts.problems, register.filter(person=person).count(), person
            )

    def test_units_match_the_register_and_the_ledger(self):
        children = list(self.city.get_children())
        ev = evaluate(root=self.city, year=YEAR, buckets=children)
        for unit in [self.city, *children]:
            group = ev.root if unit == self.city else ev.buckets[unit.pk]
            problems = problem_list(
                user=self.system_admin, params={"year": YEAR, "unit": unit.pk}
            )
            self.assertEqual(group.facts.problems, problems.count(), unit)
            weighted = sum(p.severity_weight for p in problems)
            self.assertEqual(group.facts.problems_weighted, weighted, unit)
            hours = sum(
                (
                    e.hours
                    for e in CreditEntry.objects.filter(
                        year=YEAR,
                        user__is_active=True,
                        user__unit__path__startswith=unit.path,
                    )
                ),
                D(0),
            )
            self.assertEqual(group.facts.hours, hours, unit)
        # The city's total is the sum of its people's.
        self.assertEqual(
            ev.root.facts.hours, sum((p.facts.hours for p in ev.people.values()), D(0))
        )
        remediated = [
            p
            for p in problem_list(user=self.system_admin, params={"year": YEAR})
            if p.remediations.exists()
        ]
        self.assertEqual(ev.root.facts.remediated, len(remediated))
        self.assertGreater(len(remediated), 0)

    def test_unit_totals_are_the_same_with_and_without_people(self):
        children = list(self.city.get_children())
        full = evaluate(root=self.city, year=YEAR, buckets=children)
        fast = evaluate(root=self.city, year=YEAR, buckets=children, with_people=False)
        self.assertEqual(fast.people, {})
        self.assertEqual(full.root.facts, fast.root.facts)
        for unit in children:
            self.assertEqual(full.buckets[unit.pk].facts, fast.buckets[unit.pk].facts)
            self.assertEqual(full.buckets[unit.pk].score, fast.buckets[unit.pk].score)
