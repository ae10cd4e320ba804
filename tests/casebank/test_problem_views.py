"""Pages of the enforcement problem register: scope (404 across branches), recording
through the form, importing a campaign sheet with line-numbered Chinese errors."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import translation

import openpyxl

from casebank.models import EnforcementProblem, ProblemSource
from casebank.problem_imports import TEMPLATE_HEADERS
from tests.base import BaseTestCase

from .test_problems import record


def sheet(rows, name="campaign.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(TEMPLATE_HEADERS)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


class ProblemScopeViewTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer.police_number = "A10001"
        cls.officer.save()
        cls.in_a = record(cls.legal_officer, cls.station_a1, person=cls.officer)
        cls.in_b = record(cls.system_admin, cls.station_b1)

    def test_unit_admin_of_branch_a_gets_404_for_a_problem_of_branch_b(self):
        self.login(self.unit_admin_a)
        url = reverse("casebank:problem_detail", args=[self.in_b.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        ok = self.client.get(reverse("casebank:problem_detail", args=[self.in_a.pk]))
        self.assertEqual(ok.status_code, 200)

    def test_list_shows_only_the_scope(self):
        self.login(self.unit_admin_b)
        response = self.client.get(reverse("casebank:problem_list"))
        self.assertEqual(list(response.context["page_obj"]), [self.in_b])

    def test_list_filter_by_a_unit_outside_scope_shows_nothing(self):
        self.login(self.unit_admin_a)
        response = self.client.get(
            reverse("casebank:problem_list"), {"unit": self.branch_b.pk}
        )
        self.assertEqual(list(response.context["page_obj"]), [])

    def test_officer_sees_their_own_problem_and_not_the_form(self):
        self.login(self.officer)
        url = reverse("casebank:problem_detail", args=[self.in_a.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("casebank:problem_add")).status_code, 403
        )

    def test_legal_officer_records_through_the_form(self):
        self.login(self.legal_officer)
        response = self.client.post(
            reverse("casebank:problem_add"),
            {
                "unit": self.station_a1.pk,
                "person": "A10001",
                "category": "acceptance",
                "severity": "minor",
                "found_on": "2026-02-01",
                "description": "接报后未及时受案",
                "source": "review",
            },
        )
        problem = EnforcementProblem.objects.latest("id")
        self.assertRedirects(response, problem.get_absolute_url())
        self.assertEqual(problem.person, self.officer)

    def test_form_refuses_a_unit_outside_scope_without_500(self):
        self.login(self.legal_officer)
        response = self.client.post(
            reverse("casebank:problem_add"),
            {
                "unit": self.station_b1.pk,
                "category": "acceptance",
                "severity": "minor",
                "found_on": "2026-02-01",
                "description": "x",
                "source": "review",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("unit", response.context["form"].errors)


class ProblemImportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer.police_number = "A10001"
        cls.officer.save()

    def post(self, upload, **extra):
        self.login(self.legal_officer)
        with translation.override("zh-hans"):
            return self.client.post(
                reverse("casebank:problem_import"),
                {"file": upload, "campaign": "2026年执法质量检查", **extra},
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            )

    def test_imports_every_row_of_a_good_sheet(self):
        response = self.post(
            sheet(
                [
                    [
                        "C-A-1",
                        "A10001",
                        "证据收集",
                        "较重",
                        "2026-03-01",
                        "未随案移送物证",
                        "",
                        "A2026-1",
                    ],
                    ["C-A-2", "", "受案立案", "", "2026-03-02", "有案不立", "", ""],
                ]
            )
        )
        self.assertRedirects(response, reverse("casebank:problem_list"))
        problems = EnforcementProblem.objects.order_by("id")
        self.assertEqual(problems.count(), 2)
        self.assertEqual(problems[0].person, self.officer)
        self.assertEqual(problems[0].source, ProblemSource.INSPECTION)
        self.assertEqual(problems[1].campaign, "2026年执法质量检查")

    def test_a_bad_sheet_imports_nothing_and_names_each_line_in_chinese(self):
        response = self.post(
            sheet(
                [
                    ["C-A-1", "A10001", "证据收集", "较重", "2026-03-01", "ok", "", ""],
                    ["C-B-1", "", "受案立案", "", "2026-03-02", "外单位", "", ""],
                    ["C-A-1", "NOBODY", "乱写", "很重", "昨天", "", "", ""],
                ]
            )
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(EnforcementProblem.objects.exists())
        errors = response.context["report"].errors
        text = "\n".join(str(e) for e in errors)
        self.assertIn("第3行", text)
        self.assertIn("第4行", text)
        self.assertNotIn("第2行", text)
        self.assertIn("乱写", text)
        self.assertIn("问题描述", text)

    def test_a_file_that_is_not_a_sheet_is_a_clear_error(self):
        upload = io.BytesIO(b"not a zip")
        upload.name = "x.xlsx"
        response = self.post(upload)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["file_error"])
        upload = io.BytesIO(b"a,b")
        upload.name = "x.txt"
        response = self.post(upload)
        self.assertTrue(response.context["file_error"])


class CaseVolumeTests(BaseTestCase):
    def test_legal_officer_enters_cases_of_a_unit_in_scope_only(self):
        from casebank.models import CaseVolume

        self.login(self.legal_officer)
        url = reverse("casebank:case_volumes")
        ok = self.client.post(
            url, {"unit": self.station_a1.pk, "year": 2026, "cases_handled": 240}
        )
        self.assertRedirects(ok, url)
        self.assertEqual(CaseVolume.objects.get().cases_handled, 240)
        outside = self.client.post(
            url, {"unit": self.station_b1.pk, "year": 2026, "cases_handled": 1}
        )
        self.assertEqual(outside.status_code, 200)
        self.assertIn("unit", outside.context["form"].errors)
        self.assertEqual(CaseVolume.objects.count(), 1)

    def test_officer_is_refused(self):
        self.login(self.officer)
        self.assertEqual(
            self.client.get(reverse("casebank:case_volumes")).status_code, 403
        )
