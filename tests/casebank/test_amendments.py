"""Statute maintenance in pages: a legal officer enters an amended article, a second one
approves it, and the version and "law changed, review" flags are those of an import; the
article chooser finds articles by citation (刑法264) or by words."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from casebank.models import AmendmentStatus, ArticleAmendment, FlagStatus, LawChangeFlag
from casebank.selectors import article_search
from casebank.services import amendment_propose, amendment_review
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from .factories import LawFactory, article_with_text, make_case

OLD = "盗窃公私财物，数额较大的，处三年以下有期徒刑。"
NEW = "盗窃公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。"


class AmendmentTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.law = LawFactory()
        cls.article = article_with_text(cls.law, 264, OLD)
        cls.other = article_with_text(cls.law, 266, "诈骗公私财物……")
        cls.second = UserFactory(
            username="legal_b", unit=cls.branch_b, roles=[Role.LEGAL_OFFICER]
        )

    def propose(self, **extra):
        data = {
            "actor": self.legal_officer,
            "article": self.article,
            "text": NEW,
            "effective_from": dt.date(2025, 3, 1),
            "source": "刑法修正案（测试）",
        }
        data.update(extra)
        return amendment_propose(**data)

    def test_approval_records_the_version_and_flags_citers_as_the_import_does(self):
        case = make_case("引用第264条的案例", cited=[self.article], owner=self.trainer)
        make_case("不引用的案例", cited=[self.other])
        amendment = self.propose()
        self.assertEqual(self.article.versions.count(), 1)  # nothing before review
        self.assertFalse(LawChangeFlag.objects.exists())
        amendment = amendment_review(
            amendment=amendment, reviewer=self.second, approve=True
        )
        self.assertEqual(amendment.status, AmendmentStatus.APPROVED)
        old, new = self.article.versions.order_by("effective_from")
        self.assertEqual(old.effective_to, dt.date(2025, 2, 28))
        self.assertEqual((new.text, new.effective_from), (NEW, dt.date(2025, 3, 1)))
        self.assertEqual(self.article.version_on(dt.date(2025, 3, 1)).text, NEW)
        self.assertEqual(self.article.version_on(dt.date(2025, 2, 1)).text, OLD)
        flag = LawChangeFlag.objects.get()
        self.assertEqual((flag.citer, flag.status), (case, FlagStatus.OPEN))
        self.assertIn("+" + NEW, flag.diff)
        self.assertEqual(amendment.flags_created, 1)

    def test_nobody_reviews_their_own_amendment_and_only_legal_officers_take_part(self):
        amendment = self.propose()
        with self.assertRaises(PermissionDenied):
            amendment_review(
                amendment=amendment, reviewer=self.legal_officer, approve=True
            )
        with self.assertRaises(PermissionDenied):
            amendment_review(amendment=amendment, reviewer=self.trainer, approve=True)
        with self.assertRaises(PermissionDenied):
            self.propose(actor=self.officer)
        amendment_review(amendment=amendment, reviewer=self.second, approve=False)
        self.assertEqual(self.article.versions.count(), 1)
        with self.assertRaises(ValidationError):  # already reviewed
            amendment_review(amendment=amendment, reviewer=self.second, approve=True)

    def test_bad_input_is_refused_clearly(self):
        with self.assertRaises(ValidationError):
            self.propose(text=OLD)  # the text it already has
        with self.assertRaises(ValidationError):
            self.propose(source=" ")

    def test_the_pages(self):
        self.login(self.legal_officer)
        search = self.client.get(reverse("casebank:amendment_new") + "?q=刑法264")
        self.assertContains(search, f"?article={self.article.pk}")
        self.assertNotContains(search, f"?article={self.other.pk}")
        url = reverse("casebank:amendment_new") + f"?article={self.article.pk}"
        self.assertContains(self.client.get(url), OLD)
        response = self.client.post(
            url, {"text": NEW, "effective_from": "2025-03-01", "source": "修正案"}
        )
        self.assertRedirects(response, reverse("casebank:amendment_list"))
        amendment = ArticleAmendment.objects.get()
        listing = self.client.get(reverse("casebank:amendment_list"))
        self.assertNotContains(listing, f'id="approve-{amendment.pk}"')
        self.login(self.second)
        self.client.post(
            reverse("casebank:amendment_decide", args=[amendment.pk]),
            {"decision": "approve"},
        )
        amendment.refresh_from_db()
        self.assertEqual(amendment.status, AmendmentStatus.APPROVED)
        self.login(self.officer)
        self.assertEqual(
            self.client.get(reverse("casebank:amendment_list")).status_code, 403
        )


class ArticleChooserTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.law = LawFactory()
        cls.theft = article_with_text(cls.law, 264, OLD)
        cls.fraud = article_with_text(cls.law, 266, "诈骗公私财物，数额较大的……")
        cls.police = LawFactory(
            name="中华人民共和国治安管理处罚法", short_name="治安管理处罚法"
        )
        cls.pol49 = article_with_text(cls.police, 49, "盗窃、诈骗、哄抢……")

    def test_by_citation_in_the_ways_officers_write_it(self):
        for query in (
            "刑法264",
            "刑法第264条",
            "刑法第二百六十四条",
            "《中华人民共和国刑法》第二百六十四条",
        ):
            self.assertEqual(article_search(query), [self.theft], query)
        self.assertEqual(article_search("治安管理处罚法49"), [self.pol49])

    def test_by_words(self):
        self.assertEqual(article_search("诈骗"), [self.fraud, self.pol49])
        self.assertEqual(article_search("治安 盗窃"), [self.pol49])
        self.assertEqual(article_search(""), [])

    def test_the_json_search(self):
        self.login(self.trainer)
        data = self.client.get(reverse("casebank:article_choose") + "?q=刑法266").json()
        self.assertEqual([r["id"] for r in data["results"]], [self.fraud.pk])


class ArticlePickersTests(BaseTestCase):
    """Where an article is picked in the admin, nothing lists the whole corpus."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.law = LawFactory()
        cls.theft = article_with_text(cls.law, 264, OLD)
        cls.fraud = article_with_text(cls.law, 266, "诈骗公私财物，数额较大的……")
        cls.admin = UserFactory(
            username="root", unit=cls.city, is_superuser=True, is_staff=True
        )

    def test_citations_field_resolves_what_officers_type(self):
        from django import forms

        from casebank.models import Article
        from casebank.widgets import ArticleCitationsInput

        class Form(forms.Form):
            cited = forms.ModelMultipleChoiceField(
                queryset=Article.objects.all(), widget=ArticleCitationsInput
            )

        form = Form({"cited": "刑法264\n刑法第二百六十六条"})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(list(form.cleaned_data["cited"]), [self.theft, self.fraud])
        bad = Form({"cited": "刑法264\n不存在的法第1条"})
        self.assertFalse(bad.is_valid())
        rendered = str(Form(initial={"cited": [self.theft.pk]})["cited"])
        self.assertIn(self.theft.citation, rendered)
        self.assertNotIn("<option", rendered)

    def test_case_editor_has_no_select_of_every_article(self):
        from tests.accounts.helpers import login_verified

        case = make_case("引用案例", cited=[self.theft])
        login_verified(self.client, self.admin)
        page = self.client.get(f"/admin/pages/{case.pk}/edit/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, '<textarea name="cited_articles"')
        self.assertContains(page, self.theft.citation)
        self.assertNotContains(page, str(self.fraud))  # the corpus is not listed

    def test_admin_chooser_searches_by_citation(self):
        from django.urls import reverse as url

        from casebank.models import Article
        from tests.accounts.helpers import login_verified

        login_verified(self.client, self.admin)
        viewset = Article.snippet_viewset.chooser_viewset
        results = self.client.get(
            url(viewset.get_url_name("choose_results")) + "?q=刑法266"
        )
        self.assertEqual(results.status_code, 200)
        self.assertContains(results, str(self.fraud))
        self.assertNotContains(results, str(self.theft))
