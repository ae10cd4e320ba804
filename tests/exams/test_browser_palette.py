"""The attempt page works like Moodle's quiz (issue 18): a question palette with
answered / flagged / unanswered states, jump to any question, the time always in view,
keyboard navigation in the palette, a summary of unanswered questions before submit,
and a page that fits a phone. No keys are typed: inputs are checked and clicked, and
key presses are dispatched as DOM events."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from exams.models import Attempt, AttemptStatus, QuestionType
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from .factories import make_blueprint, make_session, standard_bank


def _start(page, live_server, *, width=1366, height=900):
    unit = UnitFactory(name="东城一所")
    officer = UserFactory(username="officer1", unit=unit, roles=[Role.OFFICER])
    category = standard_bank(n_each=4)
    session = make_session(
        blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 4, 5)]),
        people=[officer],
        title="执法资格考试（题目导航）",
    )
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, live_server.url, "officer1", PASSWORD)
    page.goto(f"{live_server.url}/exams/s/{session.pk}/")
    page.click("#start-attempt")
    page.wait_for_url(re.compile(r"/exams/a/\d+/$"))
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    return officer


def _item(page, n):
    return page.locator(f"#exam-palette [data-goto='{n}']")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_palette_states_jump_keyboard_and_pre_submit_summary(page, live_server):
    officer = _start(page, live_server)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    assert page.locator("#exam-palette [data-goto]").count() == 4
    for n in range(1, 5):
        expect(_item(page, n)).to_have_attribute("data-state", "unanswered")

    # Answered: the palette follows the answer at once.
    page.locator("#q1 input[type=radio]").first.check()
    expect(_item(page, 1)).to_have_attribute("data-state", "answered")
    expect(page.locator("#palette-count")).to_contain_text("1 / 4")

    # Flagged: a button on the question, shown in the palette; it survives a reload
    # (kept with the attempt on the server).
    page.locator("#q3 .flag-btn").click()
    expect(page.locator("#q3 .flag-btn")).to_have_attribute("aria-pressed", "true")
    expect(_item(page, 3)).to_have_attribute("data-flagged", "1")
    expect(page.locator("#save-status")).to_contain_text("已保存")
    page.reload()
    expect(_item(page, 3)).to_have_attribute("data-flagged", "1")
    expect(_item(page, 1)).to_have_attribute("data-state", "answered")

    # Jump: the palette takes the candidate to question 4, and the clock stays in view.
    _item(page, 4).click()
    expect(page.locator("#q4")).to_be_in_viewport()
    expect(page.locator("#exam-clock")).to_be_in_viewport()
    expect(_item(page, 4)).to_have_attribute("aria-current", "true")

    # Keyboard: arrows move along the palette (roving focus), Home and End to the ends.
    _item(page, 1).focus()
    _item(page, 1).dispatch_event("keydown", {"key": "ArrowRight"})
    expect(_item(page, 2)).to_be_focused()
    _item(page, 2).dispatch_event("keydown", {"key": "End"})
    expect(_item(page, 4)).to_be_focused()
    _item(page, 4).dispatch_event("keydown", {"key": "Home"})
    expect(_item(page, 1)).to_be_focused()

    # Submit: first a summary that names the unanswered and flagged questions.
    page.click("#submit-attempt")
    summary = page.locator("#submit-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("#summary-unanswered")).to_contain_text("3")
    unanswered = summary.locator("#summary-unanswered-list [data-goto]")
    assert unanswered.all_inner_texts() == ["2", "3", "4"]
    assert summary.locator("#summary-flagged-list [data-goto]").all_inner_texts() == [
        "3"
    ]
    expect(summary.locator("#summary-flagged")).to_have_text("1")
    # Back to the paper from the summary, straight to an unanswered question.
    unanswered.first.click()
    expect(summary).to_be_hidden()
    expect(page.locator("#q2")).to_be_in_viewport()
    page.click("#submit-attempt")
    page.click("#confirm-submit")
    page.wait_for_url(re.compile(r"/exams/a/\d+/result$"))
    attempt = Attempt.objects.get(user=officer)
    assert attempt.status != AttemptStatus.IN_PROGRESS
    assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attempt_page_fits_a_phone_with_clock_and_palette_drawer(page, live_server):
    _start(page, live_server, width=390, height=844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    # The palette is a drawer behind a button that shows the progress.
    expect(page.locator("#exam-palette")).to_be_hidden()
    toggle = page.locator("#palette-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.locator("#exam-palette")).to_be_visible()
    _item(page, 3).click()
    expect(page.locator("#exam-palette")).to_be_hidden()
    expect(page.locator("#q3")).to_be_in_viewport()
    expect(page.locator("#exam-clock")).to_be_in_viewport()
    font = page.locator("#q3 .stem").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert font >= 16


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_flags_survive_a_reload_and_another_device(page, browser, live_server):
    """Fails before: flags lived in one browser's localStorage, so a second device (a
    fresh browser context) showed none."""
    officer = _start(page, live_server)
    page.locator("#q2 .flag-btn").click()
    expect(_item(page, 2)).to_have_attribute("data-flagged", "1")
    attempt = Attempt.objects.get(user=officer)
    for _ in range(50):  # the flag is posted at once: wait for its row
        if attempt.slots.filter(order=2, flagged=True).exists():
            break
        page.wait_for_timeout(100)
    assert list(attempt.slots.filter(flagged=True).values_list("order", flat=True)) == [
        2
    ]
    page.reload()
    expect(_item(page, 2)).to_have_attribute("data-flagged", "1")
    expect(page.locator("#q2 .flag-btn")).to_have_attribute("aria-pressed", "true")

    other = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        second = other.new_page()
        browser_login(second, live_server.url, "officer1", PASSWORD)
        second.goto(f"{live_server.url}/exams/a/{attempt.pk}/")
        expect(_item(second, 2)).to_have_attribute("data-flagged", "1")
        expect(_item(second, 1)).to_have_attribute("data-flagged", "0")
        # Unflagging there clears it for the first device too.
        second.locator("#q2 .flag-btn").click()
        expect(_item(second, 2)).to_have_attribute("data-flagged", "0")
    finally:
        other.close()
    for _ in range(50):
        if not attempt.slots.filter(flagged=True).exists():
            break
        page.wait_for_timeout(100)
    page.reload()
    expect(_item(page, 2)).to_have_attribute("data-flagged", "0")
