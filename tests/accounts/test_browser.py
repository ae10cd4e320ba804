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
    UserFactory(
        username="li", police_number="219999", full_name="李四", roles=[Role.OFFICER]
    )
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
    toggle = page.locator("label[for=nav-toggle]")
    if toggle.count() and toggle.is_visible():
        toggle.click()
    page.click("form.inline button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_temporary_password_forces_a_change_before_anything_else(page, live_server):
    """An admin's reset gives a temporary password; signing in with it lands on the
    change page, every other page leads back there, a weak or unchanged password is
    refused in Chinese, and the chosen one then opens the site."""
    from django.core.cache import cache

    from accounts.models import User
    from accounts.services import user_reset_password

    cache.clear()
    admin = UserFactory(username="sys", roles=[Role.SYSTEM_ADMIN])
    person = UserFactory(
        username="wang", police_number="218001", full_name="王五", roles=[Role.OFFICER]
    )
    temporary = user_reset_password(actor=admin, user=person)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server.url, "wang", temporary)
    assert page.url.endswith("/accounts/password/")
    assert "设置您自己的密码" in page.locator("h1").inner_text()
    assert "临时密码" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=old_password]").count() == 0
    for path in ("/", "/records/", "/learn/"):
        page.goto(f"{live_server.url}{path}")
        assert page.url.endswith("/accounts/password/"), path
    page.fill("input[name=new_password1]", temporary)
    page.fill("input[name=new_password2]", temporary)
    page.click("form[method=post] button.primary")
    page.wait_for_load_state("networkidle")
    assert "新密码不能与当前（临时）密码相同" in page.locator(".errorlist").inner_text()
    page.fill("input[name=new_password1]", "abcdefgh")
    page.fill("input[name=new_password2]", "abcdefgh")
    page.click("form[method=post] button.primary")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/accounts/password/")
    assert page.locator(".errorlist").count() > 0
    page.fill("input[name=new_password1]", "Own-Choice-2027")
    page.fill("input[name=new_password2]", "Own-Choice-2027")
    page.click("form[method=post] button.primary")
    page.wait_for_load_state("networkidle")
    assert not page.url.endswith("/accounts/password/")
    assert "王五" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/records/")
    assert "/accounts/password/" not in page.url
    person = User.objects.get(pk=person.pk)
    assert not person.must_change_password
    assert person.check_password("Own-Choice-2027")
