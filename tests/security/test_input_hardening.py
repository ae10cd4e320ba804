"""Rich text and imported text cannot carry script (property tests with hypothesis).

Invariants checked on the HTML a page would send to the browser: no script-capable
element (script, iframe, object, embed, style, svg, math, base, form, meta, link), no
event-handler attribute (on*), no URL with a script scheme (javascript:, vbscript:,
data: other than images) in href/src/action/formaction/xlink:href.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from django.test import SimpleTestCase

from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.blocks import RichTextBlock
from wagtail.rich_text import RichText, expand_db_html, features

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sanitize import sanitize_rich_text

ROOT = Path(__file__).resolve().parents[2]
DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "base",
    "form",
    "meta",
    "link",
    "frame",
    "frameset",
    "applet",
    "template",
    "noscript",
}
URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "background",
}
SCRIPT_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript):", re.I)


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRS and value is not None:
                # Browsers ignore control characters and whitespace inside the scheme.
                squashed = re.sub(r"[\x00-\x20]+", "", unescape(value))
                if SCRIPT_SCHEME.match(squashed):
                    self.problems.append(f"{tag}[{name}={value!r}]")
            if (
                name == "style"
                and value
                and re.search(r"expression|url\s*\(", value, re.I)
            ):
                self.problems.append(f"{tag}[style={value!r}]")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


# Fragments attackers use, mixed with ordinary Chinese text and markup.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点此</a>',
    '<a href="JaVaScRiPt&#x3A;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="//evil"></iframe>',
    "<p onclick=alert(1)>段落</p>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<base href=//evil/>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<!--<script>-->alert(1)",
    '<a linktype="page" id="1" onclick="x">页</a>',
    '<embed embedtype="image" id="1" format="left" onerror="x"/>',
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<i>",
    "<h2>",
    "<ul><li>",
    "</li></ul>",
    '"',
    "'",
    "<",
    ">",
    "&",
]
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20
)
FRAGMENT = st.one_of(
    st.sampled_from(PAYLOADS),
    TEXT,
    st.sampled_from(["盗窃罪", "第二百六十四条", "民警", "\n"]),
)
HTMLISH = st.lists(FRAGMENT, min_size=1, max_size=12).map("".join)
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


class RichTextTests(SimpleTestCase):
    @FAST
    @given(HTMLISH)
    def test_sanitized_rich_text_renders_without_script(self, html):
        rendered = RichText(sanitize_rich_text(html)).__html__()
        self.assertEqual([], audit(rendered), rendered)

    @FAST
    @given(HTMLISH)
    def test_rich_text_block_value_from_the_editor_is_clean(self, html):
        """The Draftail editor's path (what a trainer's edit in the admin stores):
        contentstate -> database HTML -> RichTextBlock render."""
        converter = ContentstateConverter(features=features.get_default_features())
        contentstate = {
            "blocks": [
                {
                    "key": "a",
                    "type": "unstyled",
                    "depth": 0,
                    "text": html[:200],
                    "inlineStyleRanges": [],
                    "entityRanges": [
                        {"offset": 0, "length": min(len(html), 3), "key": 0}
                    ],
                }
            ],
            "entityMap": {
                "0": {
                    "type": "LINK",
                    "mutability": "MUTABLE",
                    "data": {"url": html[:80]},
                }
            },
        }
        stored = converter.to_database_format(json.dumps(contentstate))
        block = RichTextBlock()
        rendered = str(block.render(block.to_python(stored)))
        self.assertEqual([], audit(rendered), rendered)

    @FAST
    @given(
        st.sampled_from(["javascript", "JavaScript", "vbscript", "data"]),
        st.sampled_from(["", "\t", "&#x09;", " "]),
    )
    def test_link_urls_with_script_schemes_are_dropped(self, scheme, noise):
        html = f'<p><a href="{noise}{scheme}:alert(1)">点此</a></p>'
        self.assertEqual([], audit(expand_db_html(sanitize_rich_text(html))))

    def test_wagtail_does_not_clean_on_render_so_direct_writes_must(self):
        """Why core.sanitize exists: stored HTML is rendered as is. If Wagtail starts
        cleaning on render this test fails and sanitize_rich_text becomes optional."""
        self.assertNotEqual(
            [], audit(expand_db_html("<p><img src=x onerror=alert(1)></p>"))
        )

    def test_audit_detects_what_it_should(self):
        for bad in (
            "<script>x</script>",
            '<a href="java&#9;script:x">',
            "<p onmouseover=x>",
            "<svg/onload=x>",
        ):
            self.assertNotEqual([], audit(bad), bad)
        self.assertEqual([], audit('<p><a href="/learn/">课程</a> <b>粗体</b></p>'))


class SearchSnippetTests(SimpleTestCase):
    """Search result snippets are sent with |safe: imported case text must come out escaped
    with only <mark> added."""

    @FAST
    @given(
        HTMLISH,
        st.one_of(
            st.sampled_from(["script", "alert", "盗窃", "<", "onerror", "a"]), TEXT
        ),
    )
    def test_snippets_carry_no_markup_but_mark(self, text, query):
        from search.highlight import mark, query_terms, snippet

        for html in (snippet(text, query), mark(text, query_terms(query))):
            tags = re.findall(r"<\s*/?\s*([a-zA-Z][^\s>/]*)", html)
            self.assertTrue(set(tags) <= {"mark"}, html)
            self.assertNotIn("<mark ", html)


class TemplateEscapingTests(SimpleTestCase):
    """Imported text (cases, statutes, questions, people) reaches the browser through
    templates. A template that switches escaping off for a field must say why, in a
    reviewed allowlist here."""

    REVIEWED = {
        # file -> expressions allowed to be |safe (each produced by escaping code)
        "search/templates/search/link.html": {
            "a.snippet",
            "p.snippet",
        },  # search.highlight escapes
        "search/templates/search/includes/hit.html": {
            "hit.snippet"
        },  # search.highlight escapes
        "exams/templates/exams/manage/statistics.html": {
            "chart"
        },  # an SVG built by the view from numbers
        "platform/accounts/templates/accounts/password_change.html": {
            "field.help_text"
        },  # Django's own texts
    }

    def test_no_unreviewed_safe_filters_in_templates(self):
        found = []
        for path in ROOT.glob("**/templates/**/*.html"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith((".venv/", "var/")):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if "{% autoescape off %}" in text:
                found.append(f"{rel}: autoescape off")
            for expr in re.findall(r"\{\{\s*([^}|]+?)\s*\|\s*safe\s*\}\}", text):
                if expr not in self.REVIEWED.get(rel, set()):
                    found.append(f"{rel}: {{{{ {expr}|safe }}}}")
        self.assertEqual(
            [],
            found,
            "Review these and add them to REVIEWED with the reason they are safe.",
        )
