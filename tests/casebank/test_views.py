import datetime as dt

from django.test import TestCase
from django.urls import reverse

from casebank.models import FlagStatus, LawChangeFlag
from casebank.services import article_version_add, law_change_flags_create
from tests.base import BaseTestCase, PersonasMixin
from tests.casebank.factories import (
    ArticleVersionFactory,
    ChargeFactory,
    LawFactory,
    LegalElementFactory,
    article_with_text,
    make_case,
    make_guideline,
)

SECRET = "东城专案组内部案例"


class CasebankViewTestCase(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.law = LawFactory(name="中华人民共和国刑法", short_name="刑法")
        cls.theft = article_with_text(cls.law, 264, "盗窃公私财物，数额较大的……")
        cls.gambling = article_with_text(
            cls.law,
            303,
            "开设赌场的，处五年以下有期徒刑……",
            effective_from=dt.date(2021, 3, 1),
        )
        ArticleVersionFactory(
            article=cls.gambling,
            text="开设赌场的，处三年以下有期徒刑……",
            effective_from=dt.date(2006, 6, 29),
            effective_to=dt.date(2021, 2, 28),
        )
        cls.charge = ChargeFactory(name="盗窃罪")
        cls.charge.articles.set([cls.theft])
        cls.charge.save()
        cls.element = LegalElementFactory(
            charge=cls.charge,
            kind="objective",
            title="窃取行为",
            evidence_guide="调取视频监控和销赃记录",
        )
        cls.public = make_case(
            "张某盗窃电动车案",
            cited=[cls.theft],
            charges=[cls.charge],
            keywords="盗窃",
            case_date=dt.date(2024, 3, 1),
            owner=cls.legal_officer,
        )
        cls.restricted = make_case(
            SECRET,
            restricted_units=[cls.branch_a],
            cited=[cls.theft],
            charges=[cls.charge],
            keywords="盗窃",
            facts="专案细节",
        )


class RestrictedCaseLeakTests(CasebankViewTestCase):
    """A user of another unit never sees the restricted case anywhere."""

    def assert_hidden(self, response):
        self.assertNotContains(response, SECRET, status_code=response.status_code)

    def test_case_library_list(self):
        index_url = self.public.get_parent().url
        self.login(self.officer_b)
        self.assert_hidden(self.client.get(index_url))
        self.assert_hidden(self.client.get(index_url, {"q": "盗窃"}))
        self.login(self.officer)
        self.assertContains(self.client.get(index_url), SECRET)

    def test_detail_page_is_not_found_restricted_urls_answer_404_not_403(self):
        self.login(self.officer_b)
        response = self.client.get(self.restricted.url)
        self.assertEqual(response.status_code, 404)
        self.assert_hidden(response)
        self.login(self.officer)
        self.assertContains(self.client.get(self.restricted.url), "专案细节")

    def test_article_and_charge_pages(self):
        self.login(self.officer_b)
        self.assert_hidden(
            self.client.get(reverse("casebank:article_detail", args=[self.theft.pk]))
        )
        self.assert_hidden(
            self.client.get(reverse("casebank:charge_detail", args=[self.charge.pk]))
        )
        self.assert_hidden(self.client.get(reverse("casebank:home")))
        self.assertContains(
            self.client.get(reverse("casebank:article_detail", args=[self.theft.pk])),
            "张某盗窃电动车案",
        )

    def test_feed(self):
        self.login(self.officer_b)
        response = self.client.get(reverse("casebank:case_feed"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "张某盗窃电动车案")
        self.assert_hidden(response)

    def test_api_list_search_and_detail(self):
        self.login(self.officer_b)
        listing = self.client.get("/api/v1/cases/")
        self.assertEqual(listing.status_code, 200)
        self.assertEqual(
            [c["title"] for c in listing.json()["results"]], ["张某盗窃电动车案"]
        )
        self.assert_hidden(self.client.get("/api/v1/cases/", {"q": "专案"}))
        self.assertEqual(
            self.client.get(f"/api/v1/cases/{self.restricted.pk}").status_code, 404
        )
        self.login(self.officer)
        self.assertEqual(
            self.client.get(f"/api/v1/cases/{self.restricted.pk}").json()["title"],
            SECRET,
        )

    def test_anonymous_gets_nothing(self):
        self.assertEqual(self.client.get("/api/v1/cases/").status_code, 401)
        self.assertEqual(self.client.get(self.public.url).status_code, 302)
        self.assertEqual(
            self.client.get(reverse("casebank:case_feed")).status_code, 302
        )


class StatuteViewTests(CasebankViewTestCase):
    def test_article_shows_the_version_in_force_on_a_date(self):
        self.login(self.officer)
        url = reverse("casebank:article_detail", args=[self.gambling.pk])
        self.assertContains(
            self.client.get(url, {"date": "2019-05-01"}), "处三年以下有期徒刑"
        )
        current = self.client.get(url)
        self.assertContains(current, "处五年以下有期徒刑")
        self.assertContains(
            current, "-开设赌场的，处三年以下有期徒刑……"
        )  # diff between versions
        self.assertContains(
            self.client.get(url, {"date": "1990-01-01"}), "该日期本条没有施行中的文本"
        )

    def test_law_page_with_chapters_and_date(self):
        self.login(self.officer)
        response = self.client.get(
            reverse("casebank:law_detail", args=[self.law.pk]), {"date": "2019-05-01"}
        )
        self.assertContains(response, "处三年以下有期徒刑")
        self.assertNotContains(response, "处五年以下有期徒刑")

    def test_lookup_redirects_to_the_article(self):
        self.login(self.officer)
        response = self.client.get(
            reverse("casebank:lookup"), {"q": "刑法第二百六十四条"}
        )
        self.assertRedirects(
            response, reverse("casebank:article_detail", args=[self.theft.pk])
        )
        response = self.client.get(
            reverse("casebank:lookup"), {"q": "《刑法》第303条", "date": "2019-05-01"}
        )
        self.assertRedirects(
            response,
            reverse("casebank:article_detail", args=[self.gambling.pk])
            + "?date=2019-05-01",
            fetch_redirect_response=False,
        )
        self.assertContains(
            self.client.get(reverse("casebank:lookup"), {"q": "没有引用"}),
            "没有找到法条引用",
        )

    def test_charge_page_shows_elements(self):
        self.login(self.officer)
        response = self.client.get(
            reverse("casebank:charge_detail", args=[self.charge.pk])
        )
        self.assertContains(response, "窃取行为")
        self.assertContains(response, "调取视频监控和销赃记录")

    def test_case_page_links_cited_article_at_case_date(self):
        self.login(self.officer)
        response = self.client.get(self.public.url)
        self.assertContains(
            response,
            reverse("casebank:article_detail", args=[self.theft.pk])
            + "?date=2024-03-01",
        )

    def test_api_article_on_date_laws_and_charges(self):
        self.login(self.officer)
        data = self.client.get(
            f"/api/v1/articles/{self.gambling.pk}", {"date": "2019-05-01"}
        ).json()
        self.assertIn("三年以下", data["version"]["text"])
        self.assertEqual(len(data["versions"]), 2)
        self.assertEqual(
            self.client.get("/api/v1/laws/").json()["results"][0]["article_count"], 2
        )
        charges = self.client.get("/api/v1/charges/").json()["results"]
        self.assertEqual(charges[0]["name"], "盗窃罪")
        detail = self.client.get(f"/api/v1/charges/{self.charge.pk}").json()
        self.assertEqual(detail["elements"][0]["title"], "窃取行为")
        refs = self.client.get("/api/v1/references/", {"q": "依照刑法第264条"}).json()[
            "results"
        ]
        self.assertEqual(refs[0]["article_id"], self.theft.pk)

    def test_openapi_schema_documents_the_endpoints(self):
        self.login(self.officer)
        schema = self.client.get(
            "/api/v1/schema/", HTTP_ACCEPT="application/json"
        ).content.decode()
        for path in (
            "/api/v1/articles/{id}",
            "/api/v1/laws/",
            "/api/v1/charges/",
            "/api/v1/cases/",
        ):
            self.assertIn(path, schema)


class FlagViewTests(CasebankViewTestCase):
    def test_owner_sees_flag_with_diff_and_resolves_it(self):
        guideline = make_guideline(
            "盗窃案件办理指引", cited=[self.theft], owner=self.trainer
        )
        _, change = article_version_add(
            article=self.theft,
            text="盗窃公私财物，数额较大的，或者多次盗窃……",
            effective_from=dt.date(2026, 1, 1),
        )
        flags = law_change_flags_create([change])
        self.assertEqual(len(flags), 3)  # two cases and the guideline
        self.login(self.legal_officer)
        response = self.client.get(reverse("casebank:flag_list"))
        self.assertContains(response, "+盗窃公私财物，数额较大的，或者多次盗窃……")
        self.assertContains(response, "张某盗窃电动车案")
        self.login(self.officer_b)  # not an owner, not a legal officer
        self.assertNotContains(
            self.client.get(reverse("casebank:flag_list")), "张某盗窃电动车案"
        )
        self.login(self.trainer)
        flag = LawChangeFlag.objects.for_object(guideline).get()
        self.client.post(reverse("casebank:flag_resolve", args=[flag.pk]))
        flag.refresh_from_db()
        self.assertEqual(flag.status, FlagStatus.RESOLVED)
        self.assertEqual(flag.resolved_by, self.trainer)


class AdminLeakTests(CasebankViewTestCase):
    def test_admin_explorer_hides_and_refuses_restricted_pages_of_other_units(self):
        from django.contrib.auth.models import Group, Permission

        from wagtail.models import GroupPagePermission

        group, _ = Group.objects.get_or_create(name="legal_officer")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        for codename in ("change_page", "add_page"):
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=self.public.get_parent(),
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        west_legal = self.officer_b
        west_legal.groups.add(group)
        self.login(west_legal)
        listing = self.client.get(f"/admin/pages/{self.public.get_parent().pk}/")
        self.assertContains(listing, "张某盗窃电动车案")
        self.assertNotContains(listing, SECRET)
        refused = self.client.get(f"/admin/pages/{self.restricted.pk}/edit/")
        # 404, not Wagtail's permission-denied redirect (issue 13: restricted material
        # does not exist for people outside the restriction).
        self.assertEqual(refused.status_code, 404)
        self.assertNotContains(refused, "专案细节", status_code=404)
        self.legal_officer.groups.add(group)
        self.login(self.legal_officer)
        self.assertContains(
            self.client.get(f"/admin/pages/{self.public.get_parent().pk}/"), SECRET
        )


class HugeNumberTests(BaseTestCase):
    """Numbers past an SQL integer (found by the API fuzzer) are refused quietly, not 500."""

    def test_article_list_with_huge_law_id_or_article_number(self):
        self.login(self.legal_officer)
        for query in (
            "law=99999999999999999999999",
            "q=刑法第99999999999999999999999条",
        ):
            response = self.client.get(f"/api/v1/articles/?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertEqual(response.json()["count"], 0, query)

    def test_case_list_with_huge_charge_id(self):
        self.login(self.legal_officer)
        response = self.client.get("/api/v1/cases/?charge=99999999999999999999999")
        self.assertEqual(response.status_code, 200)
