"""Find English words a person would read on a page of the Chinese UI.

Run in a real browser by ``english_on_page(page)``: it walks the text nodes that are
rendered (not ``display: none``, not ``visibility: hidden``, not inside ``<script>`` or
``<template>``), the labels a person also reads (``placeholder``, ``title``,
``aria-label``, ``alt``, a button's ``value``), every ``<option>`` of a visible
``<select>``, and the document's title. Screen-reader-only text counts: it is read out.
In each it takes the runs of Latin letters, and in a run each token: a token passes when
it is a username, an allowed word (``ALLOWED``: proper nouns and codes a Chinese UI keeps,
such as PDF or CSV), carries a digit (a police number, 120mg/100ml) or is made of option
letters (A, ABD); otherwise any of its words of two letters or more is English.
``auth.login`` is two English words: a stored code shown as it is, is English to the
reader. Each finding names the page, a CSS selector of the element and the phrase.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Words a Chinese UI keeps in Latin letters: file formats, standards and protocols,
#: product and data-set names, and the name of the other language in the language menu.
FORMATS = ["PDF", "CSV", "XLSX", "XLS", "DOCX", "PPTX", "MP4", "WEBM", "JPG", "JPEG"]
FORMATS += ["PNG", "TXT", "SVG", "ZIP", "JSON", "XML", "KB", "MB", "GB"]
CODES = ["API", "URL", "HTTP", "HTTPS", "ID", "IP", "CIDR", "TOTP", "QR", "RSS", "UTC"]
CODES += ["GMT", "OK", "xAPI", "LRS"]
NAMES = ["Excel", "Word", "WPS", "English", "LawBench", "CAIL", "CAIL2018", "JEC", "QA"]
ALLOWED = frozenset(word.lower() for word in [*FORMATS, *CODES, *NAMES])

SCRIPT = r"""
([allowed, usernames]) => {
  const allow = new Set([...allowed, ...usernames.map((u) => u.toLowerCase())]);
  const RUN = /[A-Za-z][A-Za-z0-9'’._\-\/&]*(?:[ \t\u00a0]+[A-Za-z][A-Za-z0-9'’._\-\/&]*)*/g;
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "svg", "SVG"]);
  const findings = [];

  function englishIn(text) {
    if (!text) return null;
    for (const match of text.matchAll(RUN)) {
      const run = match[0];
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(run) || run.includes("@")) continue;
      for (const token of run.split(/\s+/)) {
        const bare = token.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
        // A username, an allowed code, anything with a digit, option letters (ABD).
        if (allow.has(bare.toLowerCase()) || /\d/.test(bare) || /^[A-H]+$/.test(bare)) continue;
        const words = bare.split(/[._\-\/&'’]+/);
        if (words.some((w) => w.length >= 2 && !allow.has(w.toLowerCase()))) return run.trim();
      }
    }
    return null;
  }

  function shown(el) {
    if (!el || !el.isConnected) return false;
    if (el.closest("[hidden], template")) return false;
    if (typeof el.checkVisibility === "function") {
      return el.checkVisibility({ checkVisibilityCSS: true, checkOpacity: false });
    }
    return el.getClientRects().length > 0;
  }

  function selector(el) {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 5; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(`${part}#${node.id}`); break; }
      const cls = [...node.classList].slice(0, 2).join(".");
      if (cls) part += `.${cls}`;
      parts.unshift(part);
    }
    return parts.join(" > ");
  }

  function check(el, where, text) {
    const phrase = englishIn(text);
    if (phrase) findings.push({ selector: selector(el) + where, phrase, text: text.trim().slice(0, 120) });
  }

  const title = englishIn(document.title);
  if (title) findings.push({ selector: "title", phrase: title, text: document.title });

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || SKIP.has(parent.tagName) || parent.closest("script, style, noscript, template, svg")) continue;
    if (!node.nodeValue.trim()) continue;
    if (parent.tagName === "OPTION" || parent.tagName === "OPTGROUP") continue;
    if (!shown(parent)) continue;
    check(parent, "", node.nodeValue);
  }
  for (const el of document.body.querySelectorAll("select")) {
    if (!shown(el)) continue;
    for (const option of el.options) check(option, "", option.textContent);
  }
  const ATTRS = ["placeholder", "title", "aria-label", "alt"];
  for (const el of document.body.querySelectorAll(ATTRS.map((a) => `[${a}]`).join(","))) {
    if (!shown(el)) continue;
    for (const attr of ATTRS) if (el.hasAttribute(attr)) check(el, `[${attr}]`, el.getAttribute(attr));
  }
  for (const el of document.body.querySelectorAll("input[type=submit][value], input[type=button][value]")) {
    if (shown(el)) check(el, "[value]", el.value);
  }
  return findings;
}
"""


@dataclass(frozen=True)
class Finding:
    page: str
    selector: str
    phrase: str
    text: str

    def __str__(self) -> str:
        return f"{self.page}  {self.selector}: {self.phrase!r} (in {self.text!r})"


def english_on_page(
    page, *, usernames: list[str] | tuple[str, ...] = (), name: str = ""
) -> list[Finding]:
    """The English phrases on the page now shown in ``page`` (a Playwright page)."""
    rows = page.evaluate(SCRIPT, [sorted(ALLOWED), list(usernames)])
    where = name or page.url
    return [Finding(where, r["selector"], r["phrase"], r["text"]) for r in rows]
