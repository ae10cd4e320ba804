"""In a real browser: a leader runs a 会前学法 session for their unit (creates it, signs
in with the code shown in the meeting, records another leader's attendance and a third
one's absence) and the session shows in the unit's training report."""

from __future__ import annotations

import re

from django.utils import timezone

import pytest

from accounts.models import Role
from records.models import RoleRequirement
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_runs_a_session_with_attendance_and_it_shows_in_the_unit_report(
    page, live_server
):
    branch = UnitFactory(name="东城分局")
    UserFactory(
        username="leader1", full_name="王局长", unit=branch, roles=[Role.LEADER]
    )
    deputy = UserFactory(
        username="leader2", full_name="李副局长", unit=branch, roles=[Role.LEADER]
    )
    UserFactory(
        username="leader3", full_name="赵政委", unit=branch, roles=[Role.LEADER]
    )
    RoleRequirement.objects.create(role=Role.LEADER, pre_meeting_study_min=10)

    browser_login(page, live_server.url, "leader1", PASSWORD)
    page.goto(f"{live_server.url}/learn/pre-meeting/")
    page.click("#new-pre-meeting")
    page.select_option("#id_unit", str(branch.pk))
    page.fill("#id_meeting", "局党委会第12次")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_topic", "学习刑法第二百六十四条")
    page.fill("#id_statutes", "《中华人民共和国刑法》第二百六十四条")
    for label in ("王局长", "李副局长", "赵政委"):
        page.get_by_label(re.compile(label)).check()
    page.click("#save-session")
    page.wait_for_url(re.compile(r"/learn/pre-meeting/\d+/$"))
    code = page.inner_text("#signin-code").strip()
    assert re.fullmatch(r"\d{6}", code)

    # The organiser records the deputy's attendance and the commissar's absence.
    page.click("#attend-leader2")
    page.wait_for_load_state("networkidle")
    page.fill("#reason-leader3", "带队执行专项任务")
    page.click("#absent-leader3")
    page.wait_for_load_state("networkidle")
    table = page.inner_text("#attendance")
    assert "组织者登记" in table and "带队执行专项任务" in table

    # The leader signs in with the code shown in the meeting.
    page.goto(f"{live_server.url}/learn/pre-meeting/")
    page.fill("input[name=code]", code)
    page.click(".signin-form button")
    page.wait_for_load_state("networkidle")
    assert "今年已参学 1 次" in page.inner_text("main")

    # The unit report shows it.
    page.goto(f"{live_server.url}/records/reports/?unit={branch.pk}")
    report = page.inner_text("#pre-meeting-report")
    assert "3 名领导干部中 0 名达到要求" in report
    assert "出席 2 人次" in report and "请假 1 人次" in report
    row = page.inner_text(f"#pre-meeting-{deputy.username}")
    assert "李副局长" in row and "1" in row
