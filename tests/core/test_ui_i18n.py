"""Django merges every app's catalogue and the first app in INSTALLED_APPS wins a shared
msgid; the course and case-bank pages use a context where another app's word is wrong."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation
from django.utils.translation import pgettext


class ContextTranslationTests(SimpleTestCase):
    def test_course_words_are_not_taken_from_other_apps(self):
        with translation.override("zh-hans"):
            # The case bank's "Lessons" is 经验教训 (lessons learned); a course has 课时.
            self.assertEqual(pgettext("course", "Lessons"), "课时")
            self.assertEqual(pgettext("course", "Required"), "必修")
            self.assertEqual(pgettext("course", "Start"), "开始学习")

    def test_case_bank_words_are_not_taken_from_the_records(self):
        with translation.override("zh-hans"):
            # The records' "Name" is a person's 姓名; a law or charge has a 名称.
            self.assertEqual(pgettext("law", "Name"), "名称")
            self.assertEqual(pgettext("law", "Level"), "效力级别")
            self.assertEqual(pgettext("case", "Level"), "案例级别")
