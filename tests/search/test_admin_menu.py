"""The Settings menu's "Search model training" entry: shown to whoever may retrain (the
system admin), hidden from other people with admin access."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import RequestFactory

from wagtail.admin.menu import settings_menu

from search.wagtail_hooks import TRAINING_MENU_ITEM
from tests.base import BaseTestCase


class TrainingMenuItemTests(BaseTestCase):
    def setUp(self):
        access_admin = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        for user in (self.system_admin, self.trainer):
            user.user_permissions.add(access_admin)

    def menu_names(self, user) -> list[str]:
        request = RequestFactory().get("/admin/")
        request.user = user
        return [item.name for item in settings_menu.menu_items_for_request(request)]

    def test_the_system_admin_sees_the_entry(self):
        self.assertIn(TRAINING_MENU_ITEM, self.menu_names(self.system_admin))

    def test_others_with_admin_access_do_not(self):
        for user in (self.trainer, self.officer):
            self.assertNotIn(TRAINING_MENU_ITEM, self.menu_names(user), user.username)
