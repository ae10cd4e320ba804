"""In a real browser (issue 14): an officer who clicks through a course without studying
gets no 学时; one who stays on each lesson for its minimum study time does.

The server's clock is moved with time-machine (the live server runs in this process) and
the page's clock with Playwright's, so the heartbeats of two minutes take a second."""

from __future__ import annotations

from django.utils import timezone

import pytest
import time_machine

from accounts.models import Role
from records.models import Assignment, CreditEntry
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from . import factories


def _open_lessons(learner, base, lessons):
    for lesson in lessons:
        learner.goto(f"{base}{lesson.url}")
        assert lesson.title in learner.locator("h1").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clicking_through_earns_nothing_and_studying_earns_the_hours(
    page, browser, live_server
):
    base = live_server.url
    unit = UnitFactory(code="370199", name="学习测试所")
    skimmer = UserFactory(username="skimmer", unit=unit, roles=[Role.OFFICER])
    student = UserFactory(username="student", unit=unit, roles=[Role.OFFICER])
    index = factories.course_index("学时测试")
    course = factories.course(
        index, title="证据规则", hours="2", rules=[{"role": Role.OFFICER}]
    )
    lessons = [
        factories.lesson(course, title=f"第{n}讲", min_engaged_minutes=1)
        for n in ("一", "二")
    ]

    # The skimmer opens every lesson and leaves at once.
    browser_login(page, base, "skimmer", PASSWORD)
    _open_lessons(page, base, lessons)
    page.goto(f"{base}/learn/")
    assert page.locator("#hours-this-year").inner_text() == "0"
    assert not CreditEntry.objects.filter(user=skimmer).exists()

    # The student stays on each lesson for a minute of server time.
    context = browser.new_context(locale="zh-CN")
    learner = context.new_page()
    browser_login(learner, base, "student", PASSWORD)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for lesson in lessons:
            learner.clock.install()
            learner.goto(f"{base}{lesson.url}")
            assert learner.locator("#lesson-min-time").count() == 1
            for _ in range(2):
                clock.shift(30)
                with learner.expect_response(lambda r: "heartbeat" in r.url):
                    learner.clock.run_for(30_000)
    learner.goto(f"{base}/learn/")
    assert learner.locator("#hours-this-year").inner_text() == "2"
    entry = CreditEntry.objects.get(user=student)
    assert str(entry.hours) == "2.00"
    assignment = Assignment.objects.get(user=student, item__item_id=str(course.pk))
    assert assignment.status == "completed"
    assert assignment.evidence["seconds"] >= 120
    learner.goto(f"{base}/records/me/")
    assert "证据规则" in learner.content()
    context.close()
