"""In a real browser: a unit admin assigns a guideline (实战指引) to a post; the officer in
that post sees it as required reading on their home page, reads it, confirms, and it
shows as read on their training record. Fails on main: there is no assignment page."""

from __future__ import annotations

import re

import pytest

from accounts.models import Post, Role
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import make_guideline
from tests.casebank.test_browser import site_root
from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_assigns_a_guideline_to_a_post_and_the_officer_reads_it(
    page, live_server, browser
):
    site_root()
    branch = UnitFactory(code="370101", name="东城分局")
    station = UnitFactory(code="37010101", name="解放路派出所", parent=branch)
    duty, _ = Post.objects.get_or_create(name="值班民警")
    Post.objects.get_or_create(name="社区民警")
    UserFactory(
        username="admin_east", full_name="孙丽华", unit=branch, roles=[Role.UNIT_ADMIN]
    )
    UserFactory(
        username="officer1",
        full_name="张伟",
        unit=station,
        post=duty,
        roles=[Role.OFFICER],
    )
    UserFactory(username="officer2", full_name="王建华", unit=station)
    guideline = make_guideline(
        "接处警工作实战指引",
        category="practice",
        body="<p>接警后五分钟内出警，到场后先控制现场。</p>",
    )

    # The unit admin assigns the guideline to the 值班民警 of their branch.
    browser_login(page, live_server.url, "admin_east", PASSWORD)
    page.goto(f"{live_server.url}/records/assignments/")
    page.select_option("#id_target", f"guideline:{guideline.pk}")
    page.select_option("#id_unit", str(branch.pk))
    page.select_option("#id_post", label="值班民警")
    page.click("#assignment-rule-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    rules = page.inner_text("#assignment-rules")
    assert "接处警工作实战指引" in rules and "值班民警" in rules and "东城分局" in rules

    # The officer in that post sees it as required reading, reads it and confirms.
    officer = browser.new_context(locale="zh-CN").new_page()
    browser_login(officer, live_server.url, "officer1", PASSWORD)
    officer.goto(f"{live_server.url}/")
    officer.get_by_role("link", name="接处警工作实战指引").first.click()
    officer.wait_for_url(re.compile(re.escape(guideline.url) + "$"))
    assert "必读" in officer.inner_text("#required-reading")
    assert "五分钟内出警" in officer.inner_text("main")
    officer.get_by_role("button", name="我已阅读本指引").click()
    officer.wait_for_load_state("networkidle")
    assert "已记入您的培训档案" in officer.inner_text("#required-reading")

    # It shows as read on the officer's record.
    officer.goto(f"{live_server.url}/records/me/")
    reading = officer.inner_text("#required-reading")
    assert "接处警工作实战指引" in reading and "已读" in reading

    # A colleague in another post was not assigned it.
    other = browser.new_context(locale="zh-CN").new_page()
    browser_login(other, live_server.url, "officer2", PASSWORD)
    other.goto(f"{live_server.url}/")
    assert "接处警工作实战指引" not in other.inner_text("main")
