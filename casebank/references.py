"""Find statute references in free text and resolve them to articles.

Understands the ways officers and courts write a citation:

    刑法第264条 / 刑法第二百六十四条 / 《中华人民共和国刑法》第二百六十四条之一
    《治安管理处罚法》第四十九条 / 治安法第43条第2款第（二）项 / 刑诉法第82条
    刑法第二百六十四条、第二百六十六条   (the second inherits the law)

Law names are matched against a table of common abbreviations (``LAW_ALIASES``), the
"中华人民共和国…法" pattern, or anything inside 《》.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

# Alias → canonical short name (the law's name without "中华人民共和国"). Longest first when
# matching, so 刑事诉讼法 wins over 刑法 and 治安管理处罚法 over 治安法.
LAW_ALIASES: dict[str, str] = {
    "刑法": "刑法",
    "刑事诉讼法": "刑事诉讼法",
    "刑诉法": "刑事诉讼法",
    "治安管理处罚法": "治安管理处罚法",
    "治安处罚法": "治安管理处罚法",
    "治安法": "治安管理处罚法",
    "治安管理法": "治安管理处罚法",
    "行政处罚法": "行政处罚法",
    "行政强制法": "行政强制法",
    "行政复议法": "行政复议法",
    "行政诉讼法": "行政诉讼法",
    "人民警察法": "人民警察法",
    "警察法": "人民警察法",
    "反电信网络诈骗法": "反电信网络诈骗法",
    "反电诈法": "反电信网络诈骗法",
    "道路交通安全法": "道路交通安全法",
    "道交法": "道路交通安全法",
    "禁毒法": "禁毒法",
    "民法典": "民法典",
    "宪法": "宪法",
    "国家赔偿法": "国家赔偿法",
    "未成年人保护法": "未成年人保护法",
    "预防未成年人犯罪法": "预防未成年人犯罪法",
    "反家庭暴力法": "反家庭暴力法",
    "网络安全法": "网络安全法",
    "数据安全法": "数据安全法",
    "个人信息保护法": "个人信息保护法",
    "反恐怖主义法": "反恐怖主义法",
    "出境入境管理法": "出境入境管理法",
    "出入境管理法": "出境入境管理法",
    "居民身份证法": "居民身份证法",
    "枪支管理法": "枪支管理法",
    "监察法": "监察法",
    "刑诉解释": "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    "刑诉法解释": "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    "高法解释": "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释": "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    "最高人民法院关于适用《刑事诉讼法》的解释": "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
    "公安机关办理刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安部刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安部规定": "公安机关办理刑事案件程序规定",
    "公安机关办理行政案件程序规定": "公安机关办理行政案件程序规定",
    "公安部行政案件程序规定": "公安机关办理行政案件程序规定",
    "行政案件程序规定": "公安机关办理行政案件程序规定",
    "人民检察院刑事诉讼规则": "人民检察院刑事诉讼规则",
    "高检规则": "人民检察院刑事诉讼规则",
}

NUM = r"[0-9０-９]+|[零〇○一二两三四五六七八九十百千]+"
_ALIAS_PATTERN = "|".join(
    sorted((re.escape(a) for a in LAW_ALIASES), key=len, reverse=True)
)
# 《…》 may nest one pair of 《》 (最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释).
_BRACKETED = r"《(?P<bracketed>(?:[^《》]|《[^《》]*》){1,80})》"
_PRC = r"(?P<prc>中华人民共和国[\u4e00-\u9fff]{1,20}?(?:法典|法))"
_ALIAS = rf"(?P<alias>(?:中华人民共和国)?(?:{_ALIAS_PATTERN}))"
_TAIL = (
    rf"(?P<di>第)?(?P<article>{NUM})条"
    rf"(?:之(?P<sub>{NUM}))?"
    rf"(?:第(?P<para>{NUM})款)?"
    rf"(?:第[（(]?(?P<item>{NUM})[）)]?项)?"
)
REFERENCE_RE = re.compile(
    rf"(?:{_BRACKETED}|{_PRC}|{_ALIAS})(?:(?:的|中|规定的)?)\s*{_TAIL}"
)
# A bare continuation after a full reference: "、第二百六十六条", "和第82条第2款".
CONTINUATION_RE = re.compile(
    rf"\s*(?:、|，|,|和|及|以及|或者|或)\s*第(?P<article>{NUM})条"
    rf"(?:之(?P<sub>{NUM}))?(?:第(?P<para>{NUM})款)?(?:第[（(]?(?P<item>{NUM})[）)]?项)?"
)


class ReferenceError(ValueError):
    pass


def chinese_to_int(text: str) -> int:
    """Return the value of a numeral written in Arabic or Chinese digits (二百六十四, 264, 二六四).

    Raises ``ReferenceError`` on anything else.
    """
    text = text.strip().translate(FULLWIDTH)
    if not text:
        raise ReferenceError("empty numeral")
    if text.isdigit():
        return int(text)
    if not any(ch in CN_UNITS for ch in text):
        # Digit-by-digit form: 二六四.
        try:
            return int("".join(str(CN_DIGITS[ch]) for ch in text))
        except KeyError as e:
            raise ReferenceError(f"not a numeral: {text}") from e
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            raise ReferenceError(f"not a numeral: {text}")
    return total + current


def int_to_chinese(number: int) -> str:
    """Return ``number`` (1–9999) as written in statute labels: 264 → 二百六十四, 10 → 十."""
    if number <= 0:
        raise ReferenceError("article numbers start at 1")
    digits = "零一二三四五六七八九"
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out, rest, zero_pending = "", number, False
    for value, unit in units:
        q, rest = divmod(rest, value)
        if q:
            if zero_pending:
                out += "零"
                zero_pending = False
            out += ("" if (unit == "十" and q == 1 and not out) else digits[q]) + unit
        elif out:
            zero_pending = True
    if rest:
        if zero_pending:
            out += "零"
        out += digits[rest]
    return out


def article_label(number: int, sub_number: int = 0) -> str:
    """Return the printed label: (264, 1) → 第二百六十四条之一."""
    label = f"第{int_to_chinese(number)}条"
    if sub_number:
        label += f"之{int_to_chinese(sub_number)}"
    return label


def normalise_law_name(name: str) -> str:
    """Return the canonical short name for a law as written (aliases, 中华人民共和国 dropped)."""
    name = name.strip().strip("《》").strip()
    if name in LAW_ALIASES:
        return LAW_ALIASES[name]
    short = name.removeprefix("中华人民共和国")
    if short in LAW_ALIASES:
        return LAW_ALIASES[short]
    return short


@dataclass(frozen=True)
class Reference:
    """One statute reference found in a text."""

    law_name: str  # canonical short name, e.g. 刑法, 治安管理处罚法
    law_text: str  # as written, e.g. 《中华人民共和国刑法》, 刑诉法
    article: int
    sub_number: int = 0
    paragraph: int | None = None
    item: int | None = None
    start: int = 0
    end: int = 0
    text: str = ""

    @property
    def label(self) -> str:
        return article_label(self.article, self.sub_number)

    def __str__(self) -> str:
        out = f"{self.law_name}{self.label}"
        if self.paragraph:
            out += f"第{int_to_chinese(self.paragraph)}款"
        if self.item:
            out += f"第（{int_to_chinese(self.item)}）项"
        return out


def _optional_int(value: str | None) -> int | None:
    return chinese_to_int(value) if value else None


def parse_references(text: str) -> list[Reference]:
    """Return the statute references in ``text``, in order, with their character spans.

    A reference needs a law name (abbreviation, 中华人民共和国…法, or 《…》) followed by 第X条;
    bare 第X条 right after one (joined by 、 和 及 或) inherits that law. Malformed numerals
    are skipped rather than raised.
    """
    found: list[Reference] = []
    for match in REFERENCE_RE.finditer(text or ""):
        written = match.group("bracketed") or match.group("prc") or match.group("alias")
        if (
            match.group("di") is None
            and not match.group("article").translate(FULLWIDTH).isdigit()
        ):
            continue  # "刑法二百条" without 第 is too ambiguous to trust
        try:
            ref = Reference(
                law_name=normalise_law_name(written),
                law_text=f"《{written}》" if match.group("bracketed") else written,
                article=chinese_to_int(match.group("article")),
                sub_number=_optional_int(match.group("sub")) or 0,
                paragraph=_optional_int(match.group("para")),
                item=_optional_int(match.group("item")),
                start=match.start(),
                end=match.end(),
                text=match.group(0),
            )
        except ReferenceError:
            continue
        found.append(ref)
        position = match.end()
        while cont := CONTINUATION_RE.match(text, position):
            try:
                found.append(
                    Reference(
                        law_name=ref.law_name,
                        law_text=ref.law_text,
                        article=chinese_to_int(cont.group("article")),
                        sub_number=_optional_int(cont.group("sub")) or 0,
                        paragraph=_optional_int(cont.group("para")),
                        item=_optional_int(cont.group("item")),
                        start=cont.start()
                        + (
                            len(cont.group(0))
                            - len(cont.group(0).lstrip(" 、，,和及以或者"))
                        ),
                        end=cont.end(),
                        text=cont.group(0).lstrip(" 、，,和及以或者"),
                    )
                )
            except ReferenceError:
                break
            position = cont.end()
    return found


def parse_article_ref(text: str) -> tuple[int, int, int | None]:
    """Return (article, sub_number, paragraph) of a law-less reference such as 第103条第1款."""
    match = re.fullmatch(rf"\s*{_TAIL}\s*", text)
    if not match:
        raise ReferenceError(f"not an article reference: {text}")
    return (
        chinese_to_int(match.group("article")),
        _optional_int(match.group("sub")) or 0,
        _optional_int(match.group("para")),
    )


def find_law(law_name: str, on_date: dt.date | None = None):
    """Return the Law best matching a canonical name: in force first, newest first."""
    from django.db.models import Q

    from .models import Law, LawStatus

    candidates = list(
        Law.objects.filter(
            Q(short_name=law_name)
            | Q(name=law_name)
            | Q(name=f"中华人民共和国{law_name}")
        ).order_by("-promulgated_on", "-pk")
    )
    if not candidates:
        return None
    if on_date is not None:
        dated = [
            law
            for law in candidates
            if law.promulgated_on is None or law.promulgated_on <= on_date
        ]
        candidates = dated or candidates
    current = [law for law in candidates if law.status == LawStatus.CURRENT]
    return (current or candidates)[0]


# The longest Chinese statutes have about 1,300 articles; anything past this is not one.
MAX_ARTICLE_NUMBER = 100_000


def resolve(ref: Reference, on_date: dt.date | None = None):
    """Return the Article ``ref`` points to (None when unknown).

    With ``on_date``, the article must have had a version in force on that date.
    """
    from django.db.models import Q

    from .models import Article, Law

    if not (
        0 < ref.article <= MAX_ARTICLE_NUMBER
        and 0 <= ref.sub_number <= MAX_ARTICLE_NUMBER
    ):
        return None  # no law has such an article; also keeps the number inside an SQL integer
    names = (
        Q(short_name=ref.law_name)
        | Q(name=ref.law_name)
        | Q(name=f"中华人民共和国{ref.law_name}")
    )
    articles = (
        Article.objects.filter(
            law__in=Law.objects.filter(names),
            number=ref.article,
            sub_number=ref.sub_number,
        )
        .select_related("law")
        .order_by("-law__promulgated_on", "-pk")
    )
    preferred = find_law(ref.law_name, on_date)
    ordered = sorted(articles, key=lambda a: a.law_id != getattr(preferred, "pk", None))
    for article in ordered:
        if on_date is None or article.version_on(on_date) is not None:
            return article
    return None


def resolve_reference(text: str, on_date: dt.date | None = None):
    """Return the Article that the first reference in ``text`` points to, or None."""
    refs = parse_references(text)
    if not refs:
        return None
    return resolve(refs[0], on_date)
