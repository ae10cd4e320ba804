"""Imported text comes out escaped where it is shown (hypothesis over the import paths).

Covers the importers that exist: casebank.import_cases (CAIL2018 and guiding-case JSONL).
Add the other importers here as they settle (accounts.import_people, exams question import).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import Role
from tests.accounts.factories import UnitFactory, UserFactory

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">点此</a>',
    "</textarea><script>alert(2)</script>",
]


class ImportedCaseTextTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        from tests.casebank.factories import case_index

        case_index()
        unit = UnitFactory(code="IMP", name="导入测试所")
        cls.officer = UserFactory(
            username="import-reader", unit=unit, roles=[Role.OFFICER]
        )

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.sampled_from(PAYLOADS),
        st.sampled_from(PAYLOADS),
        st.text(alphabet="盗窃被告人于年月日", max_size=8),
    )
    def test_cail_case_text_is_escaped_on_the_case_page(self, in_fact, in_name, text):
        from casebank.importers.cases import import_cases
        from casebank.models import CasePage

        record = {
            "fact": f"2018年3月1日，被告人{in_name}{text}在超市{in_fact}窃取财物。",
            "meta": {
                "accusation": ["盗窃"],
                "relevant_articles": [264],
                "criminals": [in_name],
                "punish_of_money": 1000,
                "term_of_imprisonment": {"imprisonment": 6},
            },
        }
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "cases.jsonl"
            path.write_text(
                json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            import_cases(path, fmt="cail2018", publish=True, method="wagtail")
        page = CasePage.objects.filter(facts__contains=in_fact).order_by("-pk").first()
        self.assertIsNotNone(page, "the importer did not store the record")
        self.client.force_login(self.officer)
        response = self.client.get(page.url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for payload in {in_fact, in_name}:
            self.assertNotIn(payload, html, "imported text reached the page unescaped")
        self.assertIn("&lt;", html)
