"""The case bank's part of an empty deployment: the case library and the guideline
library under the site's root page, and the review workflow over them and the charges."""

from __future__ import annotations

from typing import Any

from wagtail.models import Page

from core.bootstrap import site_root

from .models import CaseIndexPage, GuidelineIndexPage
from .services import casebank_review_setup

ORDER = 10


def _publish(page: Page) -> None:
    page.save_revision().publish()


def libraries_setup(
    home: Page | None = None,
) -> tuple[CaseIndexPage, GuidelineIndexPage]:
    """Return the case library and the guideline library, creating and publishing them
    under ``home`` (the site's root page) when missing. Idempotent."""
    home = home or site_root()
    cases = CaseIndexPage.objects.first()
    if cases is None:
        cases = CaseIndexPage(
            title="典型案例库",
            slug="cases",
            intro="<p>全市公安机关执法办案典型案例、参考案例和执法监督通报案例。</p>",
        )
        home.add_child(instance=cases)
        _publish(cases)
    guidelines = GuidelineIndexPage.objects.first()
    if guidelines is None:
        guidelines = GuidelineIndexPage(
            title="执法指引",
            slug="guidelines",
            intro="<p>执法标准、执法细则和实战指引。</p>",
        )
        home.add_child(instance=guidelines)
        _publish(guidelines)
    return cases, guidelines


def bootstrap(command: Any = None) -> None:
    cases, guidelines = libraries_setup()
    casebank_review_setup(sections=[cases, guidelines])
    if command is not None and command.verbosity >= 1:
        command.stdout.write(f"  案例库：{cases.title}；执法指引：{guidelines.title}")
