"""会前学法 end to end in pages: leaders (their unit) and unit admins create sessions; a
leader signs in with the meeting's code or the organiser records attendance; absences
with reasons; all of it on the person's record and in the unit report and its export."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from openpyxl import load_workbook

from accounts.models import Role
from courses import services
from courses.models import AttendanceMethod, AttendanceStatus, PreMeetingStudySession
from records.models import RoleRequirement
from records.selectors import person_record_get, pre_meeting_report
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase


class PreMeetingPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.leader2 = UserFactory(
            username="leader_a2", unit=cls.station_a1, roles=[Role.LEADER]
        )
        cls.leader_b = UserFactory(
            username="leader_b", unit=cls.branch_b, roles=[Role.LEADER]
        )
        RoleRequirement.objects.create(role=Role.LEADER, pre_meeting_study_min=2)

    def create(self, actor, **extra):
        data = {
            "actor": actor,
            "unit": self.branch_a,
            "meeting": "局党委会第3次",
            "held_on": timezone.localdate(),
            "topic": "学习刑法第264条",
            "participants": [self.leader, self.leader2],
        }
        data.update(extra)
        return services.pre_meeting_session_create(**data)

    def test_a_leader_creates_a_session_for_their_unit_through_the_page(self):
        self.login(self.leader)
        page = self.client.get(reverse("courses:pre_meeting_new"))
        self.assertEqual(page.status_code, 200)
        # The leaders of the subtree are offered, not branch B's.
        self.assertContains(page, f'name="participants" value="{self.leader2.pk}"')
        self.assertNotContains(page, f'name="participants" value="{self.leader_b.pk}"')
        response = self.client.post(
            reverse("courses:pre_meeting_new"),
            {
                "unit": self.branch_a.pk,
                "meeting": "局务会",
                "held_on": timezone.localdate().isoformat(),
                "topic": "行政处罚法",
                "presenter": self.legal_officer.pk,
                "statutes": "《中华人民共和国行政处罚法》第三十三条",
                "participants": [self.leader.pk, self.leader2.pk],
            },
        )
        session = PreMeetingStudySession.objects.get()
        self.assertRedirects(
            response, reverse("courses:pre_meeting_session", args=[session.pk])
        )
        self.assertEqual(session.created_by, self.leader)
        self.assertEqual(
            set(session.attendances.values_list("user__username", flat=True)),
            {"leader_a", "leader_a2"},
        )
        self.assertRegex(session.signin_code, r"^\d{6}$")
        detail = self.client.get(response.url)
        self.assertContains(detail, session.signin_code)

    def test_unit_admin_creates_and_others_are_refused(self):
        self.assertTrue(self.create(self.unit_admin_a).pk)
        with self.assertRaises(PermissionDenied):
            self.create(self.unit_admin_b)  # branch B's admin, branch A's session
        with self.assertRaises(PermissionDenied):
            self.create(self.officer)
        with self.assertRaises(ValidationError):
            self.create(self.unit_admin_a, participants=[self.leader_b])
        with self.assertRaises(ValidationError):
            self.create(self.unit_admin_a, participants=[])
        self.login(self.officer)
        self.assertEqual(
            self.client.get(reverse("courses:pre_meeting_new")).status_code, 403
        )

    def test_unit_admin_of_branch_b_cannot_open_or_record_branch_a_sessions(self):
        session = self.create(self.unit_admin_a)
        self.login(self.unit_admin_b)
        self.assertEqual(
            self.client.get(
                reverse("courses:pre_meeting_session", args=[session.pk])
            ).status_code,
            404,
        )
        self.client.post(
            reverse("courses:pre_meeting_attend", args=[session.pk]),
            {"user": self.leader.pk},
        )
        self.assertEqual(
            session.attendances.get(user=self.leader).status, AttendanceStatus.INVITED
        )

    def test_sign_in_needs_the_code_on_the_day(self):
        session = self.create(self.unit_admin_a)
        self.login(self.leader)
        url = reverse("courses:pre_meeting_confirm", args=[session.pk])
        self.client.post(url, {"code": ""})
        self.client.post(
            url, {"code": "000000" if session.signin_code != "000000" else "111111"}
        )
        self.assertEqual(
            session.attendances.get(user=self.leader).status, AttendanceStatus.INVITED
        )
        self.client.post(url, {"code": session.signin_code})
        attendance = session.attendances.get(user=self.leader)
        self.assertEqual(attendance.status, AttendanceStatus.ATTENDED)
        self.assertEqual(attendance.method, AttendanceMethod.CODE)
        # Yesterday's meeting: its code no longer signs anyone in.
        old = self.create(
            self.unit_admin_a, held_on=timezone.localdate() - timedelta(days=1)
        )
        with self.assertRaises(ValidationError):
            services.pre_meeting_signin(
                session=old, user=self.leader, code=old.signin_code
            )

    def test_nobody_records_their_own_attendance_without_the_code(self):
        session = self.create(self.leader)  # the leader organises and attends
        with self.assertRaises(PermissionDenied):
            services.pre_meeting_attendance_confirm(
                session=session, user=self.leader, actor=self.leader
            )
        services.pre_meeting_attendance_confirm(
            session=session, user=self.leader2, actor=self.leader
        )
        attendance = session.attendances.get(user=self.leader2)
        self.assertEqual(attendance.method, AttendanceMethod.ORGANISER)
        self.assertEqual(attendance.recorded_by, self.leader)

    def test_attendance_counts_on_the_record_and_in_the_unit_report_and_export(self):
        year = timezone.localdate().year
        first = self.create(self.unit_admin_a)
        second = self.create(self.unit_admin_a, meeting="局务会第4次")
        self.login(self.unit_admin_a)
        self.client.post(
            reverse("courses:pre_meeting_attend", args=[first.pk]),
            {"user": self.leader.pk},
        )
        self.client.post(
            reverse("courses:pre_meeting_attend", args=[second.pk]),
            {"user": self.leader.pk},
        )
        self.client.post(
            reverse("courses:pre_meeting_absence", args=[first.pk]),
            {"user": self.leader2.pk, "reason": "外出办案", "next": "session"},
        )
        record = person_record_get(self.leader, year)
        self.assertEqual(record.pre_meeting_attended, 2)
        report = pre_meeting_report(self.unit_admin_a, self.branch_a, year)
        rows = {r.person.username: r for r in report.rows}
        self.assertEqual((rows["leader_a"].attended, rows["leader_a"].absent), (2, 0))
        self.assertEqual((rows["leader_a2"].attended, rows["leader_a2"].absent), (0, 1))
        self.assertTrue(rows["leader_a"].met)
        self.assertFalse(rows["leader_a2"].met)
        self.assertNotIn("leader_b", rows)
        with self.assertRaises(PermissionDenied):
            pre_meeting_report(self.unit_admin_b, self.branch_a, year)
        with translation.override("zh-hans"):
            page = self.client.get(
                reverse("records:reports") + f"?unit={self.branch_a.pk}"
            )
        self.assertContains(page, 'id="pre-meeting-report"')
        self.assertContains(page, "pre-meeting-leader_a2")
        export = self.client.get(
            reverse("records:report_export", args=["pre_meeting"])
            + f"?unit={self.branch_a.pk}&fmt=xlsx"
        )
        self.assertEqual(export.status_code, 200)
        sheet = load_workbook(io.BytesIO(export.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        by_name = {row[0]: row for row in values[1:]}
        self.assertEqual(by_name[self.leader.display_name][3:6], [2, 0, 2])
        self.assertEqual(by_name[self.leader2.display_name][3:6], [0, 1, 2])
        # Branch B's admin gets no branch A report.
        self.login(self.unit_admin_b)
        response = self.client.get(
            reverse("records:report_export", args=["pre_meeting"])
            + f"?unit={self.branch_a.pk}&fmt=xlsx"
        )
        self.assertEqual(response.status_code, 403)
