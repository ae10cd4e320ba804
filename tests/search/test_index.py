"""Courses and lessons are indexed through the generic Wagtail page adapter."""

from __future__ import annotations

from search import index
from search.backends import get_search_backend
from search.selectors import search_documents
from tests.base import BaseTestCase
from tests.courses.factories import (
    course,
    course_index,
    lesson,
    practice_block,
    text_block,
)

from .base import TempIndexMixin


class CourseIndexingTests(TempIndexMixin, BaseTestCase):
    def test_course_and_lesson_text_is_searchable_and_answers_are_not_indexed(
        self,
    ) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            page = course(course_index(), title="受案立案规范")
            lesson(
                page,
                title="第一讲 受案登记",
                blocks=[
                    text_block("<p>接报案件应当当场登记，出具受案回执。</p>"),
                    practice_block(),
                ],
            )
        self.assertIn("course", index.doc_types())
        backend = get_search_backend()
        doc = backend.get("course", f"lesson-{page.get_children().first().pk}")
        self.assertIn("受案回执", doc.body)
        self.assertNotIn("True", doc.body)
        results = search_documents(
            user=self.officer, text="受案回执", doc_types=["course"], mode="keyword"
        )
        self.assertEqual(results.hits[0].title, "第一讲 受案登记")
        self.assertIsNotNone(backend.get("course", f"course-{page.pk}"))
