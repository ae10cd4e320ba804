"""Lesson media (issue 18): video served with HTTP range requests (seek and resume on
slow links), a captions track from the transcript, PDFs downloadable."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse

from wagtail.documents.models import Document

from accounts.models import Role
from tests.base import BaseTestCase

from . import factories

PAYLOAD = bytes(range(256)) * 4  # 1024 bytes


class VideoRangeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.doc = Document(title="讲解视频")
        cls.doc.file.save("clip.mp4", ContentFile(PAYLOAD), save=True)
        cls.index = factories.course_index()
        cls.course = factories.course(
            cls.index, rules=[{"role": Role.OFFICER, "unit": cls.branch_a}]
        )
        block = factories.video_block(cls.doc)
        block["value"]["transcript"] = "第一句话。第二句话！\n第三句话"
        cls.block_id = block["id"]
        cls.lesson = factories.lesson(cls.course, blocks=[block])

    def url(self):
        return reverse("courses:media", args=[self.lesson.pk, self.block_id])

    def test_a_range_request_gets_206_with_exactly_those_bytes(self):
        self.login(self.officer)
        response = self.client.get(self.url(), HTTP_RANGE="bytes=100-199")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(response["Content-Range"], "bytes 100-199/1024")
        self.assertEqual(response["Content-Length"], "100")
        self.assertEqual(b"".join(response.streaming_content), PAYLOAD[100:200])
        self.assertEqual(response["Content-Type"], "video/mp4")

    def test_open_ended_and_suffix_ranges(self):
        self.login(self.officer)
        response = self.client.get(self.url(), HTTP_RANGE="bytes=1000-")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(b"".join(response.streaming_content), PAYLOAD[1000:])
        response = self.client.get(self.url(), HTTP_RANGE="bytes=-24")
        self.assertEqual(response["Content-Range"], "bytes 1000-1023/1024")

    def test_whole_file_says_ranges_are_accepted(self):
        self.login(self.officer)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(b"".join(response.streaming_content), PAYLOAD)

    def test_unsatisfiable_range_is_416_not_500(self):
        self.login(self.officer)
        response = self.client.get(self.url(), HTTP_RANGE="bytes=5000-6000")
        self.assertEqual(response.status_code, 416)
        self.assertEqual(response["Content-Range"], "bytes */1024")
        response = self.client.get(self.url(), HTTP_RANGE="bytes=abc")
        self.assertEqual(response.status_code, 200)  # malformed: ignored (RFC 9110)

    def test_only_videos_placed_in_a_live_lesson_are_served(self):
        other = Document(title="别的文件")
        other.file.save("secret.pdf", ContentFile(b"SECRET"), save=True)
        self.login(self.officer)
        for block_id in ("nope", str(other.pk)):
            response = self.client.get(
                reverse("courses:media", args=[self.lesson.pk, block_id])
            )
            self.assertEqual(response.status_code, 404)

    def test_visitors_must_sign_in(self):
        response = self.client.get(self.url(), HTTP_RANGE="bytes=0-1")
        self.assertEqual(response.status_code, 302)

    def test_captions_track_from_the_transcript(self):
        self.login(self.officer)
        response = self.client.get(
            reverse("courses:captions", args=[self.lesson.pk, self.block_id])
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/vtt; charset=utf-8")
        text = response.content.decode()
        self.assertTrue(text.startswith("WEBVTT"))
        self.assertIn("00:00:00.000 --> 00:00:04.000\n第一句话。", text)
        self.assertIn("第三句话", text)
        missing = self.client.get(
            reverse("courses:captions", args=[self.lesson.pk, "nope"])
        )
        self.assertEqual(missing.status_code, 404)

    def test_lesson_page_uses_the_range_view_and_the_track(self):
        self.login(self.officer)
        html = self.client.get(self.lesson.url).content.decode()
        self.assertIn(f'src="{self.url()}"', html)
        self.assertIn('<track kind="captions"', html)
        self.assertIn('class="lesson-outline', html)
        self.assertIn('aria-current="page"', html)
