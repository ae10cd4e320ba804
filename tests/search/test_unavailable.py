"""A search engine that cannot be reached: pages and the API say so (503, in Chinese),
never a 500; the system check gives one clear error; index updates stay queued."""

from __future__ import annotations

from django.core import checks
from django.test import override_settings

from rest_framework.test import APIClient

from casebank.models import CasePage
from search.backends import reset_backends
from search.checks import check_index
from search.models import IndexState
from search.services import index_apply
from tests.base import BaseTestCase

from .factories import legal_corpus

# A real Elasticsearch client pointed at a closed port: "connection refused".
UNREACHABLE = {
    "default": {
        "BACKEND": "search.backends.elasticsearch.ElasticsearchSearchBackend",
        "URLS": ["http://127.0.0.1:9"],
        "TIMEOUT": 2,
        "SEMANTIC": False,
        "OPTIONS": {"max_retries": 0},
    }
}
MESSAGE = "检索服务暂时不可用"


@override_settings(ACCOUNTS_TWO_FACTOR_REQUIRED=False, SEARCH_BACKENDS=UNREACHABLE)
class UnreachableEngineTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        reset_backends()
        self.addCleanup(reset_backends)

    def test_search_page_degrades_to_a_503_with_the_reason(self) -> None:
        self.client.force_login(self.officer)
        response = self.client.get("/search/", {"q": "盗窃"})
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, MESSAGE, status_code=503)
        self.assertContains(
            response, 'name="q"', status_code=503
        )  # the form is still there
        self.assertNotContains(response, "127.0.0.1", status_code=503)  # no internals

    def test_link_page_degrades_to_a_503(self) -> None:
        self.client.force_login(self.legal_officer)
        response = self.client.post(
            "/search/link/", {"text": "嫌疑人撬锁入户，秘密窃取现金和手机。"}
        )
        self.assertContains(response, MESSAGE, status_code=503)

    def test_api_answers_503_with_an_error_body(self) -> None:
        client = APIClient()
        client.force_authenticate(self.legal_officer)
        for response in (
            client.get("/api/v1/search", {"q": "盗窃"}, HTTP_ACCEPT_LANGUAGE="zh-hans"),
            client.post(
                "/api/v1/link",
                {"text": "嫌疑人撬锁入户，秘密窃取现金和手机。"},
                format="json",
                HTTP_ACCEPT_LANGUAGE="zh-hans",
            ),
        ):
            self.assertEqual(response.status_code, 503)
            error = response.json()["error"]
            self.assertEqual(error["code"], "search_unavailable")
            self.assertIn(MESSAGE, error["message"])

    def test_system_check_gives_one_clear_error(self) -> None:
        messages = check_index()
        errors = [m for m in messages if m.level >= checks.ERROR]
        self.assertEqual([m.id for m in errors], ["search.E004"])
        self.assertNotIn("search.W005", [m.id for m in messages])
        self.assertIn("answer 503", errors[0].msg)

    def test_index_updates_stay_marked_for_a_retry(self) -> None:
        legal_corpus()  # marks every case and article dirty (no commit in a TestCase)
        case = CasePage.objects.live().first()
        with self.assertRaises(Exception) as caught:
            index_apply(
                app_label="casebank", model_name="casepage", object_id=str(case.pk)
            )
        self.assertEqual(type(caught.exception).__name__, "SearchUnavailable")
        state = IndexState.objects.get(model_name="casepage", object_id=str(case.pk))
        self.assertTrue(state.dirty)
        self.assertEqual(state.attempts, 1)
        self.assertIn("not reachable", state.last_error)
