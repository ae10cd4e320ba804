"""A legal officer links a new case in a real browser, on a phone-sized screen."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

import pytest

from accounts.models import Role
from search.backends import reset_backends
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login

from .base import index_settings
from .factories import legal_corpus


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
def test_legal_officer_pastes_a_case_and_sees_precedents_articles_and_checklist(
    page, live_server
):
    index_dir = Path(tempfile.mkdtemp(prefix="search-browser-"))
    with index_settings(index_dir):
        reset_backends()
        try:
            site_root()
            city = UnitFactory(code="370100", name="市局")
            east = UnitFactory(code="370101", name="东城分局", parent=city)
            west = UnitFactory(code="370102", name="西城分局", parent=city)
            east.refresh_from_db()
            west.refresh_from_db()
            UserFactory(
                username="legal1",
                full_name="陈晓东",
                unit=east,
                roles=[Role.LEGAL_OFFICER],
            )
            # Published through Wagtail: each case is indexed on commit (eager Celery).
            legal_corpus(restricted_unit=west)

            page.set_viewport_size({"width": 390, "height": 844})
            browser_login(page, live_server.url, "legal1", PASSWORD)
            page.goto(f"{live_server.url}/search/link/")
            assert "新案关联分析" in page.locator("h1").inner_text()
            page.fill(
                "textarea[name=text]",
                "2024年3月5日晚，嫌疑人刘某撬开被害人家门锁，进入室内秘密窃取现金三千元和手机一部，"
                "还盗走了单位仓库的电缆，小区监控录像拍到其离开。",
            )
            page.click("#link-form button[type=submit]")
            page.wait_for_load_state("networkidle")
            charges = page.locator("#charges").inner_text()
            assert "盗窃罪" in charges
            assert "第二百六十四条" in page.locator("#articles").inner_text()
            assert "张某入户盗窃案" in page.locator("#precedents").inner_text()
            checklist = page.locator("#elements")
            assert "秘密窃取" in checklist.inner_text()
            assert checklist.locator("li[data-mentioned='1']").count() >= 1
            assert checklist.locator("li[data-mentioned='0']").count() >= 1
            # Each suggestion says why: the precedents behind it and the sentences of
            # the pasted text; each element its supporting sentence or 未见相关事实.
            theft = page.locator("#charges [data-charge='盗窃罪']")
            why = theft.locator("details.why").inner_text()
            assert "张某入户盗窃案" in why
            assert "撬开被害人家门锁" in why
            assert theft.locator(".strength").inner_text() == "强"
            assert "%" not in page.locator("#charges").inner_text()
            supported = checklist.locator("li[data-mentioned='1']").first.inner_text()
            assert "支持该要件的语句" in supported
            assert "撬开被害人家门锁" in supported
            assert (
                "未见相关事实"
                in checklist.locator("li[data-mentioned='0']").first.inner_text()
            )
            assert "%" not in page.locator("#precedents").inner_text()
            # The case restricted to 西城分局 never shows for an officer of 东城分局.
            assert "内部通报盗窃电缆案" not in page.content()

            page.goto(f"{live_server.url}/search/?q=电缆")
            assert "内部通报盗窃电缆案" not in page.content()
        finally:
            reset_backends()
            shutil.rmtree(index_dir, ignore_errors=True)
