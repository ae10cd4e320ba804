import datetime as dt

from django.test import TestCase

from accounts import demo as accounts_demo
from accounts.models import User
from casebank import demo
from casebank.demo_content.cases import CASES
from casebank.demo_content.charges import CHARGES
from casebank.models import Article, CasePage, Charge, GuidelinePage, LegalElement
from casebank.references import resolve_reference
from casebank.selectors import case_queryset_visible_to


class DemoSeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        accounts_demo.seed()
        demo.seed()
        demo.seed()  # idempotent

    def test_counts_and_idempotence(self):
        self.assertEqual(CasePage.objects.live().count(), len(CASES))
        self.assertGreaterEqual(len(CASES), 20)
        self.assertEqual(GuidelinePage.objects.live().count(), 4)
        self.assertEqual(Charge.objects.count(), len(CHARGES))
        self.assertEqual(
            LegalElement.objects.count(), sum(len(c["elements"]) for c in CHARGES)
        )
        self.assertEqual(Article.objects.count(), 44)

    def test_every_demo_charge_has_four_elements_with_evidence(self):
        for charge in Charge.objects.prefetch_related("elements"):
            with self.subTest(charge=charge.name):
                kinds = sorted(e.kind for e in charge.elements.all())
                self.assertEqual(
                    kinds, ["object", "objective", "subject", "subjective"]
                )
                self.assertTrue(
                    all(
                        e.evidence_guide and e.common_mistakes
                        for e in charge.elements.all()
                    )
                )
                self.assertTrue(charge.articles.exists())

    def test_version_by_date_on_demo_statutes(self):
        gambling = resolve_reference("刑法第303条")
        self.assertIn(
            "处三年以下有期徒刑",
            gambling.version_on(dt.date(2019, 5, 1)).text.splitlines()[1],
        )
        self.assertIn(
            "处五年以下有期徒刑",
            gambling.version_on(dt.date(2022, 1, 1)).text.splitlines()[1],
        )

    def test_restricted_demo_case_is_for_east_branch_only(self):
        restricted = CasePage.objects.get(visibility="restricted")
        self.assertEqual(
            list(restricted.restricted_units.values_list("code", flat=True)), ["370101"]
        )
        self.assertIn(
            restricted, case_queryset_visible_to(User.objects.get(username="legal1"))
        )
        self.assertNotIn(
            restricted, case_queryset_visible_to(User.objects.get(username="legal2"))
        )
