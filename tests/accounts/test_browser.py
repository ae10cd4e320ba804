"""The login form in a real browser, on a phone-sized screen: Chinese, lockout message,
sign-out."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_by_police_number_on_a_phone_then_sign_out(page, live_server):
    from django.core.cache import cache

    cache.clear()
    UserFactory(username="li", police_number="219999", full_name="李四", roles=[Role.OFFICER])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    assert "用户名或警号" in page.content()
    for _ in range(2):
        page.fill("input[name=username]", "219999")
        page.fill("input[name=password]", "wrong-Pass-1")
        page.click("button[type=submit]")
        assert "请输入正确的用户名" in page.locator(".errorlist").inner_text()
    browser_login(page, live_server.url, "219999", PASSWORD)
    assert "李四" in page.locator("h1").inner_text()
    # The menu collapses behind the toggle on a phone; signing out still works.
    page.click("form.inline button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
