"""StreamField blocks of a lesson.

Practice questions keep their answer key on the server: the block's template renders
the stem and the choices only, and the answer is checked by ``services.practice_answer``.
"""

from __future__ import annotations

from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class VideoBlock(blocks.StructBlock):
    """A local video file (a Wagtail document: mp4/webm). Progress is tracked."""

    title = blocks.CharBlock(label=_("title"), required=False)
    video = DocumentChooserBlock(label=_("video file"))
    transcript = blocks.TextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class PdfBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False)
    document = DocumentChooserBlock(label=_("PDF document"))

    class Meta:
        icon = "doc-full"
        label = _("PDF document")
        template = "courses/blocks/pdf.html"


class ArticleBlock(blocks.StructBlock):
    """A statute article from the statute library; shows the text of the version in
    force on the day the lesson is read."""

    article = SnippetChooserBlock("casebank.Article", label=_("article"))
    note = blocks.TextBlock(label=_("teaching note"), required=False)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        article = value["article"]
        context["version"] = article.current_version() if article is not None else None
        try:
            context["article_url"] = (
                article.get_absolute_url() if article is not None else ""
            )
        except NoReverseMatch:
            context["article_url"] = ""
        return context

    class Meta:
        icon = "doc-full-inverse"
        label = _("Statute article")
        template = "courses/blocks/article.html"


class CaseBlock(blocks.StructBlock):
    """A typical case from the case bank, shown only to those allowed to see it."""

    case = blocks.PageChooserBlock(
        page_type="casebank.CasePage", label=_("typical case")
    )
    note = blocks.TextBlock(label=_("teaching note"), required=False)

    def get_context(self, value, parent_context=None):
        from casebank.selectors import case_is_visible_to

        context = super().get_context(value, parent_context=parent_context)
        case = value["case"]
        request = (parent_context or {}).get("request")
        user = getattr(request, "user", None)
        context["case_visible"] = bool(
            case is not None
            and case.live
            and user is not None
            and case_is_visible_to(user, case.specific)
        )
        context["case_page"] = case.specific if case is not None else None
        return context

    class Meta:
        icon = "folder-open-inverse"
        label = _("Typical case")
        template = "courses/blocks/case.html"


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("choice"))
    correct = blocks.BooleanBlock(label=_("correct"), required=False)


class PracticeQuestionBlock(blocks.StructBlock):
    """A single- or multiple-choice question with immediate feedback."""

    stem = blocks.TextBlock(label=_("question"))
    choices = blocks.ListBlock(ChoiceBlock(), label=_("choices"), min_num=2)
    explanation = blocks.TextBlock(
        label=_("explanation shown after answering"), required=False
    )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # Single or multiple choice is shown to the learner (单选/多选), never which.
        context["multiple"] = len(correct_indexes(value)) > 1
        return context

    class Meta:
        icon = "help"
        label = _("Practice question")
        template = "courses/blocks/practice.html"


def correct_indexes(value) -> set[int]:
    """Return the indexes of the correct choices of a practice question's value."""
    return {i for i, choice in enumerate(value["choices"]) if choice["correct"]}


class LessonStreamBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        label=_("Text"),
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "blockquote"],
        template="courses/blocks/rich_text.html",
    )
    video = VideoBlock()
    pdf = PdfBlock()
    article = ArticleBlock()
    case = CaseBlock()
    practice = PracticeQuestionBlock()
