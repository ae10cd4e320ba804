"""Django merges every app's catalogue and the first app in INSTALLED_APPS wins a shared
msgid; the course and case-bank pages use a context where another app's word is wrong."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import SimpleTestCase
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext


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


ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = ROOT / "platform" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MSGID = re.compile(r'^msgid ((?:".*"\n)+)', re.M)


def msgids(path: Path) -> set[str]:
    """The msgids of a catalogue (continuation lines joined)."""
    found = set()
    for match in MSGID.finditer(path.read_text(encoding="utf-8")):
        lines = re.findall(r'^"(.*)"$', match.group(1), re.M)
        found.add("".join(lines))
    return found - {""}


class WagtailAdminChineseTests(SimpleTestCase):
    """Wagtail's zh_Hans catalogue lacks the strings of its newer admin; the platform's
    override catalogue (first in LOCALE_PATHS) gives them (issue 17: each of these was
    English before it)."""

    def test_the_strings_reported_in_english_are_chinese(self):
        with translation.override("zh-hans"):
            self.assertEqual(gettext("Search all pages…"), "搜索全部页面…")
            self.assertEqual(
                gettext("Your pages and snippets in a workflow"),
                "您在审核流程中的页面和片段",
            )
            pages = ngettext(
                '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
                '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
                46,
            ) % {"total": 46, "site_name": "平台"}
            self.assertTrue(pages.startswith("46 个页面"), pages)

    def test_english_stays_english(self):
        with translation.override("en"):
            self.assertEqual(gettext("Search all pages…"), "Search all pages…")

    def test_the_override_catalogue_holds_no_msgid_of_the_project_apps(self):
        """LOCALE_PATHS wins over every app: a msgid of ours in it would silently
        replace that app's own Chinese."""
        ours = set()
        for path in [
            *ROOT.glob("platform/*/locale/zh_Hans/LC_MESSAGES/django.po"),
            *ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"),
        ]:
            if path != OVERRIDES:
                ours |= msgids(path)
        self.assertGreater(len(msgids(OVERRIDES)), 300)
        self.assertEqual(msgids(OVERRIDES) & ours, set())
