"""Spreadsheet import (dry run, every bad row reported, all or nothing), export round
trip, LawBench import (a few questions cut from the public set, tests/fixtures), and the
trainer's import page."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse

from openpyxl import Workbook

from exams import importing
from exams.models import Question, QuestionType
from tests.base import BaseTestCase
from tests.casebank.data import FIXTURE_LAWBENCH

LAWBENCH = FIXTURE_LAWBENCH

GOOD = [
    [
        "单选",
        "盗窃公私财物数额较大的，构成何罪？",
        "盗窃罪",
        "抢夺罪",
        "诈骗罪",
        "侵占罪",
        "",
        "",
        "A",
        "刑法第264条",
        "2",
        "基础；警种:治安",
        "刑法第二百六十四条",
        "刑法",
        "财产犯罪",
    ],
    [
        "多选",
        "下列属于行政拘留适用情形的有？",
        "殴打他人",
        "盗窃",
        "闯红灯",
        "",
        "",
        "",
        "AB",
        "",
        "3",
        "中级",
        "",
        "治安",
        "",
    ],
    [
        "判断",
        "传唤后询问查证的时间一般不超过八小时。",
        "",
        "",
        "",
        "",
        "",
        "",
        "对",
        "",
        "2",
        "",
        "",
        "治安",
        "传唤",
    ],
    [
        "填空",
        "拘留后应当在____小时以内通知家属。",
        "",
        "",
        "",
        "",
        "",
        "",
        "24|二十四",
        "",
        "1",
        "",
        "",
        "刑诉",
        "",
    ],
    [
        "案例分析",
        "张某深夜潜入邻居家中窃取现金三千元。",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "4",
        "高级",
        "刑法第264条",
        "刑法",
        "案例",
    ],
    [
        "案例单选",
        "张某的行为构成？",
        "盗窃罪",
        "抢劫罪",
        "",
        "",
        "",
        "",
        "A",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "案例主观",
        "请说明理由。",
        "",
        "",
        "",
        "",
        "",
        "",
        "非法占有目的（2分）；秘密窃取（2分）",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]
BAD = [
    [
        "单选",
        "缺答案的题",
        "甲",
        "乙",
        "",
        "",
        "",
        "",
        "",
        "",
        "3",
        "",
        "",
        "刑法",
        "",
    ],  # row 9
    [
        "选择",
        "未知题型",
        "甲",
        "乙",
        "",
        "",
        "",
        "",
        "A",
        "",
        "3",
        "",
        "",
        "刑法",
        "",
    ],  # row 10
    [
        "判断",
        "答案不对",
        "",
        "",
        "",
        "",
        "",
        "",
        "也许",
        "",
        "9",
        "",
        "",
        "刑法",
        "",
    ],  # row 11
    [
        "案例主观",
        "无主的小题",
        "",
        "",
        "",
        "",
        "",
        "",
        "要点（2分）",
        "",
        "",
        "",
        "",
        "",
        "",
    ],  # row 12
]


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(importing.HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class XlsxImportTests(BaseTestCase):
    def test_dry_run_reports_every_bad_row_and_imports_nothing(self):
        report = importing.import_xlsx(workbook(GOOD + BAD), dry_run=False)
        self.assertFalse(report.committed)
        self.assertEqual(Question.objects.count(), 0)
        rows = sorted({p.row for p in report.problems})
        self.assertEqual(rows, [9, 10, 11, 12])
        messages = " ".join(p.message for p in report.problems)
        self.assertIn("无法识别的题型“选择”", messages)
        self.assertIn("缺少答案", messages)
        self.assertIn("难度必须是 1 到 5 的整数", messages)
        self.assertIn("案例小题必须紧跟在“案例分析”行之后", messages)

    def test_good_file_imports_all_types_and_round_trips(self):
        report = importing.import_xlsx(workbook(GOOD), dry_run=False)
        self.assertTrue(report.committed, report.problems)
        self.assertEqual(report.created, 5)
        case = Question.objects.get(qtype=QuestionType.CASE)
        parts = case.current_version.parts
        self.assertEqual([p["kind"] for p in parts], ["single", "essay"])
        self.assertEqual(parts[1]["weight"], 4)
        single = Question.objects.get(qtype=QuestionType.SINGLE)
        self.assertEqual(
            (single.police_type, single.level, single.category.name),
            ("治安", "basic", "财产犯罪"),
        )
        fill = Question.objects.get(qtype=QuestionType.FILL_IN)
        self.assertEqual(fill.current_version.answer, [["24", "二十四"]])
        exported = importing.export_xlsx(Question.objects.order_by("pk"))
        again = importing.import_xlsx(exported, dry_run=False)
        self.assertTrue(again.committed, again.problems)
        self.assertEqual((again.created, again.duplicates), (0, 5))

    def test_garbage_file_is_a_clear_problem(self):
        report = importing.import_xlsx(b"not a workbook", dry_run=True)
        self.assertEqual(report.problems[0].row, 0)
        self.assertIn(".xlsx", report.problems[0].message)

    def test_trainer_page_checks_then_imports(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(self.trainer)
        upload = SimpleUploadedFile("q.xlsx", workbook(GOOD + BAD))
        response = self.client.post(
            reverse("exams:question_import"), {"file": upload, "action": "check"}
        )
        self.assertContains(response, "未导入任何试题")
        self.assertContains(response, "<td>10</td>", html=False)
        upload = SimpleUploadedFile("q.xlsx", workbook(GOOD))
        response = self.client.post(
            reverse("exams:question_import"), {"file": upload, "action": "check"}
        )
        token = response.context["token"]
        self.assertEqual(Question.objects.count(), 0)
        response = self.client.post(
            reverse("exams:question_import"), {"token": token, "action": "import"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Question.objects.count(), 5)
        export = self.client.get(reverse("exams:question_export"))
        self.assertEqual(export.status_code, 200)

    def test_officer_cannot_reach_trainer_pages(self):
        self.login(self.officer)
        for name in (
            "exams:manage",
            "exams:question_list",
            "exams:question_import",
            "exams:session_new",
        ):
            self.assertNotEqual(self.client.get(reverse(name)).status_code, 200)


class LawBenchImportTests(BaseTestCase):
    def test_imports_lawbench_items(self):
        call_command(
            "import_questions",
            str(LAWBENCH),
            limit=10,
            verbosity=0,
            stdout=io.StringIO(),
        )
        self.assertEqual(Question.objects.filter(source="lawbench").count(), 10)
        q = Question.objects.filter(source="lawbench").first()
        self.assertEqual(len(q.current_version.options), 4)
        self.assertEqual(len(q.current_version.answer), 1)
        self.assertNotIn("A:", q.current_version.stem)
        call_command(
            "import_questions",
            str(LAWBENCH),
            limit=10,
            verbosity=0,
            stdout=io.StringIO(),
        )
        self.assertEqual(Question.objects.filter(source="lawbench").count(), 10)
