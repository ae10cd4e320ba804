"""Import the charge → 刑法 article table (``charge_article_table.jsonl``).

One line per charge: ``{"charge": "盗窃罪", "articles": ["第264条"], "status": "active"}``.
A charge is matched by name; ``source_id`` is the hash of its name (the records have no id).
Article references that cannot be found in the imported 刑法 are reported as warnings and
the charge is imported without them. One transaction for the whole file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from core.bulk import bulk_operation

from ..models import Article, Charge, ChargeKind, ChargeStatus, content_hash
from ..references import ReferenceError, find_law, parse_article_ref
from . import ImportAbort, ImportReport, count_lines, read_jsonl

ARTICLE_PREFIX_RE = re.compile(
    r"第[0-9零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?(?:第[0-9一二三四五六七八九十]+款)?"
)

REJECT_NO_NAME = "缺少罪名（charge）"
REJECT_BAD_ARTICLES = "articles 应是字符串列表"
WARN_NO_CRIMINAL_LAW = "尚未导入《中华人民共和国刑法》，罪名未关联条文"
WARN_BAD_REF = "无法识别的条文引用：{ref!r}"
WARN_UNKNOWN_ARTICLE = "刑法中找不到 {ref}"


def clean_charge_name(raw: str) -> str:
    """Return the charge name from a table cell (drops stray headings such as ##第二章…)."""
    lines = [
        line.strip().lstrip("#").strip() for line in raw.splitlines() if line.strip()
    ]
    return lines[-1] if lines else ""


def charge_status(raw: str) -> str:
    return (
        ChargeStatus.ACTIVE if (raw or "active") == "active" else ChargeStatus.ABOLISHED
    )


def import_charges(
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import charges from ``path`` and link them to 刑法 articles; return the report."""
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run)
    if on_total:
        on_total(count_lines(path))
    criminal_law = find_law("刑法")
    if criminal_law is None:
        report.warn(path.name, 0, WARN_NO_CRIMINAL_LAW)
    articles = (
        {(a.number, a.sub_number): a for a in Article.objects.filter(law=criminal_law)}
        if criminal_law
        else {}
    )
    existing = {c.name: c for c in Charge.objects.prefetch_related("articles")}
    try:
        with transaction.atomic(), bulk_operation("import_charges"):
            for line, record in read_jsonl(path, report):
                if progress:
                    progress(1)
                name = clean_charge_name(str(record.get("charge") or ""))
                if not name:
                    report.reject(path.name, line, REJECT_NO_NAME)
                    continue
                refs = record.get("articles") or []
                if not isinstance(refs, list) or not all(
                    isinstance(r, str) for r in refs
                ):
                    report.reject(path.name, line, REJECT_BAD_ARTICLES)
                    continue
                linked: list[Article] = []
                for ref in refs:
                    match = ARTICLE_PREFIX_RE.match(ref.strip())
                    try:
                        number, sub_number, _ = (
                            parse_article_ref(match.group(0))
                            if match
                            else (None, 0, None)
                        )
                    except ReferenceError:
                        number = None
                    if number is None:
                        report.warn(path.name, line, WARN_BAD_REF.format(ref=ref))
                        continue
                    article = articles.get((number, sub_number))
                    if article is None:
                        if criminal_law is not None:
                            report.warn(
                                path.name, line, WARN_UNKNOWN_ARTICLE.format(ref=ref)
                            )
                        continue
                    linked.append(article)
                fields = {
                    "kind": ChargeKind.CRIMINAL,
                    "status": charge_status(str(record.get("status") or "")),
                    "article_refs": "、".join(refs)[:255],
                }
                charge = existing.get(name)
                if charge is None:
                    charge = Charge(
                        name=name, source_id=content_hash(name), live=True, **fields
                    )
                    charge.full_clean(exclude=["articles"])
                    charge.articles.set(linked)
                    charge.save()  # a ParentalManyToManyField is written on save()
                    existing[name] = charge
                    report.created += 1
                    continue
                changed = [f for f, v in fields.items() if getattr(charge, f) != v]
                current_ids = {a.pk for a in charge.articles.all()}
                wanted_ids = current_ids | {a.pk for a in linked}
                if not changed and wanted_ids == current_ids:
                    report.unchanged += 1
                    continue
                for f in changed:
                    setattr(charge, f, fields[f])
                # Links are only added: an editor's extra article is never removed by a re-import.
                charge.articles.add(*linked)
                charge.save()
                report.updated += 1
            if dry_run:
                raise ImportAbort
    except ImportAbort:
        pass
    report.seconds = time.monotonic() - started
    return report
