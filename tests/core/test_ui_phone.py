"""An officer on a phone (390 x 844): no page is wider than the screen, and the main
navigation opens from the menu button and leads somewhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

import pytest

from accounts.models import Role
from courses.services import course_enrol
from records.models import Assignment
from records.services import tracked_item_upsert
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import (
    ChargeFactory,
    LawFactory,
    article_with_text,
    make_case,
)
from tests.conftest import browser_login
from tests.courses import factories as course_factories

PHONE = {"width": 390, "height": 844}

# Width of the page's own scrolling box against the window's; tables may scroll inside
# their own box, the page must not.
OVERFLOW_JS = """() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest: [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(e => !e.parentElement.closest('.table-wrap, pre'))
        .slice(0, 3).map(e => e.tagName + '.' + e.className),
})"""


def _content(officer):
    """A course with a lesson, a case citing a statute, and a required item due soon."""
    index = course_factories.course_index("执法规范")
    course = course_factories.course(
        index, title="受案立案规范与执法风险防控专题培训课程"
    )
    lesson = course_factories.lesson(
        course,
        title="第一讲 受案登记：一律接受、当场登记",
        blocks=[
            course_factories.text_block(
                "<p>" + "受案登记是刑事诉讼和行政执法的入口，" * 20 + "</p>"
            ),
        ],
    )
    law = LawFactory(name="中华人民共和国刑法", short_name="刑法")
    theft = article_with_text(
        law,
        264,
        "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，" * 3,
    )
    charge = ChargeFactory(name="盗窃罪")
    charge.articles.set([theft])
    case = make_case(
        "王某入户盗窃手机案（夜间翻窗入室、销赃至二手市场）",
        cited=[theft],
        charges=[charge],
        case_date=dt.date(2024, 3, 18),
        facts="王某于夜间从窗户爬入室内窃取手机一部。" * 10,
    )
    # A required item of a kind that has no provider of its own: the home page must
    # name its kind in words, not show the code.
    item = tracked_item_upsert(
        item_type="course_generic",
        item_id="ui-1",
        title="《治安管理处罚法》精讲",
        category="law",
        hours=Decimal("2"),
        url="",
    )
    Assignment.objects.create(
        user=officer,
        item=item,
        period="",
        required=True,
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    return course, lesson, case, law


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_pages_fit_a_phone_and_the_menu_opens(browser, live_server, settings):
    # Keyword search is enough here; it spares loading the embedding model.
    settings.SEARCH_BACKENDS = {
        "default": {**settings.SEARCH_BACKENDS["default"], "SEMANTIC": False}
    }
    station = UnitFactory(code="37010101", name="东城分局解放路派出所")
    officer = UserFactory(
        username="officer_ui", full_name="黄伟", unit=station, roles=[Role.OFFICER]
    )
    course, lesson, case, law = _content(officer)
    # Enrolled: the course page shows "Start: <lesson title>", a long button on a phone.
    course_enrol(user=officer, course=course)

    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        base = live_server.url
        browser_login(page, base, "officer_ui", PASSWORD)

        # The home page names a coded kind in words.
        todo = page.locator(".todo").first.inner_text()
        assert "《治安管理处罚法》精讲" in todo
        assert "course_generic" not in todo

        # The menu: closed at first, a tap target of at least 44 px, then every link shows.
        nav = page.locator("nav.mainnav")
        assert not nav.is_visible()
        toggle = page.locator("label[for=nav-toggle]")
        box = toggle.bounding_box()
        assert box is not None and box["height"] >= 44
        toggle.click()
        assert nav.is_visible()
        links = nav.locator("a")
        assert links.count() >= 5
        for i in range(links.count()):
            link_box = links.nth(i).bounding_box()
            assert link_box is not None and link_box["height"] >= 44
            assert (
                link_box["x"] >= 0
                and link_box["x"] + link_box["width"] <= PHONE["width"]
            )
        # Sign-out and the language switch sit in the same panel.
        assert page.get_by_role("button", name="退出登录").is_visible()
        with page.expect_navigation():
            nav.get_by_role("link", name="我的学习").click()
        assert page.url.endswith("/learn/")
        assert (
            page.locator("nav.mainnav a[aria-current=page]").inner_text().strip()
            == "我的学习"
        )

        paths = [
            "/",
            "/learn/",
            "/learn/catalogue/",
            "/learn/pre-meeting/",
            course.url,
            lesson.url,
            "/records/me/",
            "/exams/",
            "/casebank/",
            "/casebank/laws/",
            f"/casebank/laws/{law.pk}/",
            "/cases/",
            case.url,
            "/search/?q=盗窃",
            "/casebank/charges/",
            "/records/offline/",
            "/records/notifications/",
        ]
        for path in paths:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            assert page.locator("html").get_attribute("lang") == "zh-hans"
            found = page.evaluate(OVERFLOW_JS)
            assert found["scrollWidth"] <= found["innerWidth"], (path, found)
            assert page.locator("label[for=nav-toggle]").is_visible(), path
            if path == course.url:  # before the lesson page completes the course
                assert lesson.title in page.locator("#resume").inner_text()
    finally:
        context.close()
