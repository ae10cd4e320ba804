"""执法考评 pages, export and API: scope (404 across branches), audited reads, the
documented export columns."""

from __future__ import annotations

import io

from django.urls import reverse

import openpyxl

from audit.models import AuditEntry
from courses.evaluation_views import EXPORT_COLUMNS
from courses.models import IndicatorCode
from tests.base import BaseTestCase
from tests.casebank.test_problems import record


class EvaluationPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.problem = record(cls.legal_officer, cls.station_a1, person=cls.officer)

    def test_leader_sees_their_branch_with_children_rank_and_chart(self):
        self.login(self.leader)
        response = self.client.get(reverse("courses:evaluation"), {"year": 2026})
        self.assertEqual(response.status_code, 200)
        page = response.context["page"]
        self.assertEqual(page.unit, self.branch_a)
        self.assertEqual(
            {c.key for c in page.children}, {self.station_a1.pk, self.station_a2.pk}
        )
        self.assertEqual(page.evaluation.peers, 2)  # branch A and branch B
        self.assertContains(response, 'id="evaluation-trend"')
        self.assertEqual(page.evaluation.facts.problems, 1)

    def test_unit_admin_of_branch_a_gets_404_for_branch_b_and_it_is_audited(self):
        self.login(self.unit_admin_a)
        url = reverse("courses:evaluation")
        self.assertEqual(
            self.client.get(url, {"unit": self.branch_b.pk}).status_code, 404
        )
        self.assertEqual(
            self.client.get(url, {"unit": self.station_b1.pk}).status_code, 404
        )
        denied = AuditEntry.objects.filter(
            action="courses.evaluation.view", result="denied"
        )
        self.assertEqual(denied.count(), 2)
        api = reverse("courses-api-evaluation-unit", args=[self.branch_b.pk])
        self.assertEqual(self.client.get(api).status_code, 404)
        person = reverse("courses:evaluation_person", args=[self.officer_b.pk])
        self.assertEqual(self.client.get(person).status_code, 404)

    def test_a_leader_looking_is_audited_for_the_audit_admin(self):
        self.login(self.leader)
        self.client.get(reverse("courses:evaluation"), {"unit": self.station_a1.pk})
        self.client.get(reverse("courses:evaluation_person", args=[self.officer.pk]))
        seen = AuditEntry.objects.filter(
            action="courses.evaluation.view", result="success"
        )
        self.assertEqual(
            {(e.actor_id, e.target_type, e.target_id) for e in seen},
            {
                (self.leader.pk, "accounts.unit", str(self.station_a1.pk)),
                (self.leader.pk, "accounts.user", str(self.officer.pk)),
            },
        )
        from tests.accounts.helpers import login_verified

        login_verified(self.client, self.audit_admin)
        log = self.client.get(
            reverse("audit:log"), {"action": "courses.evaluation.view"}
        )
        self.assertEqual(log.status_code, 200)
        self.assertContains(log, "leader_a")

    def test_an_officer_sees_only_their_own(self):
        self.login(self.officer)
        own = self.client.get(reverse("courses:my_evaluation"), {"year": 2026})
        self.assertEqual(own.status_code, 200)
        self.assertEqual(own.context["evaluation"].facts.problems, 1)
        self.assertEqual(
            self.client.get(reverse("courses:evaluation")).status_code, 403
        )
        other = reverse("courses:evaluation_person", args=[self.legal_officer.pk])
        self.assertEqual(self.client.get(other).status_code, 404)
        api = self.client.get(reverse("courses-api-my-evaluation"), {"year": 2026})
        self.assertEqual(api.json()["kind"], "person")

    def test_a_leaf_unit_lists_its_people(self):
        self.login(self.leader)
        response = self.client.get(
            reverse("courses:evaluation"), {"unit": self.station_a1.pk, "year": 2026}
        )
        self.assertEqual([p.key for p in response.context["people"]], [self.officer.pk])

    def test_export_has_the_documented_columns(self):
        self.login(self.leader)
        response = self.client.get(reverse("courses:evaluation_export"), {"year": 2026})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            list(rows[0]),
            EXPORT_COLUMNS
            + [str(IndicatorCode(c).label) for c in IndicatorCode.values],
        )
        self.assertEqual(rows[1][:2], ("东城分局", "单位"))
        kinds = [r[1] for r in rows[1:]]
        self.assertEqual(kinds.count("下级单位"), 2)
        self.assertIn("人员", kinds)

    def test_api_unit_payload(self):
        self.login(self.leader)
        data = self.client.get(
            reverse("courses-api-evaluation-unit", args=[self.branch_a.pk]),
            {"year": 2026, "people": 1},
        ).json()
        self.assertEqual(data["unit"]["id"], self.branch_a.pk)
        self.assertEqual(data["unit"]["facts"]["problems"], 1)
        self.assertEqual(len(data["children"]), 2)
        self.assertEqual(
            {i["code"] for i in data["unit"]["indicators"]}, set(IndicatorCode.values)
        )
        self.assertTrue(data["people"])


class SchemePageTests(BaseTestCase):
    def test_system_admin_saves_a_version_and_cannot_approve_it_alone(self):
        from tests.accounts.helpers import login_verified

        login_verified(self.client, self.system_admin)
        url = reverse("courses:evaluation_schemes")
        response = self.client.post(
            f"{url}?year=2026",
            {"weight_hours": "60", "weight_offline": "40", "target_offline": "2"},
        )
        self.assertEqual(response.status_code, 302)
        from courses.models import EvaluationScheme

        scheme = EvaluationScheme.objects.get()
        self.client.post(reverse("courses:evaluation_scheme_approve", args=[scheme.pk]))
        scheme.refresh_from_db()
        self.assertEqual(scheme.status, "draft")
        bad = self.client.post(f"{url}?year=2026", {"weight_hours": "abc"})
        self.assertEqual(bad.status_code, 200)
        self.assertTrue(bad.context["error"])

    def test_others_are_refused(self):
        self.login(self.leader)
        self.assertEqual(
            self.client.get(reverse("courses:evaluation_schemes")).status_code, 403
        )


class RecommendedStudyTests(BaseTestCase):
    def test_the_person_page_shows_the_guidelines_and_tags_of_their_problems(self):
        from courses.remediation import problem_training_rule_save

        problem_training_rule_save(
            editor=self.trainer, category="evidence", question_tags="证据, 取证"
        )
        record(self.legal_officer, self.station_a1, person=self.officer)
        self.login(self.officer)
        response = self.client.get(reverse("courses:my_evaluation"))
        self.assertContains(response, 'id="recommended-study"')
        self.assertContains(response, "证据、取证")


class BadInputTests(BaseTestCase):
    def test_out_of_range_and_malformed_ids_are_404_not_500(self):
        self.login(self.leader)
        url = reverse("courses:evaluation")
        for value in ("99999999999999999999999", "abc", "-1"):
            self.assertEqual(self.client.get(url, {"unit": value}).status_code, 404)
        person = reverse("courses:evaluation_person", args=[10**20])
        self.assertEqual(self.client.get(person).status_code, 404)
        self.assertEqual(self.client.get(url, {"year": "20x6"}).status_code, 200)
