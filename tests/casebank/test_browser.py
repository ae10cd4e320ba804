import datetime as dt

from django.conf import settings

from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

import pytest

from accounts.models import Role
from casebank.models import CaseElementAnalysis
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import (
    ChargeFactory,
    LawFactory,
    LegalElementFactory,
    article_with_text,
    make_case,
)
from tests.conftest import browser_login


def site_root() -> None:
    """Transactional tests start from an empty database: give Wagtail a root and a site."""
    if Site.objects.filter(is_default_site=True).exists():
        return
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root")
    )
    home = root.add_child(instance=Page(title="首页", slug="home"))
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_legal_officer_follows_a_cited_article_and_reads_the_element_analysis(
    page, live_server
):
    site_root()
    unit = UnitFactory(code="370101", name="东城分局")
    UserFactory(
        username="legal1", full_name="陈晓东", unit=unit, roles=[Role.LEGAL_OFFICER]
    )
    law = LawFactory(name="中华人民共和国刑法", short_name="刑法")
    theft = article_with_text(
        law,
        264,
        "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃的，处三年以下有期徒刑。",
    )
    charge = ChargeFactory(name="盗窃罪")
    charge.articles.set([theft])
    charge.save()
    element = LegalElementFactory(
        charge=charge,
        kind="objective",
        title="窃取行为",
        evidence_guide="现场勘验、视频监控、销赃记录",
    )
    case = make_case(
        "王某入户盗窃手机案",
        cited=[theft],
        charges=[charge],
        case_date=dt.date(2024, 3, 18),
        facts="王某从窗户爬入室内窃取手机。",
    )
    CaseElementAnalysis.objects.create(
        page=case,
        element=element,
        analysis="王某从窗户进入他人住宅取走手机，属于入户盗窃。",
    )
    case.save_revision().publish()

    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}{case.url}")
    assert "王某从窗户爬入室内窃取手机" in page.content()
    assert "属于入户盗窃" in page.inner_text("body")
    page.click("[data-testid=cited-article]")
    page.wait_for_load_state("networkidle")
    assert "/casebank/articles/" in page.url and "date=2024-03-18" in page.url
    assert (
        "盗窃公私财物，数额较大的"
        in page.locator("[data-testid=article-text]").inner_text()
    )
    page.click("a.tag:has-text('盗窃罪')")
    page.wait_for_load_state("networkidle")
    elements = page.locator("[data-testid=legal-element]")
    assert elements.count() == 1
    assert "现场勘验、视频监控、销赃记录" in elements.first.inner_text()
