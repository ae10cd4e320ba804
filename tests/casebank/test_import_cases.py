import itertools
import json
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from wagtail.models import Page

import pytest

from casebank.importers.cases import import_cases
from casebank.importers.charges import import_charges
from casebank.importers.statutes import import_statutes
from casebank.models import CasePage, Charge
from tests.casebank.data import (
    CAIL_TRAIN,
    CHARGE_TABLE,
    CORE_ARTICLES,
    FIXTURE_CAIL_TRAIN,
    FIXTURE_CHARGE_TABLE,
    FIXTURE_CORE_ARTICLES,
    FIXTURE_GUIDING,
)
from tests.casebank.factories import case_index
from tests.casebank.test_import_statutes import write_jsonl


def cail_slice(count: int, extra=()) -> list[str]:
    """Return the first ``count`` lines of the CAIL2018 fixture, then ``extra``."""
    with FIXTURE_CAIL_TRAIN.open(encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in itertools.islice(handle, count)] + list(
            extra
        )


CAIL_FIXTURE_CASES = len(cail_slice(1000))


class LinkedImportTestCase(TestCase):
    """The statutes and charges the cases link to: the fixture's, cut from the public sets."""

    core_articles = FIXTURE_CORE_ARTICLES
    charge_table = FIXTURE_CHARGE_TABLE

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        import_statutes([cls.core_articles])
        import_charges(cls.charge_table)
        case_index()


class ChargeImportTests(LinkedImportTestCase):
    def test_charges_link_to_criminal_law_articles(self):
        theft = Charge.objects.get(name="盗窃罪")
        self.assertEqual([a.number for a in theft.articles.all()], [264])
        self.assertEqual(
            Charge.objects.get(name="放火罪").articles.count(), 2
        )  # heading noise cleaned
        self.assertTrue(
            Charge.objects.filter(
                name="帮助信息网络犯罪活动罪",
                articles__number=287,
                articles__sub_number=2,
            ).exists()
        )

    def test_reimport_is_idempotent_and_bad_reference_is_reported_with_its_line(self):
        report = import_charges(self.charge_table)
        self.assertEqual(report.created, 0)
        self.assertEqual(report.unchanged, Charge.objects.count())
        self.assertIn(
            line_of(self.charge_table, "《决定》第1条"),
            [w.line for w in report.warnings],
        )


def line_of(path, text: str) -> int:
    """Return the number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


class CailImportTests(LinkedImportTestCase):
    def test_slice_imports_with_counts_links_and_line_numbered_rejections(self):
        path = write_jsonl(
            cail_slice(
                CAIL_FIXTURE_CASES,
                ['{"fact": "broken', json.dumps({"fact": "有案情", "meta": {}})],
            )
        )
        out, err = StringIO(), StringIO()
        call_command(
            "import_cases",
            str(path),
            "--format",
            "cail2018",
            "--publish",
            stdout=out,
            stderr=err,
            verbosity=0,
        )
        print(out.getvalue())  # noqa: T201 - the counts
        broken, no_charges = CAIL_FIXTURE_CASES + 1, CAIL_FIXTURE_CASES + 2
        self.assertIn(f"{path.name}:{broken}: 不是有效的 JSON", err.getvalue())
        self.assertIn(
            f"{path.name}:{no_charges}: meta.accusation 应是非空的字符串列表",
            err.getvalue(),
        )
        imported = CasePage.objects.filter(source="CAIL2018")
        expected = CAIL_FIXTURE_CASES - report_duplicates(CAIL_FIXTURE_CASES)
        self.assertEqual(imported.count(), expected)
        first = imported.get(
            facts__startswith="牡丹江市阳明区人民检察院指控，2015年5月11日"
        )
        self.assertEqual(first.title, "马某某危险驾驶案")
        self.assertEqual([c.name for c in first.charges.all()], ["危险驾驶罪"])
        self.assertEqual([a.number for a in first.cited_articles.all()], [133])
        self.assertEqual(str(first.case_date), "2015-05-11")
        self.assertTrue(first.live)
        self.assertEqual(Page.find_problems(), ([], [], [], [], []))
        self.assertEqual(first.get_parent().specific, case_index())

        again = import_cases(path, fmt="cail2018", publish=True)
        self.assertEqual((again.created, again.updated), (0, 0))
        self.assertEqual(imported.count(), expected)

    def test_drafts_by_default(self):
        import_cases(write_jsonl(cail_slice(5)), fmt="cail2018")
        self.assertFalse(CasePage.objects.filter(live=True).exists())
        self.assertEqual(CasePage.objects.count(), 5)

    def test_wagtail_method_makes_revisions(self):
        import_cases(
            write_jsonl(cail_slice(3)), fmt="cail2018", publish=True, method="wagtail"
        )
        page = CasePage.objects.first()
        self.assertTrue(page.live)
        self.assertIsNotNone(page.live_revision)


@pytest.mark.data
class FullDataImportTests(LinkedImportTestCase):
    """The whole public sets (CI has them; a fresh clone skips these)."""

    core_articles = CORE_ARTICLES
    charge_table = CHARGE_TABLE

    def test_charge_table_warns_about_its_one_bad_reference(self):
        report = import_charges(CHARGE_TABLE)
        self.assertEqual(report.unchanged, Charge.objects.count())
        self.assertEqual([w.line for w in report.warnings], [425])

    @pytest.mark.slow
    def test_full_train_file(self):
        report = import_cases(CAIL_TRAIN, fmt="cail2018", publish=True)
        print(report.as_dict(), f"{report.seconds:.1f}s")  # noqa: T201
        self.assertEqual(report.created + report.unchanged, 4057)
        self.assertEqual(report.rejected, [])
        self.assertEqual(CasePage.objects.count(), report.created)


def report_duplicates(count: int) -> int:
    """Return how many of the first ``count`` CAIL lines repeat an earlier one."""
    lines = cail_slice(count)
    return len(lines) - len(
        {json.dumps(json.loads(line), sort_keys=True) for line in lines}
    )


class GuidingImportTests(LinkedImportTestCase):
    def test_guiding_cases_cite_the_articles_they_name(self):
        report = import_cases(FIXTURE_GUIDING, fmt="guiding", publish=True)
        self.assertEqual(report.created, 5)
        case = CasePage.objects.get(source_id="guiding-27")
        self.assertEqual(case.case_number, "指导案例27号")
        self.assertEqual(
            sorted(a.number for a in case.cited_articles.all()), [264, 266]
        )
        self.assertEqual(
            sorted(c.name for c in case.charges.all()), ["盗窃罪", "诈骗罪"]
        )
        self.assertEqual(case.level, "guiding")
