"""The site's main forms are grouped, full width, with help text (issue 18): officers'
offline training, unit admins' group attendance, leaders' 会前学法 session and the
enforcement problem form. Fails before: each was Django's ungrouped ``form.as_p``."""

from __future__ import annotations

import re

from django.utils import translation

from tests.base import BaseTestCase


class GroupedFormTests(BaseTestCase):
    def page(self, user, url):
        self.login(user)
        with translation.override("zh-hans"):
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertEqual(response.status_code, 200, url)
        return response.content.decode()

    def legends(self, html):
        return re.findall(
            r'<fieldset class="form-group">\s*<legend>([^<]+)</legend>', html
        )

    def test_forms_come_in_groups_with_legends_and_help(self):
        html = self.page(self.officer, "/records/offline/")
        self.assertEqual(self.legends(html), ["参加了什么", "说明与证明材料"])
        self.assertIn("附上签到表或证书照片，审核更快。", html)
        self.assertIn('<div class="field required">', html)
        self.assertIn('class="helptext" id="id_evidence_helptext"', html)
        self.assertEqual(
            self.legends(self.page(self.leader, "/learn/pre-meeting/new/")),
            ["会议信息", "学习内容", "参加人员"],
        )
        self.assertEqual(
            self.legends(self.page(self.unit_admin_a, "/records/offline/group/")),
            ["活动信息", "参加人员"],
        )

    def test_errors_are_shown_beside_the_field(self):
        self.login(self.officer)
        with translation.override("zh-hans"):
            html = self.client.post(
                "/records/offline/",
                {"kind": "court_hearing"},
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            ).content.decode()
        self.assertIn('<div class="field has-error required">', html)
        self.assertIn('class="field-errors"', html)
