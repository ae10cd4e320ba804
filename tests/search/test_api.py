"""The search and link API: token auth, unit scoping, errors, schema."""

from __future__ import annotations

from django.test import override_settings

from rest_framework.test import APIClient

from accounts.authentication import api_token_issue
from audit.models import AuditEntry
from tests.base import BaseTestCase

from .base import ClassIndexMixin
from .factories import legal_corpus


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
class SearchApiTests(ClassIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.corpus = legal_corpus(restricted_unit=cls.branch_b)
        cls.rebuild_all()
        _, cls.token_a = api_token_issue(user=cls.legal_officer)
        _, cls.token_b = api_token_issue(user=cls.officer_b)

    def api(self, token: str | None = None) -> APIClient:
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    def test_anonymous_is_refused(self) -> None:
        response = self.api().get("/api/v1/search", {"q": "盗窃"})
        self.assertIn(response.status_code, (401, 403))

    def test_bad_token_is_refused(self) -> None:
        response = self.api("not-a-token").get("/api/v1/search", {"q": "盗窃"})
        self.assertEqual(response.status_code, 401)

    def test_search_with_token_is_scoped_to_the_tokens_user(self) -> None:
        secret = str(self.corpus["cases"]["secret"].pk)
        response = self.api(self.token_a).get(
            "/api/v1/search", {"q": "盗窃 电缆", "type": "case"}
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertNotIn(secret, [r["id"] for r in body["results"]])
        self.assertEqual(
            set(body["results"][0])
            >= {"type", "id", "source_id", "title", "score", "snippet"},
            True,
        )
        response = self.api(self.token_b).get(
            "/api/v1/search", {"q": "盗窃 电缆", "type": "case"}
        )
        self.assertEqual(response.json()["results"][0]["id"], secret)
        self.assertEqual(response.json()["results"][0]["source_id"], "case-secret")

    def test_filters_facets_and_pagination(self) -> None:
        response = self.api(self.token_a).get(
            "/api/v1/search",
            {
                "q": "被告人",
                "type": "case",
                "year": "2022",
                "facets": "charge,year",
                "limit": 1,
                "mode": "keyword",
            },
        )
        body = response.json()
        self.assertEqual(body["total"], 2)
        self.assertEqual(len(body["results"]), 1)
        self.assertEqual(body["facets"]["year"], {"2022": 2})

    def test_a_law_facet_lists_each_law_once(self) -> None:
        # Articles index both names of their law; the answer counts the law once, under
        # the name a filter uses, as the search page does.
        body = (
            self.api(self.token_a)
            .get("/api/v1/search", {"q": "盗窃", "facets": "law"})
            .json()
        )
        laws = body["facets"]["law"]
        self.assertEqual(list(laws), ["刑法"])
        self.assertLessEqual(laws["刑法"], body["total"])
        filtered = (
            self.api(self.token_a)
            .get("/api/v1/search", {"q": "盗窃", "law": "刑法"})
            .json()
        )
        self.assertEqual(filtered["total"], laws["刑法"])

    def test_invalid_parameters_are_a_clear_400(self) -> None:
        response = self.api(self.token_a).get("/api/v1/search", {"q": "x", "limit": 0})
        self.assertEqual(response.status_code, 400)
        self.assertIn("limit", response.json()["error"]["details"])
        response = self.api(self.token_a).get(
            "/api/v1/search", {"q": "x", "year": "二〇二二"}
        )
        self.assertEqual(response.status_code, 400)

    def test_exact_reference(self) -> None:
        body = self.api(self.token_a).get("/api/v1/search", {"q": "刑法第264条"}).json()
        self.assertEqual(
            body["exact"]["source_id"], self.corpus["articles"][264].source_id
        )
        self.assertEqual(body["results"][0]["type"], "article")

    def test_link(self) -> None:
        text = "犯罪嫌疑人撬开被害人家门锁，秘密窃取现金三千元和手机一部，小区监控录像拍到其离开。"
        response = self.api(self.token_a).post(
            "/api/v1/link", {"text": text, "limit": 2}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertLessEqual(len(body["precedents"]), 2)
        self.assertEqual(body["charges"][0]["name"], "盗窃罪")
        self.assertEqual(
            set(body["articles"][0]) >= {"law", "label", "source_id", "score"}, True
        )
        self.assertTrue(any(e["mentioned"] for e in body["elements"]))
        entry = AuditEntry.objects.filter(action="search.link_case").latest("pk")
        self.assertNotIn(
            text, str(entry.details)
        )  # the description itself is not logged

    def test_link_rejects_empty_text(self) -> None:
        response = self.api(self.token_a).post(
            "/api/v1/link", {"text": "盗"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("error", response.json())

    def test_schema_documents_both_endpoints(self) -> None:
        self.client.force_login(self.system_admin)
        schema = self.client.get(
            "/api/v1/schema/", HTTP_ACCEPT="application/json"
        ).content.decode()
        self.assertIn("/api/v1/search", schema)
        self.assertIn("/api/v1/link", schema)


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
class SearchPageTests(ClassIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.corpus = legal_corpus(restricted_unit=cls.branch_b)
        cls.rebuild_all()

    def test_search_page_shows_highlighted_results_and_facets(self) -> None:
        self.client.force_login(self.officer)
        response = self.client.get("/search/", {"q": "醉酒驾驶"})
        self.assertContains(response, "李某醉酒驾驶案")
        self.assertContains(response, "<mark>")
        self.assertNotContains(response, "内部通报盗窃电缆案")

    def test_link_page_for_legal_officer(self) -> None:
        self.client.force_login(self.legal_officer)
        response = self.client.post(
            "/search/link/",
            {"text": "嫌疑人撬锁入户，秘密窃取现金和手机，监控录像拍到其离开。"},
        )
        self.assertContains(response, "盗窃罪")
        self.assertContains(response, 'id="elements"')
        self.assertNotContains(response, "内部通报盗窃电缆案")

    def test_link_page_short_text_error(self) -> None:
        self.client.force_login(self.legal_officer)
        response = self.client.post("/search/link/", {"text": "偷"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False)
class LinkAudienceTests(BaseTestCase):
    """Case linking is for legal officers and leaders: the page, the API and the
    navigation refuse everyone else, in Chinese, and the refusal is audited."""

    TEXT = "嫌疑人撬锁入户，秘密窃取现金和手机，监控录像拍到其离开。"
    REFUSAL = "案件关联仅供法制员和领导使用"

    def refused(self) -> list:
        return [
            self.officer,
            self.trainer,
            self.unit_admin_a,
            self.system_admin,
            self.security_admin,
            self.audit_admin,
        ]

    def test_page_refuses_other_roles_in_chinese_and_audits(self) -> None:
        for user in self.refused():
            with self.subTest(user=user.username):
                self.client.force_login(user)
                before = AuditEntry.objects.filter(
                    action="search.link_case", result="denied"
                ).count()
                for response in (
                    self.client.get("/search/link/"),
                    self.client.post("/search/link/", {"text": self.TEXT}),
                ):
                    self.assertEqual(response.status_code, 403)
                    self.assertContains(response, self.REFUSAL, status_code=403)
                    self.assertNotContains(response, 'id="link-form"', status_code=403)
                entry = AuditEntry.objects.filter(
                    action="search.link_case", result="denied"
                ).latest("pk")
                self.assertEqual(entry.actor_id, user.pk)
                self.assertEqual(entry.details["via"], "web")
                self.assertEqual(
                    AuditEntry.objects.filter(
                        action="search.link_case", result="denied"
                    ).count(),
                    before + 2,
                )

    def test_api_refuses_other_roles_with_a_403_error_body(self) -> None:
        for user in (self.officer, self.trainer, self.system_admin):
            with self.subTest(user=user.username):
                _, token = api_token_issue(user=user)
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
                response = client.post(
                    "/api/v1/link",
                    {"text": self.TEXT},
                    format="json",
                    HTTP_ACCEPT_LANGUAGE="zh-hans",
                )
                self.assertEqual(response.status_code, 403)
                error = response.json()["error"]
                self.assertEqual(error["code"], "permission_denied")
                self.assertIn(self.REFUSAL, error["message"])
                entry = AuditEntry.objects.filter(
                    action="search.link_case", result="denied"
                ).latest("pk")
                self.assertEqual(
                    (entry.actor_id, entry.details["via"]), (user.pk, "api")
                )

    def test_english_refusal_on_request(self) -> None:
        self.client.force_login(self.officer)
        response = self.client.get("/search/link/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(
            response, "Case linking is for legal officers and leaders", status_code=403
        )

    def test_nav_shows_link_only_to_legal_officers_and_leaders(self) -> None:
        for user, shown in (
            (self.legal_officer, True),
            (self.leader, True),
            (self.officer, False),
            (self.trainer, False),
            (self.system_admin, False),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get("/search/")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    'href="/search/link/"' in response.content.decode(), shown
                )

    def test_leader_may_open_the_page(self) -> None:
        self.client.force_login(self.leader)
        response = self.client.get("/search/link/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="link-form"')
