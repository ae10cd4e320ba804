"""The whole journey in a real browser: a trainer drafts a course in the Wagtail admin
(through real TOTP two-factor), a legal officer approves it, an officer in the audience
sees it as required, studies every lesson, and gets the credit hours exactly once."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from courses.models import CoursePage, LessonPage
from courses.services import course_section_publishing_setup
from records.models import Assignment, CreditEntry
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from . import factories


def _admin_add_lesson(page, base, parent_id, title, text):
    page.goto(f"{base}/admin/pages/add/courses/lessonpage/{parent_id}/")
    page.fill("#id_title", title)
    # This test is about publishing: no minimum study time (test_browser_evidence.py).
    page.fill("#id_min_engaged_minutes", "0")
    page.locator("button.c-sf-add-button").first.click()
    page.get_by_role("option").filter(
        has_text=re.compile(r"^\s*(Text|正文|文本)\s*$")
    ).first.click()
    editor = page.locator(".public-DraftEditor-content").first
    editor.click()
    page.keyboard.insert_text(text)
    assert text in editor.inner_text()
    page.wait_for_timeout(300)  # Draftail serialises its state on change
    _submit_for_review(page)


def _submit_for_review(page):
    # "Submit for review" sits in the footer's dropdown; the trainer has no publish button.
    assert page.locator("button[name='action-publish']").count() == 0
    with page.expect_navigation():
        page.locator("button[name='action-submit']").evaluate(
            "button => button.click()"
        )
    page.wait_for_load_state("networkidle")


def _approve_all(page, base, expected):
    """Approve from the reviewer's dashboard ("Awaiting your review")."""
    approved = 0
    page.goto(f"{base}/admin/")
    selector = "button[data-workflow-action-url*='/approve/']:not([data-launch-modal])"
    while page.locator(selector).count():
        with page.expect_navigation(timeout=90_000):
            # The buttons sit in each row's "more" dropdown.
            page.locator(selector).first.evaluate("button => button.click()")
        page.wait_for_load_state("networkidle")
        approved += 1
        assert approved <= expected
    assert approved == expected


@pytest.mark.browser
@pytest.mark.slow
# serialized_rollback puts back what migrations created (the Wagtail site and page
# tree) after the flush, for the tests that run later.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_trainer_drafts_reviewer_approves_officer_completes_once(
    page, browser, live_server, settings
):
    # Publishing indexes the pages for search; keyword indexing is enough here, and it
    # spares this test loading the sentence-embedding model (tens of seconds).
    settings.SEARCH_BACKENDS = {
        "default": {**settings.SEARCH_BACKENDS["default"], "SEMANTIC": False}
    }
    base = live_server.url
    city = UnitFactory(code="370100", name="滨江市公安局")
    station = UnitFactory(code="37010101", name="解放路派出所", parent=city)
    trainer = UserFactory(
        username="trainer_b", full_name="王教官", unit=city, roles=[Role.TRAINER]
    )
    UserFactory(
        username="legal_b", full_name="陈法制", unit=city, roles=[Role.LEGAL_OFFICER]
    )
    officer = UserFactory(
        username="officer_b", full_name="张民警", unit=station, roles=[Role.OFFICER]
    )
    section = factories.course_index("执法规范")
    course_section_publishing_setup(
        section=section, editor_groups=[Group.objects.get(name=Role.TRAINER)]
    )
    device = TOTPDevice.objects.create(user=trainer, name="phone", confirmed=True)

    # 1. The trainer passes two-factor and drafts the course and two lessons.
    browser_login(page, base, "trainer_b", PASSWORD, second_factor=False)
    page.goto(f"{base}/admin/")
    assert "/accounts/two-factor/" in page.url
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("input[name=token]", f"{token:06d}")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/admin/" in page.url

    page.goto(f"{base}/admin/pages/add/courses/coursepage/{section.pk}/")
    page.fill("#id_title", "受案立案规范（浏览器测试）")
    page.fill("#id_summary", "受案登记与立案审查的规范要求。")
    page.fill("#id_credit_hours", "2.5")
    page.select_option("#id_category", "enforcement")
    page.check("#id_required")
    page.locator("#id_audience_rules-ADD").click()
    page.select_option("#id_audience_rules-0-role", "officer")
    _submit_for_review(page)
    course = CoursePage.objects.get(title="受案立案规范（浏览器测试）")
    assert not course.live
    _admin_add_lesson(
        page, base, course.pk, "第一讲 受案登记", "报案、控告、举报一律接受，当场登记。"
    )
    _admin_add_lesson(
        page,
        base,
        course.pk,
        "第二讲 立案审查",
        "经县级以上公安机关负责人批准，予以立案。",
    )
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    assert len(lessons) == 2
    assert not any(lesson.live for lesson in lessons)

    # 2. A legal officer reviews and approves the course and its lessons.
    reviewer_context = browser.new_context(locale="zh-CN")
    reviewer = reviewer_context.new_page()
    browser_login(reviewer, base, "legal_b", PASSWORD)
    _approve_all(reviewer, base, expected=3)
    reviewer_context.close()
    course.refresh_from_db()
    assert course.live
    assert all(LessonPage.objects.get(pk=lesson.pk).live for lesson in lessons)

    # 3. The officer sees it as required, studies every lesson, and gets the hours once.
    officer_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    learner = officer_context.new_page()
    browser_login(learner, base, "officer_b", PASSWORD)
    learner.goto(f"{base}/learn/")
    required = learner.locator("#required")
    assert "受案立案规范（浏览器测试）" in required.inner_text()
    required.get_by_role("link", name="受案立案规范（浏览器测试）").click()
    learner.locator("#resume").click()
    assert "报案、控告、举报一律接受" in learner.locator(".lesson-body").inner_text()
    learner.locator(".lesson-nav a.btn:not(.secondary)").click()
    assert "立案审查" in learner.locator("h1").inner_text()
    learner.goto(f"{base}/learn/")
    assert "受案立案规范（浏览器测试）" in learner.locator("#completed").inner_text()
    assert learner.locator("#hours-this-year").inner_text() == "2.5"

    # A second completion (studying again) does not credit twice.
    for lesson in lessons:
        learner.goto(f"{base}{LessonPage.objects.get(pk=lesson.pk).url}")
    learner.goto(f"{base}/learn/")
    assert learner.locator("#hours-this-year").inner_text() == "2.5"
    assert CreditEntry.objects.filter(user=officer).count() == 1
    assert (
        Assignment.objects.get(user=officer, item__item_id=str(course.pk)).status
        == "completed"
    )
    officer_context.close()
