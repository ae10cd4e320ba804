"""API error handling and pagination bounds, shared by every app's endpoints."""

from tests.base import BaseTestCase


class PaginationBoundsTests(BaseTestCase):
    def test_huge_offset_reads_as_the_end_of_the_list(self):
        self.login(self.system_admin)
        response = self.client.get(
            "/api/v1/people/?offset=99999999999999999999&limit=5"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["results"], [])

    def test_limit_is_capped(self):
        # An uncapped limit past a 64-bit integer made SQLite fail ("datatype mismatch").
        self.login(self.system_admin)
        response = self.client.get("/api/v1/people/?limit=99999999999999999999")
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(response.json()["results"]), 200)
