"""The top navigation marks one current entry, the most specific one."""

from __future__ import annotations

from django.test import RequestFactory

from core.nav import nav_for
from tests.base import BaseTestCase


class NavForTests(BaseTestCase):
    def _active(self, path: str) -> list[str]:
        request = RequestFactory().get(path)
        request.user = self.officer
        return [item["url"] for item in nav_for(request) if item["active"]]

    def test_catalogue_is_current_not_also_my_learning(self):
        self.assertEqual(self._active("/learn/catalogue/"), ["/learn/catalogue/"])

    def test_my_learning_is_current_on_its_own_page(self):
        self.assertEqual(self._active("/learn/"), ["/learn/"])

    def test_home_marks_no_entry(self):
        self.assertEqual(self._active("/"), [])
