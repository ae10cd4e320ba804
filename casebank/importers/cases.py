"""Import cases: the CAIL2018 JSONL format and the guiding-case JSONL format.

Each accepted record becomes a ``CasePage`` under the case library, published or as a draft
(``publish``). Records are matched by ``source_id`` (the record's ``id``, else the hash of its
content): an unchanged record is skipped, a changed one updates the page.

Transactions are per batch (``batch_size`` accepted records): a batch is written entirely or
not at all; a rejected record never enters a batch. Two write paths:

* ``bulk`` (default): page rows are inserted directly with paths computed the way treebeard
  computes them, and the M2M links in bulk. No revision is made and no page signal fires;
  the new pages are announced with ``core.bulk.rows_changed`` and the search app indexes
  them once, in bulk, when the import ends.
* ``wagtail``: ``add_child`` + ``save_revision`` (+ ``publish``) per case: slower, but every
  signal fires (search indexing, audit hooks) as if an editor had made the page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wagtail.models import Page

from core.bulk import bulk_operation, rows_changed

from ..models import (
    Article,
    CaseIndexPage,
    CaseKind,
    CaseLevel,
    CasePage,
    Charge,
    content_hash,
)
from ..references import find_law, parse_references, resolve
from ..signals import cases_imported
from . import ImportAbort, ImportReport, count_lines, read_jsonl

FORMATS = ("cail2018", "guiding")
CN_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")

REJECT_NO_FACT = "缺少案情（fact）"
REJECT_NO_META = "缺少 meta 对象"
REJECT_BAD_ACCUSATION = "meta.accusation 应是非空的字符串列表"
REJECT_BAD_ARTICLES = "meta.relevant_articles 应是整数列表"
REJECT_NO_TITLE = "缺少标题（title）"
REJECT_NOT_CRIMINAL_OR_ADMIN = "不是刑事或行政案例（keywords 首项为 {first!r}）"
REJECT_BAD_DATE = "日期无法识别：{value!r}"
WARN_UNKNOWN_CHARGE = (
    "罪名库中没有“{name}”（共 {count} 条记录，首见于此行），未关联罪名"
)
WARN_UNKNOWN_ARTICLE = "条文库中没有 {ref}（共 {count} 条记录，首见于此行），未关联条文"
ERROR_NO_INDEX = (
    "还没有案例库页面（CaseIndexPage）：请先运行 manage.py bootstrap_site。"
)


@dataclass
class CaseRecord:
    line: int
    source_id: str
    digest: str
    title: str
    slug: str
    fields: dict[str, Any]
    charge_names: list[str] = field(default_factory=list)
    article_keys: list[tuple[str, int, int]] = field(
        default_factory=list
    )  # (law, number, sub)


def _first_date(text: str) -> dt.date | None:
    for y, m, d in CN_DATE_RE.findall(text):
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


def cail_charge_name(accusation: str) -> str:
    """Return the charge name for a CAIL accusation: [走私、贩卖、运输、制造]毒品 → …毒品罪."""
    name = accusation.replace("[", "").replace("]", "").strip()
    return name if name.endswith("罪") else f"{name}罪"


def _term_text(meta: dict[str, Any]) -> str:
    term = meta.get("term_of_imprisonment") or {}
    parts = []
    if term.get("death_penalty"):
        parts.append("判处死刑")
    elif term.get("life_imprisonment"):
        parts.append("判处无期徒刑")
    elif isinstance(term.get("imprisonment"), int) and term["imprisonment"] > 0:
        years, months = divmod(term["imprisonment"], 12)
        span = (f"{years}年" if years else "") + (f"{months}个月" if months else "")
        parts.append(f"判处刑期{span}")
    money = meta.get("punish_of_money")
    if isinstance(money, int | float) and money > 0:
        parts.append(f"并处罚金人民币{int(money)}元")
    return "，".join(parts) + ("。" if parts else "")


def parse_cail(line: int, record: dict[str, Any]) -> CaseRecord | str:
    """Return a CaseRecord, or the reason the record is rejected."""
    fact = record.get("fact")
    if not isinstance(fact, str) or not fact.strip():
        return REJECT_NO_FACT
    meta = record.get("meta")
    if not isinstance(meta, dict):
        return REJECT_NO_META
    accusations = meta.get("accusation")
    if (
        not isinstance(accusations, list)
        or not accusations
        or not all(isinstance(a, str) and a for a in accusations)
    ):
        return REJECT_BAD_ACCUSATION
    articles = meta.get("relevant_articles", [])
    if not isinstance(articles, list) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in articles
    ):
        return REJECT_BAD_ARTICLES
    fact = fact.strip()
    source_id = (
        str(record["id"])
        if record.get("id")
        else content_hash(fact, json.dumps(meta, sort_keys=True))
    )
    charge_names = [cail_charge_name(a) for a in accusations]
    criminals = [c for c in meta.get("criminals") or [] if isinstance(c, str)]
    who = (criminals[0] + ("等" if len(criminals) > 1 else "")) if criminals else ""
    title = f"{who}{'、'.join(n.removesuffix('罪') for n in charge_names)}案"[:255]
    fields = {
        "kind": CaseKind.CRIMINAL,
        "level": CaseLevel.REFERENCE,
        "source": "CAIL2018",
        "case_date": _first_date(fact),
        "keywords": "、".join(n.removesuffix("罪") for n in charge_names)[:500],
        "summary": fact[:140] + ("……" if len(fact) > 140 else ""),
        "facts": fact,
        "outcome": _term_text(meta),
        "source_id": source_id[:255],
    }
    return CaseRecord(
        line=line,
        source_id=source_id[:255],
        digest=content_hash(fact, json.dumps(meta, sort_keys=True)),
        title=title,
        slug=f"cail-{source_id[:16]}".lower(),
        fields=fields,
        charge_names=charge_names,
        article_keys=[("刑法", number, 0) for number in articles],
    )


def _paragraphs(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def parse_guiding(line: int, record: dict[str, Any]) -> CaseRecord | str:
    """Return a CaseRecord for a guiding case, or the reason the record is rejected."""
    title = str(record.get("title") or "").strip()
    if not title:
        return REJECT_NO_TITLE
    keywords = [str(k) for k in record.get("keywords") or []]
    first = keywords[0] if keywords else ""
    if first not in ("刑事", "行政"):
        return REJECT_NOT_CRIMINAL_OR_ADMIN.format(first=first)
    published = record.get("publishedAt")
    case_date = None
    if published:
        try:
            case_date = dt.date.fromisoformat(str(published)[:10])
        except ValueError:
            return REJECT_BAD_DATE.format(value=published)
    facts = _paragraphs(record.get("facts"))
    body = json.dumps(record, sort_keys=True, ensure_ascii=False)
    source_id = str(record.get("id") or content_hash(body))
    number = record.get("number")
    related = _paragraphs(record.get("relatedLaws"))
    keys = [
        (ref.law_name, ref.article, ref.sub_number) for ref in parse_references(related)
    ]
    fields = {
        "case_number": f"指导案例{number}号" if number else "",
        "kind": CaseKind.CRIMINAL if first == "刑事" else CaseKind.ADMINISTRATIVE,
        "level": CaseLevel.GUIDING,
        "source": (
            "最高人民法院指导性案例 " + str(record.get("issuedLine") or "")
        ).strip()[:255],
        "case_date": case_date,
        "keywords": "、".join(keywords[1:])[:500],
        "summary": _paragraphs(record.get("gist"))[:500],
        "key_points": _paragraphs(record.get("gist")),
        "facts": facts,
        "outcome": _paragraphs(record.get("result")),
        "reasoning": _paragraphs(record.get("reasoning")),
        "source_id": source_id[:255],
    }
    return CaseRecord(
        line=line,
        source_id=source_id[:255],
        digest=content_hash(body),
        title=title[:255],
        slug=re.sub(r"[^a-z0-9-]+", "-", source_id.lower())[:50] or f"guiding-{line}",
        fields=fields,
        charge_names=[k if k.endswith("罪") else f"{k}罪" for k in keywords[1:]],
        article_keys=keys,
    )


PARSERS = {"cail2018": parse_cail, "guiding": parse_guiding}


class _Linker:
    """Resolve charge names and article keys, collecting one warning per unknown name."""

    def __init__(self, source: str, report: ImportReport) -> None:
        self.source = source
        self.report = report
        self.charges = dict(Charge.objects.values_list("name", "pk"))
        self.articles: dict[tuple[str, int, int], int | None] = {}
        criminal_law = find_law("刑法")
        if criminal_law:
            for number, sub, pk in Article.objects.filter(law=criminal_law).values_list(
                "number", "sub_number", "pk"
            ):
                self.articles[("刑法", number, sub)] = pk
        self.unknown_charges: Counter[str] = Counter()
        self.unknown_articles: Counter[tuple] = Counter()
        self.first_line: dict[Any, int] = {}

    def charge_ids(self, record: CaseRecord) -> list[int]:
        ids = []
        for name in record.charge_names:
            pk = self.charges.get(name) or self.charges.get(name.removesuffix("罪"))
            if pk:
                ids.append(pk)
            elif (
                record.fields["level"] != CaseLevel.GUIDING
            ):  # guiding keywords are not all charges
                self.unknown_charges[name] += 1
                self.first_line.setdefault(name, record.line)
        return ids

    def article_ids(self, record: CaseRecord) -> list[int]:
        ids = []
        for key in record.article_keys:
            if key not in self.articles:
                from ..references import Reference

                article = resolve(
                    Reference(
                        law_name=key[0],
                        law_text=key[0],
                        article=key[1],
                        sub_number=key[2],
                    )
                )
                self.articles[key] = article.pk if article else None
            pk = self.articles[key]
            if pk:
                ids.append(pk)
            else:
                self.unknown_articles[key] += 1
                self.first_line.setdefault(key, record.line)
        return ids

    def report_unknown(self) -> None:
        for name, count in self.unknown_charges.items():
            self.report.warn(
                self.source,
                self.first_line[name],
                WARN_UNKNOWN_CHARGE.format(name=name, count=count),
            )
        for key, count in self.unknown_articles.items():
            ref = f"{key[0]}第{key[1]}条" + (f"之{key[2]}" if key[2] else "")
            self.report.warn(
                self.source,
                self.first_line[key],
                WARN_UNKNOWN_ARTICLE.format(ref=ref, count=count),
            )


def _case_index() -> CaseIndexPage:
    index = CaseIndexPage.objects.first()
    if index is None:
        raise ValueError(ERROR_NO_INDEX)
    return index


def _bulk_create(
    index: CaseIndexPage,
    batch: list[tuple[CaseRecord, list[int], list[int]]],
    publish: bool,
) -> None:
    """Insert pages without treebeard's per-row locking: paths follow the last child's."""
    index.refresh_from_db()
    last = index.get_last_child()
    position = Page._str2int(last.path[-Page.steplen :]) if last else 0
    depth = index.depth + 1
    content_type = ContentType.objects.get_for_model(CasePage)
    now = timezone.now()
    taken = set(
        Page.objects.filter(path__startswith=index.path, depth=depth).values_list(
            "slug", flat=True
        )
    )
    base_pages = []
    for record, _, _ in batch:
        position += 1
        slug = record.slug
        if slug in taken:
            slug = f"{slug}-{position}"
        taken.add(slug)
        base_pages.append(
            Page(
                title=record.title,
                draft_title=record.title,
                slug=slug,
                content_type=content_type,
                path=Page._get_path(index.path, depth, position),
                depth=depth,
                numchild=0,
                url_path=f"{index.url_path}{slug}/",
                live=publish,
                has_unpublished_changes=not publish,
                first_published_at=now if publish else None,
                last_published_at=now if publish else None,
                locale_id=index.locale_id,
                translation_key=uuid.uuid4(),
            )
        )
    Page.objects.bulk_create(base_pages)
    charge_links, article_links = [], []
    for page, (record, charge_ids, article_ids) in zip(base_pages, batch, strict=True):
        case = CasePage(
            page_ptr_id=page.pk, content_hash=record.digest, **record.fields
        )
        # Insert only casebank_casepage (the parent row exists): raw skips the parent save.
        case.save_base(raw=True, force_insert=True)
        charge_links += [
            CasePage.charges.through(casepage_id=page.pk, charge_id=c)
            for c in set(charge_ids)
        ]
        article_links += [
            CasePage.cited_articles.through(casepage_id=page.pk, article_id=a)
            for a in set(article_ids)
        ]
    CasePage.charges.through.objects.bulk_create(charge_links)
    CasePage.cited_articles.through.objects.bulk_create(article_links)
    Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + len(base_pages))
    # No page signal fired: say which pages are new (indexed when the import ends).
    rows_changed(model=CasePage, pks=[page.pk for page in base_pages])


def _wagtail_create(
    index: CaseIndexPage, record: CaseRecord, charge_ids, article_ids, publish: bool
) -> CasePage:
    page = CasePage(
        title=record.title,
        slug=record.slug,
        live=False,
        content_hash=record.digest,
        **record.fields,
    )
    if Page.objects.filter(
        path__startswith=index.path, depth=index.depth + 1, slug=page.slug
    ).exists():
        page.slug = f"{page.slug}-{uuid.uuid4().hex[:6]}"
    index.add_child(instance=page)
    page.charges.set(charge_ids)
    page.cited_articles.set(article_ids)
    page.save()  # ParentalManyToManyFields are written on save()
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


def _update(page: CasePage, record: CaseRecord, charge_ids, article_ids) -> None:
    for name, value in record.fields.items():
        setattr(page, name, value)
    page.title = record.title
    page.draft_title = record.title
    page.content_hash = record.digest
    page.charges.set(charge_ids)
    page.cited_articles.set(article_ids)
    page.save()


def import_cases(
    path: Path,
    *,
    fmt: str,
    publish: bool = False,
    dry_run: bool = False,
    batch_size: int = 500,
    method: str = "bulk",
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the cases in ``path`` (format ``cail2018`` or ``guiding``); return the report.

    Raises ``ValueError`` for an unknown format or when no case library page exists.
    """
    if fmt not in PARSERS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run)
    index = _case_index()
    parser = PARSERS[fmt]
    linker = _Linker(path.name, report)
    existing = dict(
        CasePage.objects.exclude(source_id="").values_list("source_id", "content_hash")
    )
    if on_total:
        on_total(count_lines(path))
    seen: set[str] = set()
    batch: list[tuple[CaseRecord, list[int], list[int]]] = []

    def flush() -> None:
        if not batch:
            return
        with transaction.atomic():
            if method == "bulk":
                _bulk_create(index, batch, publish)
            else:
                for record, charge_ids, article_ids in batch:
                    _wagtail_create(index, record, charge_ids, article_ids, publish)
        if progress:
            progress(len(batch))
        batch.clear()

    try:
        # Inside the dry run's transaction, so what it rolls back is never indexed.
        with (
            transaction.atomic() if dry_run else contextlib.nullcontext(),
            bulk_operation("import_cases"),
        ):
            for line, raw in read_jsonl(path, report):
                parsed = parser(line, raw)
                if isinstance(parsed, str):
                    report.reject(path.name, line, parsed)
                    if progress:
                        progress(1)
                    continue
                if parsed.source_id in seen:
                    report.unchanged += 1
                    continue
                seen.add(parsed.source_id)
                if existing.get(parsed.source_id) == parsed.digest:
                    report.unchanged += 1
                    if progress:
                        progress(1)
                    continue
                charge_ids, article_ids = (
                    linker.charge_ids(parsed),
                    linker.article_ids(parsed),
                )
                if parsed.source_id in existing:
                    with transaction.atomic():
                        page = CasePage.objects.filter(
                            source_id=parsed.source_id
                        ).first()
                        _update(page, parsed, charge_ids, article_ids)
                    report.updated += 1
                    continue
                batch.append((parsed, charge_ids, article_ids))
                report.created += 1
                if len(batch) >= batch_size:
                    flush()
            flush()
            if dry_run:
                raise ImportAbort
    except ImportAbort:
        pass
    linker.report_unknown()
    report.seconds = time.monotonic() - started
    if not dry_run and (report.created or report.updated):
        cases_imported.send(
            sender=CasePage,
            created=report.created,
            updated=report.updated,
            published=publish,
        )
    return report
