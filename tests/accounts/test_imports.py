"""People import: dry run first, every bad row reported in Chinese with its row number,
nothing half-applied, unit admins confined to their units, audited."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

import openpyxl

from accounts.imports import ImportFileError, people_import, read_sheet
from accounts.models import Unit, User
from audit.models import AuditEntry
from tests.base import BaseTestCase

HEADER = [
    "单位编码",
    "单位名称",
    "上级单位编码",
    "警号",
    "姓名",
    "职务",
    "警种",
    "角色",
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    data = io.BytesIO(text.getvalue().encode(encoding))
    data.name = "people.csv"
    return data


def xlsx_bytes(rows: list[list[object]]) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = "people.xlsx"
    return data


GOOD = [
    ["C-A-3", "东城三所", "C-A", "", "", "", "", ""],
    ["C-A-3", "", "", "300001", "钱一", "社区民警", "治安", "民警"],
    ["C-A-3", "", "", "300002", "钱二", "所长", "治安", "民警"],
    ["C-A-1", "", "", "300003", "钱三", "案件办理民警", "刑侦", ""],
]


class ReadSheetTests(BaseTestCase):
    def test_reads_csv_with_spreadsheet_row_numbers(self):
        rows = read_sheet(csv_bytes(GOOD))
        self.assertEqual([n for n, _ in rows], [2, 3, 4, 5])
        self.assertEqual(rows[1][1]["full_name"], "钱一")

    def test_reads_gbk_csv_as_excel_on_windows_saves_it(self):
        rows = read_sheet(csv_bytes(GOOD, encoding="gb18030"))
        self.assertEqual(rows[2][1]["full_name"], "钱二")

    def test_reads_xlsx_with_numeric_police_numbers(self):
        rows = read_sheet(
            xlsx_bytes([["C-A-1", None, None, 300009, "孙九", "民警", "治安", "民警"]])
        )
        self.assertEqual(rows[0][1]["police_number"], "300009")

    def test_missing_column_is_reported_in_chinese(self):
        data = io.BytesIO("姓名,职务\n张三,民警\n".encode())
        with self.assertRaisesMessage(ImportFileError, "缺少列：单位编码、警号"):
            read_sheet(data, "x.csv")

    def test_other_file_types_are_refused(self):
        with self.assertRaises(ImportFileError):
            read_sheet(io.BytesIO(b"%PDF"), "people.pdf")

    def test_corrupt_xlsx_is_refused_cleanly(self):
        with self.assertRaises(ImportFileError):
            read_sheet(io.BytesIO(b"not a zip"), "people.xlsx")


class PeopleImportTests(BaseTestCase):
    def run_import(self, rows, actor=None, apply=False, fmt=csv_bytes):
        return people_import(
            actor=actor or self.system_admin,
            rows=read_sheet(fmt(rows)),
            apply=apply,
            source_name="people.csv",
        )

    def test_dry_run_writes_nothing(self):
        before = (User.objects.count(), Unit.objects.count())
        report = self.run_import(GOOD)
        self.assertTrue(report.ok)
        self.assertFalse(report.applied)
        self.assertEqual(report.people_created, ["300001", "300002", "300003"])
        self.assertEqual((User.objects.count(), Unit.objects.count()), before)
        self.assertTrue(
            AuditEntry.objects.filter(action="accounts.import_check").exists()
        )

    def test_apply_creates_units_people_and_roles(self):
        report = self.run_import(GOOD, apply=True, fmt=xlsx_bytes)
        self.assertTrue(report.applied, report.errors)
        self.assertEqual(report.units_created, ["C-A-3"])
        station = Unit.objects.get(code="C-A-3")
        self.assertTrue(station.is_within(self.branch_a))
        self.assertEqual(station.kind, "other")
        boss = User.objects.get(police_number="300002")
        self.assertEqual(
            (boss.username, boss.full_name, boss.unit, boss.position),
            ("300002", "钱二", station, "所长"),
        )
        # 三员分立: an import gives the officer role only; the rest is the security admin's.
        self.assertEqual(boss.get_role_codes(), {"officer"})
        self.assertEqual(
            User.objects.get(police_number="300003").get_role_codes(), {"officer"}
        )
        # A one-time temporary password each, handed back in the report, to be changed.
        self.assertTrue(boss.has_usable_password())
        self.assertTrue(boss.must_change_password)
        credential = next(c for c in report.credentials if c.police_number == "300002")
        self.assertTrue(boss.check_password(credential.password))
        self.assertEqual(len({c.password for c in report.credentials}), 3)
        entry = AuditEntry.objects.get(action="accounts.import")
        self.assertEqual(entry.details["people_created"], 3)
        self.assertEqual(entry.details["passwords_issued"], 3)
        self.assertNotIn(credential.password, str(entry.details))
        self.assertEqual(entry.actor_id, self.system_admin.pk)

    def test_second_apply_updates_instead_of_duplicating(self):
        self.run_import(GOOD, apply=True)
        changed = [row[:] for row in GOOD]
        changed[1][5] = "副所长"
        report = self.run_import(changed, apply=True)
        self.assertEqual(report.people_created, [])
        self.assertEqual(len(report.people_updated), 3)
        self.assertEqual(User.objects.get(police_number="300001").position, "副所长")
        self.assertEqual(
            User.objects.filter(police_number__startswith="3000").count(), 3
        )

    def test_every_bad_row_is_reported_and_nothing_is_applied(self):
        rows = [
            *GOOD,
            [
                "C-A-1",
                "",
                "",
                "300001",
                "重复人",
                "民警",
                "治安",
                "民警",
            ],  # row 6: duplicate 警号
            [
                "C-X-9",
                "",
                "",
                "300007",
                "赵七",
                "民警",
                "治安",
                "民警",
            ],  # row 7: unknown unit
            ["C-A-1", "", "", "300008", "", "民警", "治安", "民警"],  # row 8: no name
            [
                "C-A-1",
                "",
                "",
                "300010",
                "周十",
                "民警",
                "治安",
                "系统管理员",
            ],  # row 9: system role
            [
                "C-A-1",
                "",
                "",
                "30-11",
                "吴十一",
                "民警",
                "治安",
                "民警",
            ],  # row 10: bad 警号
            [
                "C-A-1",
                "",
                "",
                "300012",
                "郑十二",
                "民警",
                "治安",
                "队长",
            ],  # row 11: unknown role
        ]
        before = (
            User.objects.count(),
            Unit.objects.count(),
            AuditEntry.objects.filter(action="accounts.import").count(),
        )
        report = self.run_import(rows, apply=True)
        self.assertFalse(report.applied)
        messages = [str(e) for e in report.errors]
        self.assertEqual([e.row for e in report.errors], [6, 7, 8, 9, 10, 11])
        self.assertIn("第6行：警号重复", messages[0])
        self.assertIn("第3行", messages[0])
        self.assertIn("C-X-9", messages[1])
        self.assertIn("姓名", messages[2])
        self.assertIn("系统", messages[3])
        self.assertIn("警号", messages[4])
        self.assertIn("队长", messages[5])
        # Nothing at all was written, not even the good rows or the new unit.
        self.assertEqual(User.objects.count(), before[0])
        self.assertEqual(Unit.objects.count(), before[1])
        failed = AuditEntry.objects.filter(action="accounts.import").latest("id")
        self.assertEqual(failed.result, "failure")
        self.assertEqual(failed.details["errors"], 6)

    def test_unit_admin_is_confined_to_own_branch(self):
        rows = [
            ["C-A-1", "", "", "300021", "东一", "民警", "治安", "民警"],
            ["C-B-1", "", "", "300022", "西一", "民警", "治安", "民警"],  # other branch
            [
                "C-A-1",
                "",
                "",
                self.officer_b.police_number,
                "冒名",
                "民警",
                "",
                "",
            ],  # someone from branch B
            [
                "C-A-1",
                "",
                "",
                "300023",
                "东三",
                "民警",
                "治安",
                "教官",
            ],  # not a unit admin's role
            ["C-A-9", "东城九所", "C-A", "", "", "", "", ""],  # creating units
        ]
        report = self.run_import(rows, actor=self.unit_admin_a, apply=True)
        self.assertFalse(report.applied)
        self.assertEqual([e.row for e in report.errors], [3, 4, 5, 6])
        self.assertIn("管理范围", str(report.errors[0]))
        self.officer_b.refresh_from_db()
        self.assertEqual(self.officer_b.unit, self.station_b1)
        self.assertFalse(User.objects.filter(police_number="300021").exists())

    def test_unit_admin_imports_into_own_units(self):
        rows = [["C-A-2", "", "", "300031", "东城新警", "社区民警", "治安", "民警"]]
        report = self.run_import(rows, actor=self.unit_admin_a, apply=True)
        self.assertTrue(report.applied, report.errors)
        self.assertEqual(User.objects.get(police_number="300031").unit, self.station_a2)

    def test_separated_roles_import_refuses_roles_other_than_officer(self):
        """Issue 13: the system admin granted itself trainer through the import."""
        rows = [
            [
                "C",
                "",
                "",
                self.system_admin.police_number,
                "系统管理员甲",
                "系统管理员",
                "科技",
                "教官",
            ]
        ]
        report = self.run_import(rows, apply=True)
        self.assertFalse(report.applied)
        self.assertIn("安全管理员", str(report.errors[0]))
        self.system_admin.forget_roles()
        self.assertEqual(self.system_admin.get_role_codes(), {"system_admin"})

    def test_officers_may_not_import(self):
        with self.assertRaises(PermissionDenied):
            self.run_import(GOOD, actor=self.officer)


class ImportCommandTests(BaseTestCase):
    def write(self, rows) -> str:
        folder = Path(tempfile.mkdtemp())
        path = folder / "people.csv"
        path.write_bytes(csv_bytes(rows).getvalue())
        return str(path)

    def test_dry_run_then_apply(self):
        path = self.write(GOOD)
        out = io.StringIO()
        call_command("import_people", path, stdout=out, stderr=io.StringIO())
        self.assertIn("--apply", out.getvalue())
        self.assertFalse(User.objects.filter(police_number="300001").exists())
        call_command("import_people", path, "--apply", stdout=out, stderr=io.StringIO())
        self.assertTrue(User.objects.filter(police_number="300001").exists())

    def test_bad_rows_fail_the_command_with_row_numbers(self):
        path = self.write(
            [*GOOD, ["C-A-1", "", "", "300001", "重复人", "民警", "治安", "民警"]]
        )
        out = io.StringIO()
        with self.assertRaises(CommandError):
            call_command(
                "import_people", path, "--apply", stdout=out, stderr=io.StringIO()
            )
        self.assertIn("第6行", out.getvalue())
        self.assertFalse(User.objects.filter(police_number="300001").exists())
