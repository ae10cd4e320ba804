"""Article pickers that work with the 64,670-article national corpus loaded: never a
<select> of every article."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import id_param, id_params

LINE_SPLIT = re.compile(r"[\n；;]+")


class ArticleCitationsInput(forms.Textarea):
    """The chosen articles as citations, one per line. A line written as officers cite
    (刑法264, 刑法第二百六十四条, 《治安管理处罚法》第49条) becomes that article; a line that
    names no article is kept as written, so the field reports it as an invalid choice."""

    def __init__(self, attrs=None) -> None:
        defaults = {
            "rows": 4,
            "placeholder": _(
                "One citation per line, e.g. 刑法264 or 治安管理处罚法第49条"
            ),
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value) -> str:
        from .models import Article

        if not value:
            return ""
        items = value if isinstance(value, list | tuple) else [value]
        ids = id_params(items)
        by_id = Article.objects.select_related("law").in_bulk(ids)
        lines = []
        for item in items:
            article = by_id.get(id_param(item) or 0)
            lines.append(article.citation if article else str(item))
        return "\n".join(lines)

    def value_from_datadict(self, data, files, name) -> list[str]:
        from .selectors import articles_by_citation

        text = data.get(name, "") or ""
        values: list[str] = []
        for line in LINE_SPLIT.split(text):
            line = line.strip()
            if not line:
                continue
            found = articles_by_citation(line)
            if not found:
                values.append(line)  # reported by the field as an invalid choice
            for article in found:
                if str(article.pk) not in values:
                    values.append(str(article.pk))
        return values

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data
