"""Design-system template tags: ``{% icon "bell" %}`` draws an icon from the SVG sprite
in ``core/icons.svg`` (no icon font, no emoji: both show as empty boxes on intranet PCs
without the fonts)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

# The symbols in static/core/icons.svg; an unknown name is a template error, not a blank.
ICONS = frozenset(
    {
        "alert",
        "bell",
        "book",
        "calendar",
        "chart",
        "check",
        "chevron-left",
        "chevron-right",
        "clock",
        "download",
        "file",
        "filter",
        "flag",
        "home",
        "info",
        "list",
        "play",
        "scale",
        "search",
        "send",
        "sort",
        "user",
        "users",
        "x",
    }
)
UNKNOWN_ICON = "Unknown icon {name!r}; the sprite has: {known}."


@register.simple_tag
def icon(name: str, label: str = "", size: str = "") -> str:
    """Return an inline ``<svg>`` that uses the sprite's symbol ``name``. Decorative
    (hidden from screen readers) unless ``label`` is given."""
    if name not in ICONS:
        raise template.TemplateSyntaxError(
            UNKNOWN_ICON.format(name=name, known=", ".join(sorted(ICONS)))
        )
    href = f"{static('core/icons.svg')}#{name}"
    css = f"icon icon-{size}" if size else "icon"
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}" focusable="false">'
            '<use href="{}"></use></svg>',
            css,
            label,
            href,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
        css,
        href,
    )


@register.simple_tag
def form_groups(form) -> list[dict]:
    """Return ``form``'s visible fields grouped for ``core/includes/form.html``: by the
    form's ``fieldsets`` (``[(legend, help text, [field names]), ...]``), the fields no
    set names last; one untitled group when the form declares none."""
    sets = getattr(form, "fieldsets", None) or []
    groups, used = [], set()
    for legend, help_text, names in sets:
        fields = [form[name] for name in names if name in form.fields]
        used.update(names)
        if fields:
            groups.append({"legend": legend, "help": help_text, "fields": fields})
    rest = [f for f in form.visible_fields() if f.name not in used]
    if rest:
        groups.append({"legend": "", "help": "", "fields": rest})
    return groups
