"""In a real browser: a legal officer finds 刑法264 and enters its amended text; a second
legal officer approves it; the case citing the article shows up flagged “law changed,
review” with the diff."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import LawFactory, article_with_text, make_case
from tests.casebank.test_browser import site_root
from tests.conftest import browser_login

OLD = "盗窃公私财物，数额较大的，处三年以下有期徒刑。"
NEW = "盗窃公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。"


def sign_out(page, url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_legal_officer_enters_an_amendment_and_the_flags_appear(page, live_server):
    site_root()
    unit = UnitFactory(name="市局法制支队")
    UserFactory(username="legal1", unit=unit, roles=[Role.LEGAL_OFFICER])
    UserFactory(username="legal2", unit=unit, roles=[Role.LEGAL_OFFICER])
    law = LawFactory()
    theft = article_with_text(law, 264, OLD)
    article_with_text(law, 266, "诈骗公私财物……")
    make_case("张某入户盗窃案", cited=[theft])

    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}/casebank/amendments/")
    page.click("#new-amendment")
    page.fill("#article-q", "刑法264")
    page.click("#article-search-submit")
    results = page.locator("#article-results a.choose-article")
    assert results.count() == 1
    results.first.click()
    assert "第二百六十四条" in page.inner_text("#chosen-article")
    page.fill("#id_text", NEW)
    page.fill("#id_effective_from", "2025-03-01")
    page.fill("#id_source", "刑法修正案（测试）")
    page.click("#save-amendment")
    page.wait_for_url(re.compile(r"/casebank/amendments/$"))
    assert page.locator("button[id^=approve-]").count() == 0  # not their own

    sign_out(page, live_server.url)
    browser_login(page, live_server.url, "legal2", PASSWORD)
    page.goto(f"{live_server.url}/casebank/amendments/")
    page.locator("button[id^=approve-]").first.click()
    page.wait_for_load_state("networkidle")
    assert "2025-03-01" in page.inner_text("main")

    page.goto(f"{live_server.url}/casebank/flags/")
    flags = page.inner_text("main")
    assert "张某入户盗窃案" in flags
    assert "并处或者单处罚金" in flags  # the diff shows the new text
