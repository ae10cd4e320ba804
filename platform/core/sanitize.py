"""Clean HTML that reaches a rich-text field without going through the editor.

Wagtail cleans rich text when it comes from its editor (Draftail's converter keeps only
the enabled features), but it does not clean on render: ``expand_db_html`` passes any
stored HTML through. Anything that writes a ``RichTextField`` or ``RichTextBlock`` value
directly (importers, the API, seeders) must pass it through ``sanitize_rich_text`` first.
Plain-text fields need nothing: templates escape them.
"""

from __future__ import annotations

from collections.abc import Sequence

from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter


def sanitize_rich_text(html: str, *, features: Sequence[str] | None = None) -> str:
    """Return ``html`` reduced to what the rich-text editor could have produced.

    Elements and attributes outside the enabled ``features`` (the site's defaults when
    None) are dropped; so are event-handler attributes and ``javascript:``-style URLs.
    Text content is kept (escaped)."""
    converter = EditorHTMLConverter(
        features=list(features) if features is not None else None
    )
    return converter.whitelister.clean(html or "")
