"""Search and the case library like a legal database (issue 18): facets beside the
results on a desktop and in a drawer on a phone, counts per value, removable filter
chips, case hits with charges, date, level and a one-line key point, sort by date."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from search.backends import reset_backends
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import ChargeFactory, make_case
from tests.conftest import browser_login
from tests.courses.factories import ensure_site

CASES = [
    # title, charge, date, level, key point
    (
        "张某入户盗窃案",
        "盗窃罪",
        dt.date(2021, 3, 5),
        "guiding",
        "入户盗窃不以数额较大为要件。\n其余说明。",
    ),
    (
        "李某扒窃案",
        "盗窃罪",
        dt.date(2023, 6, 1),
        "typical",
        "扒窃行为的认定以随身携带为准。",
    ),
    (
        "王某电信诈骗案",
        "诈骗罪",
        dt.date(2022, 1, 9),
        "typical",
        "冒充客服实施诈骗的犯罪数额认定。",
    ),
]


@pytest.fixture
def corpus(settings):
    index_dir = Path(tempfile.mkdtemp(prefix="search-facets-"))
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
            "PATH": index_dir,
            "SEMANTIC": False,
        }
    }
    reset_backends()
    ensure_site()
    charges = {name: ChargeFactory(name=name) for name in ("盗窃罪", "诈骗罪")}
    for title, charge, date, level, key in CASES:
        make_case(
            title,
            charges=[charges[charge]],
            case_date=date,
            level=level,
            key_points=key,
            facts=f"{title}：案情为涉案财物被非法占有。",
        )
    unit = UnitFactory(code="370100", name="市局")
    UserFactory(username="legal1", unit=unit, roles=[Role.LEGAL_OFFICER])
    yield
    reset_backends()
    shutil.rmtree(index_dir, ignore_errors=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_facets_chips_case_lines_and_sort_on_desktop(page, live_server, corpus):
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}/search/?q=涉案财物&type=case")
    facets, results = page.locator(".facets"), page.locator(".results")
    expect(facets).to_be_visible()
    fbox, rbox = facets.bounding_box(), results.bounding_box()
    assert fbox["x"] + fbox["width"] <= rbox["x"] and abs(fbox["y"] - rbox["y"]) < 80
    # Counts per value.
    theft = facets.locator("a", has_text="盗窃罪")
    expect(theft.locator(".count")).to_have_text("2")
    # A case hit: charges, date, level and its key point on one line.
    hit = page.locator("article.hit", has_text="张某入户盗窃案")
    expect(hit.locator(".case-meta")).to_contain_text("盗窃罪")
    expect(hit.locator(".case-meta")).to_contain_text("2021-03-05")
    expect(hit.locator(".case-meta")).to_contain_text("指导性案例")
    expect(hit.locator(".key-point")).to_have_text(
        "裁判要旨：入户盗窃不以数额较大为要件。"
    )
    # Sort by date: newest first.
    with page.expect_navigation():
        page.select_option("select[name=sort]", "date")
    titles = page.locator("article.hit h3 a").all_inner_texts()
    assert titles == ["李某扒窃案", "王某电信诈骗案", "张某入户盗窃案"], titles
    # A facet value becomes a chip; removing the chip removes the filter.
    facets.locator("a", has_text="盗窃罪").click()
    page.wait_for_load_state("networkidle")
    chip = page.locator(".chips .chip", has_text="盗窃罪")
    expect(chip).to_be_visible()
    assert page.locator("article.hit").count() == 2
    chip.locator("a").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".chips .chip", has_text="盗窃罪")).to_have_count(0)
    assert page.locator("article.hit").count() == 3
    assert "sort=date" in page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_facets_are_a_drawer_on_a_phone(page, live_server, corpus):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}/search/?q=涉案财物")
    expect(page.locator(".facets")).to_be_hidden()
    # The first result is on the first screen, not under the facets.
    assert page.locator("article.hit").first.bounding_box()["y"] < 844
    page.click("#facets-toggle")
    expect(page.locator(".facets")).to_be_visible()
    expect(page.locator(".facets")).to_be_in_viewport()
    page.locator(".facets a", has_text="诈骗罪").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".chips .chip", has_text="诈骗罪")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_library_filters_with_counts_and_key_point_per_case(
    page, live_server, corpus
):
    from casebank.models import CaseIndexPage

    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, live_server.url, "legal1", PASSWORD)
    page.goto(f"{live_server.url}{CaseIndexPage.objects.get().url}")
    facets = page.locator(".facets")
    expect(facets.locator("a", has_text="盗窃罪").locator(".count")).to_have_text("2")
    expect(facets.locator("a", has_text="典型案例").locator(".count")).to_have_text("2")
    row = page.locator(".case-list li", has_text="李某扒窃案")
    expect(row.locator(".key-point")).to_contain_text("扒窃行为的认定以随身携带为准。")
    expect(row.locator(".case-meta")).to_contain_text("盗窃罪")
    facets.locator("a", has_text="诈骗罪").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".case-list li").count() == 1
    page.locator(".chips .chip a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".case-list li").count() == 3
