"""The learner's home page is organised around what is due (issue 18): overdue first,
then what is due soon, each item with a button to where it is done: continue the lesson,
start the exam, read the guideline. Fails before: one flat list whose course entries
opened the course page and had no action at all."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.utils import timezone

import pytest
from playwright.sync_api import expect

from casebank.models import EnforcementProblem
from courses.models import ProblemTrainingRule
from exams.models import ExamSession, QuestionType
from records.models import Assignment
from tests.base import PASSWORD
from tests.casebank.factories import make_guideline
from tests.conftest import browser_login
from tests.exams.factories import make_blueprint, make_session, standard_bank

from .test_browser_first_session import make_officer, make_required_course


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_home_puts_overdue_first_and_each_item_links_to_its_action(page, live_server):
    officer, station = make_officer()
    course, lessons = make_required_course(station, lessons=3)
    Assignment.objects.filter(user=officer, item__item_id=str(course.pk)).update(
        due_at=timezone.now() - timedelta(days=2)
    )
    category = standard_bank(n_each=2)
    make_session(
        blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 5)]),
        people=[officer],
        title="执法资格考试",
        kind=ExamSession.Kind.EXAM,
        closes_at=timezone.now() + timedelta(days=3),
    )
    guideline = make_guideline("证据收集工作指引", body="<p>证据收集要点。</p>")
    rule = ProblemTrainingRule.objects.create(category="evidence")
    rule.guidelines.add(guideline)
    EnforcementProblem.objects.create(
        unit=station,
        person=officer,
        category="evidence",
        description="证据未及时固定",
        found_on=dt.date(timezone.localdate().year, 1, 5),
    )
    browser_login(page, live_server.url, officer.username, PASSWORD)
    page.goto(f"{live_server.url}{lessons[0].url}")  # lesson 1 done: resume at 2
    page.goto(f"{live_server.url}/")

    sections = page.locator("section.due-section")
    assert sections.first.get_attribute("id") == "due-overdue"
    overdue = page.locator("#due-overdue")
    expect(overdue).to_contain_text("受案立案规范")
    expect(overdue.locator(".todo-action")).to_contain_text("继续学习：第2讲")
    soon = page.locator("#due-soon")
    expect(soon).to_contain_text("执法资格考试")
    expect(soon.locator(".todo-action")).to_have_text("开始考试")
    other = page.locator("#due-other")
    expect(other.locator(".todo-action").filter(has_text="阅读指引")).to_have_count(1)

    overdue.locator(".todo-action").first.click()
    page.wait_for_url(f"**{lessons[1].url}")
    page.goto(f"{live_server.url}/")
    page.locator("#due-soon .todo-action").first.click()
    page.wait_for_url("**/exams/s/*/")
    expect(page.locator("#start-attempt")).to_be_visible()
    page.goto(f"{live_server.url}/")
    other.locator(".todo-action").filter(has_text="阅读指引").click()
    page.wait_for_url(f"**{guideline.url}")
