"""Guidelines are searchable like cases, and restricted ones stay inside their units."""

from __future__ import annotations

from search.selectors import search_documents
from tests.base import BaseTestCase
from tests.casebank.factories import make_guideline

from .base import TempIndexMixin


class GuidelineIndexingTests(TempIndexMixin, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with self.captureOnCommitCallbacks(execute=True):
            self.public = make_guideline(
                "接处警工作实战指引",
                topic="接处警",
                summary="接警后五分钟内出警，现场先行处置，固定证据。",
            )
            self.secret = make_guideline(
                "西城分局涉案财物管理细则",
                topic="涉案财物管理",
                summary="涉案财物入库登记、移交与处置的细则。",
                restricted_units=[self.branch_b],
            )

    def titles(self, user, text: str) -> list[str]:
        page = search_documents(
            user=user, text=text, doc_types=["guideline"], mode="keyword"
        )
        return [hit.title for hit in page.hits]

    def test_published_guideline_is_found(self) -> None:
        self.assertIn("接处警工作实战指引", self.titles(self.officer, "接处警"))

    def test_restricted_guideline_stays_inside_its_units(self) -> None:
        self.assertIn(
            "西城分局涉案财物管理细则", self.titles(self.officer_b, "涉案财物")
        )
        self.assertNotIn(
            "西城分局涉案财物管理细则", self.titles(self.officer, "涉案财物")
        )

    def test_unpublished_guideline_leaves_the_index(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.public.unpublish()
        self.assertNotIn("接处警工作实战指引", self.titles(self.officer, "接处警"))
