"""The whole exam in a real browser: a trainer builds an exam from a blueprint; an
officer takes it, reloads midway and finds every answer, runs out of time and is
auto-submitted; a marker marks the case analysis; the officer sees the result and
downloads the certificate."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

from django.utils import timezone

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from exams.models import (
    Attempt,
    AttemptStatus,
    Category,
    ExamSession,
    QuestionType,
    Result,
)
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from .factories import CANARY, standard_bank


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trainer_builds_officer_sits_marker_marks_officer_gets_certificate(
    page, live_server, browser, settings
):
    settings.EXAMS_DEADLINE_SUBMIT_SPREAD_SECONDS = 3
    unit = UnitFactory(name="东城一所")
    UserFactory(username="trainer1", unit=unit, roles=[Role.TRAINER])
    officer = UserFactory(
        username="officer1", full_name="李警官", unit=unit, roles=[Role.OFFICER]
    )
    UserFactory(username="legal1", unit=unit, roles=[Role.LEGAL_OFFICER])
    standard_bank(n_each=3)
    topic = Category.objects.get(name="财产犯罪")

    # The trainer builds the blueprint and the session.
    browser_login(page, live_server.url, "trainer1", PASSWORD)
    page.goto(f"{live_server.url}/exams/manage/")
    page.click("#new-blueprint")
    page.fill("#id_name", "浏览器测试组卷")
    page.select_option("#id_rows-0-category", str(topic.pk))
    page.select_option("#id_rows-0-qtype", QuestionType.SINGLE)
    page.fill("#id_rows-0-count", "2")
    page.fill("#id_rows-0-points", "10")
    page.select_option("#id_rows-1-category", str(topic.pk))
    page.select_option("#id_rows-1-qtype", QuestionType.CASE)
    page.fill("#id_rows-1-count", "1")
    page.fill("#id_rows-1-points", "20")
    page.click("#save-blueprint")
    page.wait_for_url(re.compile(r"/exams/manage/blueprints/\d+/"))
    assert "可用试题" in page.content()
    page.goto(f"{live_server.url}/exams/manage/sessions/new/")
    page.fill("#id_title", "浏览器测试考试")
    page.select_option("#id_blueprint", label="浏览器测试组卷")
    now = timezone.now()
    page.fill("#id_opens_at", local(now - timedelta(hours=1)))
    page.fill("#id_closes_at", local(now + timedelta(hours=2)))
    page.fill("#id_time_limit_minutes", "30")
    page.fill("#id_pass_mark", "50")
    page.select_option("#id_review_score", "after_submit")
    page.check("#id_issue_certificate")
    page.fill("#id_people", "officer1")
    page.click("#save-session")
    page.wait_for_url(re.compile(r"/exams/manage/sessions/\d+/"))
    session = ExamSession.objects.get(title="浏览器测试考试")
    page.context.clear_cookies()

    # The officer starts, answers, reloads and finds every answer.
    browser_login(page, live_server.url, "officer1", PASSWORD)
    seen: list[str] = []

    def grab(response) -> None:
        if (
            response.request.resource_type in ("document", "fetch")
            and response.status < 300
        ):
            # A body the browser already discarded (a navigation) cannot be read.
            with contextlib.suppress(Exception):
                seen.append(response.text())

    page.on("response", grab)
    page.goto(f"{live_server.url}/exams/s/{session.pk}/")
    page.click("#start-attempt")
    page.wait_for_url(re.compile(r"/exams/a/\d+/$"))
    attempt = Attempt.objects.get(session=session, user=officer)
    chosen = {}
    for slot in attempt.slots.select_related("version__question"):
        if slot.version.question.qtype == QuestionType.SINGLE:
            letter = chr(ord("A") + slot.option_order.index(slot.version.answer[0]))
            page.check(f"input[name=q{slot.order}][value={letter}]")
            chosen[slot.order] = letter
        else:
            case_order = slot.order
            page.check(f"input[name=q{slot.order}p1][value=A]")
            page.fill(
                f"textarea[name=q{slot.order}p2]",
                "以非法占有为目的秘密窃取他人财物，构成盗窃罪。",
            )
    expect(page.locator("#save-status")).to_contain_text("已保存")
    page.wait_for_timeout(1500)
    expect(page.locator("#save-status")).to_contain_text("已保存")
    page.reload()
    for order, letter in chosen.items():
        assert page.is_checked(f"input[name=q{order}][value={letter}]")
    assert page.is_checked(f"input[name=q{case_order}p1][value=A]")
    assert "秘密窃取" in page.input_value(f"textarea[name=q{case_order}p2]")

    # Time runs out: the server's deadline is near, the page submits by itself.
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() + timedelta(seconds=4)
    )
    page.reload()
    # At time-up the answers are locked at once; the submit follows within the spread.
    # A mutation observer notes the lock in sessionStorage, which outlives the navigation.
    first_order = next(iter(chosen))
    page.evaluate(
        """(name) => new MutationObserver(() => {
             const input = document.querySelector(`input[name=${name}]`);
             if (input && input.disabled) sessionStorage.setItem("locked", "1");
           }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["disabled"]})""",
        f"q{first_order}",
    )
    page.wait_for_url(re.compile(r"/exams/a/\d+/result$"), timeout=20_000)
    assert page.evaluate("sessionStorage.getItem('locked')") == "1"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.MARKING
    assert len(seen) >= 5
    assert all(CANARY not in body for body in seen)
    page.remove_listener("response", grab)
    page.context.clear_cookies()

    # The marker sees an anonymous script and scores the rubric.
    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}/exams/marking/")
    assert "李警官" not in page.content()
    page.click("a.mark-link")
    assert "李警官" not in page.content()
    page.fill("input[name=p2_0]", "2")
    page.fill("input[name=p2_1]", "1.5")
    page.click("#save-marks")
    page.wait_for_url(re.compile(r"/exams/marking/$"))
    result = Result.objects.get(attempt=attempt)
    assert result.final and result.passed
    page.context.clear_cookies()

    # The officer sees the result and downloads the certificate.
    browser_login(page, live_server.url, "officer1", PASSWORD)
    page.goto(f"{live_server.url}/exams/a/{attempt.pk}/result")
    assert str(result.percent) in page.inner_text("#result-score")
    with page.expect_download() as download_info:
        page.click("#certificate-link")
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_practice_check_shows_one_answer_and_locks_it(page, live_server):
    from .factories import make_blueprint, make_session

    unit = UnitFactory(name="东城二所")
    officer = UserFactory(username="officer2", unit=unit, roles=[Role.OFFICER])
    category = standard_bank(n_each=2)
    session = make_session(
        blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 2, 5)]),
        people=[officer],
        title="网上练兵（浏览器）",
        kind=ExamSession.Kind.PRACTICE,
        review_answers=ExamSession.ReviewWhen.AFTER_SUBMIT,
    )
    browser_login(page, live_server.url, "officer2", PASSWORD)
    page.goto(f"{live_server.url}/exams/s/{session.pk}/")
    page.click("#start-attempt")
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    assert CANARY not in page.content()
    page.locator("#q1 input[type=radio]").first.check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#q1 .check-btn").click()
    expect(page.locator("#feedback-1 .feedback-box")).to_be_visible()
    expect(page.locator("#feedback-1")).to_contain_text("正确答案")
    expect(page.locator("#q1 input[type=radio]").first).to_be_disabled()
    # Only the checked question's analysis reached the page; after a reload it is still there.
    assert page.content().count(CANARY) == 1
    page.reload()
    expect(page.locator("#feedback-1 .feedback-box")).to_be_visible()
    expect(page.locator("#q2 .check-btn")).to_be_visible()
    expect(page.locator("#q1 input[type=radio]").first).to_be_disabled()
    # The reloaded page carries the feedback of question 1 only (as data, then shown).
    assert page.locator("#exam-take").inner_html().count(CANARY) == 1
    assert list(json.loads(page.locator("#exam-feedback").text_content())) == ["1"]
