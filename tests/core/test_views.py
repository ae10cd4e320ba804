"""Core pages: the role-aware home page, Chinese by default with English switchable,
Chinese 403/404 pages, the Wagtail admin in Chinese, health checks."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from audit.services import audit_log
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase


class HomePageTests(BaseTestCase):
    def test_officer_home_is_chinese_and_personal(self):
        self.login(self.officer)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="zh-hans">')
        self.assertContains(response, self.officer.full_name)
        self.assertContains(response, "今日待办")
        self.assertNotContains(response, "/accounts/manage/people/")

    def test_unit_admin_gets_people_shortcuts(self):
        self.login(self.unit_admin_a)
        response = self.client.get("/")
        self.assertContains(response, "/accounts/manage/people/")
        self.assertNotContains(response, 'href="/audit/"')

    def test_audit_admin_sees_sign_in_failures_of_the_day(self):
        audit_log(action="auth.login_failed", result="failure")
        audit_log(action="auth.lockout", result="denied")
        self.login(self.audit_admin)
        response = self.client.get("/")
        self.assertContains(response, "1 次登录失败")
        self.assertContains(response, 'href="/audit/"')

    def test_security_admin_is_told_about_admins_without_two_factor(self):
        self.login(self.security_admin)
        response = self.client.get("/")
        self.assertContains(response, "尚未设置双因素登录")

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))


class LanguageTests(BaseTestCase):
    def test_login_page_is_chinese_by_default(self):
        response = self.client.get("/accounts/login/")
        self.assertContains(response, "用户名或警号")

    def test_switch_to_english_and_back(self):
        response = self.client.post(
            "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.get("/accounts/login/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Username or police number")
        self.client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        self.assertContains(self.client.get("/accounts/login/"), "用户名或警号")

    def test_browser_preference_for_english_is_honoured(self):
        response = self.client.get(
            "/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
        )
        self.assertContains(response, "Username or police number")


class ErrorPageTests(BaseTestCase):
    def test_404_page_is_chinese(self):
        self.login(self.officer)
        response = self.client.get("/no-such-page-here/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "页面不存在", status_code=404)

    def test_403_page_is_chinese(self):
        self.login(self.officer)
        response = self.client.get("/accounts/manage/people/")
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "无权访问", status_code=403)


class WagtailAdminTests(BaseTestCase):
    def test_admin_is_in_chinese(self):
        self.trainer.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="wagtailadmin", codename="access_admin"
            )
        )
        login_verified(self.client, self.trainer)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'lang="zh-hans"')
        self.assertContains(response, "控制面板")  # Wagtail's own zh-hans catalogue

    def test_admin_shortcut_only_for_admin_users(self):
        self.login(self.officer)
        self.assertNotContains(self.client.get("/"), 'href="/admin/"')


class HealthTests(BaseTestCase):
    def test_healthz_and_readyz(self):
        self.assertEqual(self.client.get("/healthz").json()["status"], "ok")
        body = self.client.get("/readyz").json()
        self.assertEqual(body["checks"]["database"], "ok")
