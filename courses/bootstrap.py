"""The courses app's part of an empty deployment: the course catalogue page under the
site's root page, under the course review workflow."""

from __future__ import annotations

from typing import Any

from wagtail.models import Page

from core.bootstrap import site_root

from . import services
from .models import CourseIndexPage

ORDER = 20


def catalogue_setup(home: Page | None = None) -> CourseIndexPage:
    """Return the course catalogue (the top ``CourseIndexPage``), creating and
    publishing it under ``home`` when missing, with its review workflow. Idempotent."""
    root = CourseIndexPage.objects.filter(slug="courses").first()
    if root is None:
        root = CourseIndexPage(
            title="课程中心", slug="courses", intro="全市公安机关执法培训课程。"
        )
        (home or site_root()).add_child(instance=root)
        root.save_revision().publish()
    services.course_section_publishing_setup(section=root, editor_groups=[])
    return root


def bootstrap(command: Any = None) -> None:
    root = catalogue_setup()
    if command is not None and command.verbosity >= 1:
        command.stdout.write(f"  课程目录：{root.title}")
