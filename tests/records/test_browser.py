"""A unit admin opens the dashboard, drills into a station, exports the overdue list,
and the file opens with the expected rows."""

from datetime import timedelta

from django.utils import timezone

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from tests.accounts.factories import UnitFactory, UserFactory
from tests.conftest import browser_login
from tests.records.factories import AssignmentFactory, TrackedItemFactory

PASSWORD = "Secret-pass-123"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_drills_into_a_station_and_exports_the_overdue_list(
    page, live_server, tmp_path
):
    city = UnitFactory(code="BR", name="浏览器市局", kind="city_bureau")
    branch = UnitFactory(code="BR-A", name="浏览器分局", kind="branch", parent=city)
    branch.refresh_from_db()
    station = UnitFactory(code="BR-A-1", name="解放路派出所", parent=branch)
    branch.refresh_from_db()
    other_station = UnitFactory(code="BR-A-2", name="文化路派出所", parent=branch)
    outside = UnitFactory(code="BR-B", name="外区分局", kind="branch", parent=city)
    UserFactory(username="br_admin", unit=branch, roles=[Role.UNIT_ADMIN])
    year = str(timezone.localdate().year)
    item = TrackedItemFactory(title="刑事案件办理规范")
    past = timezone.now() - timedelta(days=3)
    late = [UserFactory(full_name=name, unit=station) for name in ("张伟", "李娜")]
    for user in late:
        AssignmentFactory(user=user, item=item, period=year, due_at=past)
    AssignmentFactory(
        user=UserFactory(full_name="王强", unit=station),
        item=item,
        period=year,
        due_at=past,
        status="completed",
        completed_at=past,
    )
    AssignmentFactory(
        user=UserFactory(full_name="赵敏", unit=other_station),
        item=item,
        period=year,
        due_at=past,
    )
    AssignmentFactory(
        user=UserFactory(full_name="外区民警", unit=outside),
        item=item,
        period=year,
        due_at=past,
    )

    browser_login(page, live_server.url, "br_admin", PASSWORD)
    page.goto(f"{live_server.url}/records/reports/")
    assert page.locator("h1").inner_text().endswith("浏览器分局")
    assert "外区分局" not in page.content()
    page.locator("#units-table").get_by_role("link", name="解放路派出所").click()
    page.wait_for_load_state("networkidle")
    assert "解放路派出所" in page.locator("h1").inner_text()
    assert page.locator("#people-table").get_by_text("张伟").count() == 1
    page.get_by_role("link", name="逾期名单").or_(
        page.get_by_role("link", name="Overdue list")
    ).first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#overdue-table tbody tr").count() == 2
    with page.expect_download() as info:
        page.locator("[data-export=overdue-xlsx]").click()
    path = tmp_path / "overdue.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"张伟", "李娜"}
    assert {r[2] for r in rows[1:]} == {"解放路派出所"}
    assert {r[3] for r in rows[1:]} == {"刑事案件办理规范"}
