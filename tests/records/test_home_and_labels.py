"""The records' home items, demo seeding and the labels records shares with other apps."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.test import RequestFactory, TestCase
from django.utils import timezone, translation

import time_machine

from accounts.models import User
from records import demo, selectors
from records.home import records_home_items
from records.models import Assignment, RoleRequirement
from records.selectors import ReportFilter
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase
from tests.records.factories import AssignmentFactory, TrackedItemFactory

TZ = ZoneInfo("Asia/Shanghai")


class HomeItemsTests(BaseTestCase):
    def _items(self, user):
        request = RequestFactory().get("/")
        request.user = user
        with translation.override("zh-hans"):
            return records_home_items(request)

    def test_lists_own_items_with_translated_kind_and_skips_courses_and_exams(self):
        due = datetime(2020, 1, 1, tzinfo=TZ)
        AssignmentFactory(
            user=self.officer, item=TrackedItemFactory(title="通用课程"), due_at=due
        )
        AssignmentFactory(
            user=self.officer,
            item=TrackedItemFactory(item_type="course", title="课程页"),
            due_at=due,
        )
        AssignmentFactory(
            user=self.officer,
            item=TrackedItemFactory(item_type="exam", title="考试场次"),
            due_at=due,
        )
        items = self._items(self.officer)
        self.assertEqual(
            [(i.title, i.kind, i.overdue) for i in items], [("通用课程", "课程", True)]
        )


class DemoSeedTests(BaseTestCase):
    def test_demo_leaves_other_apps_items_to_them(self):
        """A course owned by the courses app gets no yearly records assignments from the
        records demo, so completing it (period "") leaves nothing open and overdue."""
        course = TrackedItemFactory(
            item_type="course", item_id="9999", title="受案立案规范"
        )
        exam = TrackedItemFactory(item_type="exam", item_id="8888", title="执法考试")
        demo.seed(SimpleNamespace(stdout=io.StringIO()))
        self.assertFalse(Assignment.objects.filter(item__in=[course, exam]).exists())
        self.assertTrue(
            Assignment.objects.filter(
                item__item_id="demo-law-1", period=str(timezone.localdate().year)
            ).exists()
        )


class DemoAtRiskTests(TestCase):
    """Issue 18: on the seeded demo the leaders' at-risk list flagged 27 of 41 people (no
    signal). Fails before: the old rule and the old history flagged most of them."""

    def test_seeded_demo_flags_a_plausible_few_each_with_a_reason(self):
        from accounts import demo as accounts_demo
        from accounts.models import Unit

        for day in (
            datetime(2026, 9, 15, 10, tzinfo=TZ),
            datetime(2026, 12, 2, 10, tzinfo=TZ),
        ):
            with self.subTest(day=day.date()), time_machine.travel(day, tick=False):
                accounts_demo.seed(None)
                demo.seed(SimpleNamespace(stdout=io.StringIO()))
                city = Unit.objects.get(code="370100")
                flt = ReportFilter(year=2026)
                people = selectors.people_in_scope(city, flt).count()
                flagged = list(selectors.at_risk_people(city, flt))
                self.assertGreaterEqual(people, 30)
                self.assertGreaterEqual(len(flagged), 1)
                self.assertLessEqual(len(flagged) / people, 0.25, len(flagged))
                for person in flagged:
                    reason = selectors.at_risk_reason(
                        hours=person.hours, target=person.target, year=2026
                    )
                    self.assertGreater(reason.missing, 0)
                    self.assertGreater(reason.times_normal_pace, 1.5)
                # The page says why, for each person listed.
                leader = User.objects.get(username="leader1")
                login_verified(self.client, leader)
                with translation.override("zh-hans"):
                    html = self.client.get(
                        f"/records/reports/at-risk/?unit={leader.unit_id}&year=2026",
                        HTTP_ACCEPT_LANGUAGE="zh-hans",
                    ).content.decode()
                body = html.split("<tbody>")[1].split("</tbody>")[0]
                self.assertEqual(
                    body.count("正常进度的"), body.count('name="person"'), body
                )


class LabelTests(BaseTestCase):
    def test_requirements_page_shows_names_not_codes(self):
        RoleRequirement.objects.create(
            role="legal_officer",
            min_hours=Decimal(60),
            category_minimums={"case_study": "10"},
            required_item_types=["course_case_review", "exam_qualification"],
        )
        self.login(self.system_admin)
        with translation.override("zh-hans"):
            html = self.client.get(
                "/records/requirements/", HTTP_ACCEPT_LANGUAGE="zh-hans"
            ).content.decode()
        table = html.split("<tbody>")[1].split("</tbody>")[0]
        for code in (
            "legal_officer",
            "case_study",
            "course_case_review",
            "exam_qualification",
        ):
            self.assertNotIn(code, table)
        self.assertIn("法制员", table)
        self.assertIn('<div class="table-wrap"><table', html)

    def test_records_labels_do_not_override_other_apps(self):
        from django.utils.translation import gettext, pgettext

        from casebank.models import CasePage, Law
        from courses.models import CourseLecturer, LessonPage

        with translation.override("zh-hans"):
            self.assertEqual(pgettext("records", "title"), "名称")
            self.assertNotEqual(gettext("title"), "名称")
            self.assertNotEqual(gettext("Level"), "等级")
            self.assertEqual(str(LessonPage._meta.verbose_name_plural), "课时")
            self.assertEqual(
                str(CasePage._meta.get_field("lessons").verbose_name), "经验教训"
            )
            self.assertEqual(str(Law._meta.get_field("level").verbose_name), "效力级别")
            self.assertEqual(
                str(CasePage._meta.get_field("level").verbose_name), "案例级别"
            )
            self.assertEqual(
                str(CourseLecturer._meta.get_field("name").verbose_name), "姓名"
            )
            self.assertEqual(str(Law._meta.get_field("name").verbose_name), "名称")
