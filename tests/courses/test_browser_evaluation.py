"""In a real browser: a legal officer records a problem for an officer → the officer is
assigned the mapped course → after completing it the problem shows
"已整改（培训完成）" and the unit's evaluation changes accordingly."""

from __future__ import annotations

from django.utils import timezone

import pytest

from accounts.models import Role
from courses.remediation import problem_training_rule_save
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from . import factories


def _closed_row(page):
    return page.locator("#indicator-table tr[data-code=problems_closed] td").nth(3)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_problem_to_training_to_put_right_and_the_evaluation_follows(
    page, live_server, browser
):
    base = live_server.url
    city = UnitFactory(code="EV", name="考评市局", kind="city_bureau")
    branch = UnitFactory(code="EV-A", name="考评分局", kind="branch", parent=city)
    branch.refresh_from_db()
    station = UnitFactory(code="EV-A-1", name="解放路派出所", parent=branch)
    UserFactory(
        username="ev_legal", unit=branch, roles=[Role.LEGAL_OFFICER, Role.OFFICER]
    )
    UserFactory(username="ev_leader", unit=branch, roles=[Role.LEADER])
    trainer = UserFactory(username="ev_trainer", unit=city, roles=[Role.TRAINER])
    UserFactory(
        username="ev_officer",
        full_name="张伟",
        police_number="EV0001",
        unit=station,
        roles=[Role.OFFICER],
    )
    index = factories.course_index()
    course = factories.course(index, title="证据收集规范（考评测试）", required=False)
    factories.lesson(course, title="第一讲")
    problem_training_rule_save(editor=trainer, category="evidence", courses=[course])
    year = timezone.localdate().year

    # The leader's evaluation of the station before anything happened.
    leader = browser.new_context(locale="zh-CN").new_page()
    browser_login(leader, base, "ev_leader", PASSWORD)
    evaluation_url = f"{base}/learn/evaluation/?unit={station.pk}&year={year}"
    leader.goto(evaluation_url)
    score_before = leader.locator("#unit-score strong").inner_text()

    # 1. The legal officer records a problem against the officer.
    browser_login(page, base, "ev_legal", PASSWORD)
    page.goto(f"{base}/casebank/problems/new/")
    page.select_option("#id_unit", label="解放路派出所")
    page.fill("#id_person", "EV0001")
    page.select_option("#id_category", "evidence")
    page.select_option("#id_severity", "serious")
    page.fill("#id_found_on", timezone.localdate().isoformat())
    page.fill("#id_description", "讯问笔录未记载告知犯罪嫌疑人诉讼权利")
    page.click("#problem-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/casebank/problems/" in page.url
    assert (
        page.locator("#problem-state [data-state]").get_attribute("data-state")
        == "open"
    )
    assert "证据收集规范（考评测试）" in page.locator("#remediation-table").inner_text()
    problem_url = page.url

    leader.goto(evaluation_url)
    assert _closed_row(leader).inner_text() == "0.00"
    score_open = leader.locator("#unit-score strong").inner_text()
    assert score_open != score_before

    # 2. The officer finds the course assigned and completes it.
    learner = browser.new_context(locale="zh-CN").new_page()
    browser_login(learner, base, "ev_officer", PASSWORD)
    learner.goto(f"{base}/learn/")
    learner.get_by_role("link", name="证据收集规范（考评测试）").first.click()
    learner.wait_for_load_state("networkidle")
    learner.locator("#resume").click()
    learner.wait_for_load_state("networkidle")
    learner.goto(f"{base}/learn/")
    assert "证据收集规范（考评测试）" in learner.locator("#completed").inner_text()

    # 3. The problem is put right, and the unit's evaluation follows.
    page.goto(problem_url)
    state = page.locator("#problem-state")
    assert state.locator("[data-state]").get_attribute("data-state") == "closed"
    assert "已整改（培训完成）" in state.inner_text()
    leader.goto(evaluation_url)
    assert _closed_row(leader).inner_text() == "100.00"
    score_after = leader.locator("#unit-score strong").inner_text()
    assert float(score_after) > float(score_open)
