import pytest

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signed_in_officer_sees_chinese_home_page(page, live_server):
    UserFactory(username="zhang", full_name="张三", roles=[Role.OFFICER])
    browser_login(page, live_server.url, "zhang", PASSWORD)
    assert page.locator("h1").inner_text().strip() != ""
    assert "张三" in page.content()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
