import datetime as dt
import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase

import pytest

from casebank.importers.statutes import import_statutes
from casebank.models import Article, ArticleVersion, FlagStatus, Law, LawChangeFlag
from casebank.references import resolve_reference
from tests.base import PersonasMixin
from tests.casebank.data import CORE_ARTICLES, FIXTURE_CORE_ARTICLES, LAWS
from tests.casebank.factories import make_case


def write_jsonl(lines) -> Path:
    """Write ``lines`` (dicts or raw strings) to a temporary JSONL file and return its path."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".jsonl", delete=False, encoding="utf-8"
    ) as handle:
        for line in lines:
            handle.write(
                (
                    line
                    if isinstance(line, str)
                    else json.dumps(line, ensure_ascii=False)
                )
                + "\n"
            )
    return Path(handle.name)


def article(label, text, law="中华人民共和国测试法", **extra):
    return {
        "law": law,
        "file": extra.pop("file", "测试法.md"),
        "path": ["第一章 总则"],
        "label": label,
        "text": text,
        **extra,
    }


class FixtureArticlesImportTests(TestCase):
    """Articles of three laws cut from core_articles.jsonl (tests/fixtures)."""

    def test_imports_articles_that_references_resolve_to_and_reimport_is_idempotent(
        self,
    ):
        lines = len(FIXTURE_CORE_ARTICLES.read_text(encoding="utf-8").splitlines())
        out = StringIO()
        call_command(
            "import_statutes",
            str(FIXTURE_CORE_ARTICLES),
            stdout=out,
            stderr=StringIO(),
            verbosity=0,
        )
        self.assertIn(f"新增 {lines}", out.getvalue())
        self.assertEqual(Article.objects.count(), lines)
        self.assertEqual(Law.objects.count(), 3)
        theft = resolve_reference("刑法第二百六十四条")
        self.assertTrue(theft.current_version().text.startswith("盗窃公私财物"))
        self.assertEqual(theft.chapter_path, "第二编 分则 / 第五章 侵犯财产罪")
        self.assertEqual(
            resolve_reference("刑诉法第82条").law.name, "中华人民共和国刑事诉讼法"
        )
        self.assertEqual(resolve_reference("《治安管理处罚法》第四十九条").number, 49)

        report = import_statutes([FIXTURE_CORE_ARTICLES])
        self.assertEqual(
            (report.created, report.updated, report.unchanged), (0, 0, lines)
        )
        self.assertEqual(ArticleVersion.objects.count(), lines)


@pytest.mark.data
class CoreArticlesImportTests(TestCase):
    def test_imports_core_articles_and_reimport_is_idempotent(self):
        out = StringIO()
        call_command(
            "import_statutes",
            str(CORE_ARTICLES),
            stdout=out,
            stderr=StringIO(),
            verbosity=0,
        )
        print(out.getvalue())  # noqa: T201 - the counts, as the issue asks
        self.assertIn("新增 2500", out.getvalue())
        self.assertEqual(Article.objects.count(), 2500)
        self.assertEqual(Law.objects.count(), 10)
        theft = resolve_reference("刑法第二百六十四条")
        self.assertTrue(theft.current_version().text.startswith("盗窃公私财物"))
        self.assertEqual(theft.chapter_path, "第二编 分则 / 第五章 侵犯财产罪")
        self.assertEqual(
            resolve_reference("刑诉法第82条").law.name, "中华人民共和国刑事诉讼法"
        )
        self.assertEqual(resolve_reference("《治安管理处罚法》第四十九条").number, 49)

        report = import_statutes([CORE_ARTICLES])
        print(report.as_dict())  # noqa: T201
        self.assertEqual(
            (report.created, report.updated, report.unchanged), (0, 0, 2500)
        )
        self.assertEqual(ArticleVersion.objects.count(), 2500)

    def test_markdown_law_file(self):
        report = import_statutes([LAWS / "core" / "治安管理处罚法(2012-10-26).md"])
        law = Law.objects.get(short_name="治安管理处罚法")
        self.assertEqual(report.created, 119)
        self.assertEqual(law.articles.count(), 119)
        self.assertEqual(law.promulgated_on, dt.date(2005, 8, 28))
        self.assertEqual(law.amended_on, dt.date(2012, 10, 26))
        beating = law.articles.get(number=43)
        self.assertIn("殴打他人", beating.current_version().text)
        self.assertTrue(
            beating.chapter_path.startswith("第三章 违反治安管理的行为和处罚")
        )


class RejectedLineTests(TestCase):
    def test_malformed_line_is_rejected_with_its_line_number_and_the_rest_imports(self):
        path = write_jsonl(
            [
                article("第一条", "为了测试，制定本法。"),
                '{"law": "中华人民共和国测试法", "label": "第二条", "text": "断开的',
                article("第三条", ""),
                article("第三百条零", "序号不对。"),
                article("第四条", "本法自公布之日起施行。"),
            ]
        )
        err = StringIO()
        call_command(
            "import_statutes", str(path), stdout=StringIO(), stderr=err, verbosity=0
        )
        errors = err.getvalue()
        self.assertIn(f"{path.name}:2: 不是有效的 JSON", errors)
        self.assertIn(f"{path.name}:3: 条文内容为空", errors)
        self.assertIn(f"{path.name}:4: 条文序号无法识别", errors)
        self.assertEqual(
            sorted(Article.objects.values_list("number", flat=True)), [1, 4]
        )

    def test_dry_run_writes_nothing(self):
        path = write_jsonl([article("第一条", "为了测试，制定本法。")])
        report = import_statutes([path], dry_run=True)
        self.assertEqual(report.created, 1)
        self.assertFalse(Article.objects.exists())
        self.assertFalse(Law.objects.exists())


class VersioningTests(PersonasMixin, TestCase):
    def test_reimport_with_new_text_closes_the_old_version_and_answers_by_date(self):
        import_statutes(
            [write_jsonl([article("第十条", "旧的条文。罚款五百元。")])],
            effective_from=dt.date(2013, 1, 1),
        )
        report = import_statutes(
            [write_jsonl([article("第十条", "旧的条文。罚款一千元。")])],
            effective_from=dt.date(2021, 3, 1),
        )
        self.assertEqual(report.updated, 1)
        item = Article.objects.get(number=10)
        old, new = item.versions.order_by("effective_from")
        self.assertEqual(old.effective_to, dt.date(2021, 2, 28))
        self.assertIsNone(new.effective_to)
        self.assertEqual(
            item.version_on(dt.date(2019, 5, 1)).text, "旧的条文。罚款五百元。"
        )
        self.assertEqual(
            item.version_on(dt.date(2021, 3, 1)).text, "旧的条文。罚款一千元。"
        )
        self.assertIsNone(item.version_on(dt.date(2012, 12, 31)))
        self.assertEqual(item.current_version(), new)

    def test_amendment_flags_citing_cases_with_a_diff(self):
        import_statutes(
            [write_jsonl([article("第十条", "违反本法的，处五日以下拘留。")])],
            effective_from=dt.date(2013, 1, 1),
        )
        cited = Article.objects.get(number=10)
        case = make_case("引用第十条的案例", cited=[cited], owner=self.legal_officer)
        uncited = make_case("不引用的案例")
        report = import_statutes(
            [write_jsonl([article("第十条", "违反本法的，处十日以下拘留。")])],
            effective_from=dt.date(2025, 6, 1),
        )
        self.assertEqual(report.flags_created, 1)
        flag = LawChangeFlag.objects.get()
        self.assertEqual(flag.citer, case)
        self.assertEqual(flag.owner, self.legal_officer)
        self.assertEqual(flag.status, FlagStatus.OPEN)
        self.assertIn("-违反本法的，处五日以下拘留。", flag.diff)
        self.assertIn("+违反本法的，处十日以下拘留。", flag.diff)
        self.assertFalse(LawChangeFlag.objects.for_object(uncited).exists())
        # Importing the same new text again flags nothing more.
        again = import_statutes(
            [write_jsonl([article("第十条", "违反本法的，处十日以下拘留。")])],
            effective_from=dt.date(2025, 6, 1),
        )
        self.assertEqual((again.unchanged, again.flags_created), (1, 0))
        self.assertEqual(LawChangeFlag.objects.count(), 1)
