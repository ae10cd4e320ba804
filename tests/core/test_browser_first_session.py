"""Bugs an officer met in the first session (issue 18), each seen in a real browser."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from accounts.models import Role
from courses.services import course_assignments_sync
from search.backends import reset_backends
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import make_guideline
from tests.conftest import browser_login
from tests.courses import factories as course_factories

# Emoji and other pictographs: no glyph on a typical intranet PC ("tofu").
PICTOGRAPH = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def make_officer(username: str = "zhang"):
    city = UnitFactory(code="370100", name="市局")
    station = UnitFactory(code="370101", name="东城派出所", parent=city)
    station.refresh_from_db()
    return UserFactory(
        username=username, full_name="张三", unit=station, roles=[Role.OFFICER]
    ), station


def make_required_course(unit, *, lessons: int = 1, practice: bool = False):
    index = course_factories.course_index()
    course = course_factories.course(
        index,
        title="受案立案规范",
        rules=[{"role": Role.OFFICER, "unit": unit}],
    )
    made = []
    for n in range(lessons):
        blocks = [course_factories.text_block(f"<p>第{n + 1}讲内容</p>")]
        if practice:
            blocks.append(
                course_factories.practice_block(
                    "立案审查期限一般为几日？", correct=(1,)
                )
            )
        made.append(
            course_factories.lesson(course, title=f"第{n + 1}讲", blocks=blocks)
        )
    course_assignments_sync(course=course)
    return course, made


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finishing_a_lesson_says_lesson_completed_not_undefined(page, live_server):
    officer, station = make_officer()
    _, (lesson,) = make_required_course(station, practice=True)
    browser_login(page, live_server.url, officer.username, PASSWORD)
    page.goto(f"{live_server.url}{lesson.url}")
    status = page.locator("#lesson-status")
    assert "本课时已完成" not in status.inner_text()
    page.locator("form[data-practice] input[name=choice][value='1']").check()
    page.locator("form[data-practice] button[type=submit]").click()
    page.locator("#lesson-status.done").wait_for()
    text = status.inner_text()
    assert "undefined" not in text
    assert "本课时已完成" in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_next_page_is_visible_and_guidelines_are_labelled_without_markup(
    page, live_server, settings
):
    index_dir = Path(tempfile.mkdtemp(prefix="search-browser-"))
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
            "PATH": index_dir,
            "SEMANTIC": False,
        }
    }
    reset_backends()
    try:
        course_factories.ensure_site()
        officer, _ = make_officer()
        for n in range(12):
            make_guideline(
                f"盗窃案件现场勘查指引{n + 1}",
                body=f"<p>盗窃案件<b>现场</b>勘查第{n + 1}条要点。</p>",
            )
        browser_login(page, live_server.url, officer.username, PASSWORD)
        page.goto(f"{live_server.url}/search/?q=盗窃")
        hits = page.locator("article.hit")
        assert hits.count() == 10
        first = hits.first
        assert "执法指引" in first.locator(".tag").first.inner_text()
        assert "课程" not in first.locator(".tag").first.inner_text()
        snippet = first.locator(".snippet").inner_text()
        assert "<p>" not in snippet and "<b>" not in snippet
        nxt = page.get_by_role("link", name="下一页")
        colours = nxt.evaluate(
            "a => [getComputedStyle(a).color, getComputedStyle(a).backgroundColor]"
        )
        assert colours[0] != colours[1], colours
        nxt.click()
        page.wait_for_load_state("networkidle")
        assert "page=2" in page.url
        assert page.locator("article.hit").count() == 2
    finally:
        reset_backends()
        shutil.rmtree(index_dir, ignore_errors=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_opening_admin_gets_the_403_page_not_a_redirect_loop(page, live_server):
    officer, _ = make_officer()
    browser_login(page, live_server.url, officer.username, PASSWORD)
    response = page.goto(f"{live_server.url}/admin/")
    assert response.status == 403
    assert page.locator("h1").inner_text().strip()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notification_heading_has_an_svg_icon_and_no_emoji(page, live_server):
    officer, _ = make_officer()
    browser_login(page, live_server.url, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/records/notifications/")
    heading = page.locator("h1")
    assert not PICTOGRAPH.search(heading.inner_text())
    assert heading.locator("svg use").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_third_done_required_course_shows_under_in_progress(page, live_server):
    officer, station = make_officer()
    course, lessons = make_required_course(station, lessons=3)
    browser_login(page, live_server.url, officer.username, PASSWORD)
    page.goto(f"{live_server.url}{lessons[0].url}")  # opening completes this lesson
    page.goto(f"{live_server.url}/learn/")
    in_progress = page.locator("#in-progress")
    assert course.title in in_progress.inner_text()
    assert "暂无学习中的课程" not in in_progress.inner_text()
    assert "33%" in in_progress.inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_top_todo_item_links_to_something_the_officer_can_act_on(page, live_server):
    from datetime import timedelta

    from django.utils import timezone

    from records.services import assignment_sync, tracked_item_upsert

    officer, _ = make_officer()
    # A required item kept only in the records (no page of its own), overdue.
    item = tracked_item_upsert(
        item_type="course_generic",
        item_id="demo-law-1",
        title="宪法学习专题",
        category="law",
        hours="2",
    )
    assignment_sync(
        item=item, users=[officer], due_at=timezone.now() - timedelta(days=3), period=""
    )
    browser_login(page, live_server.url, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    first = page.locator("ul.todo li").first
    assert "宪法学习专题" in first.inner_text()
    first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert "/records/me/" not in page.url
    # The page offers an action on that very item.
    assert page.locator("form").filter(has_text="宪法学习专题").count() or (
        page.locator("input[value='宪法学习专题']").count() == 1
    )
