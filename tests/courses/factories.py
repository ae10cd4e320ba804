"""Course pages for tests, built with the real page tree (``add_child``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile

from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents.models import Document
from wagtail.models import Collection, Locale, Page, Site

from courses.models import CourseAudienceRule, CourseIndexPage, CoursePage, LessonPage


def ensure_site() -> Page:
    """Return the default site's home page, rebuilding the page tree and root collection
    that a transactional test's flush removed."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root")
    )
    home = root.add_child(instance=Page(title="首页", slug="home"))
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    return home


def course_index(
    title: str = "课程中心", parent: Page | None = None
) -> CourseIndexPage:
    parent = parent or ensure_site()
    index = CourseIndexPage(title=title, slug=f"courses-{uuid.uuid4().hex[:8]}")
    parent.add_child(instance=index)
    return index


def course(
    index: CourseIndexPage,
    *,
    title: str = "受案立案规范",
    hours: str = "2",
    category: str = "law",
    required: bool = True,
    rules: list[dict] | None = None,
    live: bool = True,
    **fields,
) -> CoursePage:
    page = CoursePage(
        title=title,
        slug=f"c-{uuid.uuid4().hex[:8]}",
        summary=f"{title}的课程简介",
        credit_hours=Decimal(hours),
        category=category,
        required=required,
        live=live,
        **fields,
    )
    for rule in rules or []:
        page.audience_rules.add(CourseAudienceRule(**rule))
    index.add_child(instance=page)
    if live:
        page.save_revision().publish()
    return page


def video_document(seconds_label: str = "demo") -> Document:
    doc = Document(title=f"视频{seconds_label}")
    doc.file.save(f"{seconds_label}.mp4", ContentFile(b"\x00" * 64), save=True)
    return doc


def text_block(text: str = "<p>第一讲内容</p>") -> dict:
    return {"type": "rich_text", "value": text, "id": str(uuid.uuid4())}


def video_block(document: Document) -> dict:
    return {
        "type": "video",
        "value": {"title": "讲解视频", "video": document.pk, "transcript": ""},
        "id": str(uuid.uuid4()),
    }


def practice_block(
    stem: str = "立案审查期限一般为几日？",
    correct: tuple[int, ...] = (1,),
    choices: tuple[str, ...] = ("三日", "七日", "三十日"),
) -> dict:
    return {
        "type": "practice",
        "value": {
            "stem": stem,
            "choices": [
                {"text": c, "correct": i in correct} for i, c in enumerate(choices)
            ],
            "explanation": "依据《公安机关办理刑事案件程序规定》。",
        },
        "id": str(uuid.uuid4()),
    }


def lesson(
    course_page: CoursePage,
    *,
    title: str = "第一讲",
    blocks: list[dict] | None = None,
    live: bool = True,
    min_engaged_minutes: int | None = 0,
) -> LessonPage:
    # Lessons need no engaged time unless a test is about it (tests/courses/test_evidence.py).
    page = LessonPage(
        title=title,
        slug=f"l-{uuid.uuid4().hex[:8]}",
        body=blocks or [text_block()],
        live=live,
        min_engaged_minutes=min_engaged_minutes,
    )
    course_page.add_child(instance=page)
    if live:
        page.save_revision().publish()
    return page
