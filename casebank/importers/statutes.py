"""Import statutes from the Markdown-per-law format and the JSONL article format.

A law is identified by its name; each file is one *version* of that law (its date comes from
``--effective-from``, the LawRefBook catalogue's ``valid_from``, the date in the file name, or
the last date in the file's header, in that order). Files of the same law are applied oldest
first: an article whose text differs from its open version gets a new version and the old one
is closed the day before, and everything citing it is flagged (see ``services``).

Transactions are per law: all accepted articles of a law are written together or not at all.
A rejected record (bad JSON, no label, no text, duplicate article) is reported with its line
number and skipped; it never blocks its law's other articles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from core.bulk import bulk_operation, rows_changed

from ..models import Article, ArticleVersion, Law, LawLevel, LawStatus, content_hash
from ..references import ReferenceError, chinese_to_int
from ..services import ArticleChange, article_version_add, law_change_flags_create
from . import ImportAbort, ImportReport, read_jsonl

LABEL_RE = re.compile(
    r"^第(?P<num>[零〇一二两三四五六七八九十百千0-9]+)条(?:之(?P<sub>[一二三四五六七八九十0-9]+))?$"
)
MD_ARTICLE_RE = re.compile(
    r"^\s*(?P<label>第[零〇一二两三四五六七八九十百千0-9]+条(?:之[一二三四五六七八九十]+)?)(?:\s+|$)(?P<rest>.*)$"
)
MD_PLAIN_HEADING_RE = re.compile(
    r"^\s*(第[零〇一二三四五六七八九十百千0-9]+(编|分编|章|节))(\s|$)"
)
CN_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
FILE_DATE_RE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")

CATALOG_LEVELS = {
    "宪法": LawLevel.CONSTITUTION,
    "法律": LawLevel.LAW,
    "司法解释": LawLevel.JUDICIAL_INTERPRETATION,
    "行政法规": LawLevel.ADMINISTRATIVE_REGULATION,
    "部门规章": LawLevel.DEPARTMENTAL_RULE,
    "地方性法规": LawLevel.LOCAL_REGULATION,
}
BATCH_SIZE = 500

REJECT_NO_LAW = "缺少法律名称（law）"
REJECT_BAD_LABEL = "条文序号无法识别：{label!r}"
REJECT_NO_TEXT = "条文内容为空"
REJECT_NUMBER_MISMATCH = "article_no={given} 与条文序号 {label} 不一致"
REJECT_DUPLICATE = "同一文件中 {label} 重复出现（首次见第 {first} 行）"
REJECT_BAD_PATH = "path 应是字符串列表"
REJECT_LAW_FAILED = "整部法律未导入（已回滚）：{error}"


@dataclass
class LawVersion:
    """One file's worth of a law: its metadata and its articles."""

    name: str
    file: str
    source: str  # the file we read it from, for rejection messages
    header: list[str] = field(default_factory=list)
    level: str = ""
    promulgated_on: dt.date | None = None
    effective_on: dt.date | None = None
    amended_on: dt.date | None = None
    repealed: bool = False
    version_date: dt.date | None = None
    articles: list[ArticleRecord] = field(default_factory=list)


@dataclass
class ArticleRecord:
    line: int
    label: str
    number: int
    sub_number: int
    chapter_path: str
    text: str
    source_id: str


def parse_label(label: str) -> tuple[int, int]:
    """Return (number, sub_number) of a label such as 第二百六十四条之一; raise ReferenceError."""
    match = LABEL_RE.match(label.strip())
    if not match:
        raise ReferenceError(label)
    return chinese_to_int(match.group("num")), chinese_to_int(
        match.group("sub")
    ) if match.group("sub") else 0


def _cn_dates(lines: Iterable[str]) -> list[dt.date]:
    out = []
    for line in lines:
        for y, m, d in CN_DATE_RE.findall(line):
            try:
                out.append(dt.date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return out


def file_date_of(file: str) -> dt.date | None:
    match = FILE_DATE_RE.search(file)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def short_name(name: str) -> str:
    return name.removeprefix("中华人民共和国")


def guess_level(name: str, file: str) -> str:
    folder = file.split("/")[0] if "/" in file else ""
    if folder in CATALOG_LEVELS:
        return CATALOG_LEVELS[folder]
    if name.startswith(("最高人民法院", "最高人民检察院")):
        return LawLevel.JUDICIAL_INTERPRETATION
    if name.startswith("公安机关") or name.endswith(("规定", "办法")):
        return LawLevel.DEPARTMENTAL_RULE
    if name.endswith("条例"):
        return LawLevel.ADMINISTRATIVE_REGULATION
    if name.endswith("宪法"):
        return LawLevel.CONSTITUTION
    return LawLevel.LAW


def guess_issuing_body(name: str, header: list[str]) -> str:
    if name.startswith("最高人民法院") and "最高人民检察院" in name[:20]:
        return "最高人民法院、最高人民检察院"
    for body in ("最高人民法院", "最高人民检察院"):
        if name.startswith(body):
            return body
    if name.startswith("公安机关"):
        return "公安部"
    text = " ".join(header[:2])
    if "全国人民代表大会常务委员会" in text:
        return "全国人民代表大会常务委员会"
    if "全国人民代表大会" in text:
        return "全国人民代表大会"
    if "国务院" in text:
        return "国务院"
    return ""


class Catalog:
    """The LawRefBook catalogue (``lawrefbook_catalog.sqlite3``) when found beside the data."""

    def __init__(self, path: Path | None) -> None:
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        if path and path.exists():
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                for name, level, publish, valid_from, expired in connection.execute(
                    "SELECT name, level, publish, valid_from, expired FROM law"
                ):
                    self.rows[name].append((level, publish, valid_from, bool(expired)))
            finally:
                connection.close()

    def lookup(self, name: str, file_date: dt.date | None) -> tuple | None:
        candidates = self.rows.get(short_name(name)) or self.rows.get(name) or []
        if file_date:
            dated = [c for c in candidates if c[1] == file_date.isoformat()]
            candidates = dated or candidates
        if len(candidates) > 1:
            candidates = sorted(
                candidates, key=lambda c: (not c[3], c[1] or ""), reverse=True
            )
        return candidates[0] if candidates else None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def complete_law_version(
    version: LawVersion, catalog: Catalog, effective_from: dt.date | None
) -> None:
    """Fill level, dates and the version date from the catalogue, file name and header."""
    file_date = file_date_of(version.file)
    header_dates = _cn_dates(version.header)
    version.promulgated_on = header_dates[0] if header_dates else None
    version.amended_on = header_dates[-1] if len(header_dates) > 1 else file_date
    row = catalog.lookup(version.name, file_date)
    if row:
        level, publish, valid_from, expired = row
        version.level = CATALOG_LEVELS.get(level, LawLevel.OTHER)
        version.effective_on = _date(valid_from)
        version.repealed = expired
        version.amended_on = version.amended_on or _date(publish)
    else:
        version.level = guess_level(version.name, version.file)
    version.version_date = (
        effective_from or version.effective_on or file_date or version.amended_on
    )


def _add_article(
    version: LawVersion,
    seen: dict[tuple[int, int], int],
    report: ImportReport,
    *,
    line: int,
    label: str,
    chapter_path: str,
    text: str,
    source_id: str | None,
    article_no: object = None,
) -> None:
    label = label.strip()
    try:
        number, sub_number = parse_label(label)
    except ReferenceError:
        report.reject(version.source, line, REJECT_BAD_LABEL.format(label=label))
        return
    if not text.strip():
        report.reject(version.source, line, REJECT_NO_TEXT)
        return
    if article_no not in (None, "") and str(article_no) != str(number):
        report.reject(
            version.source,
            line,
            REJECT_NUMBER_MISMATCH.format(given=article_no, label=label),
        )
        return
    key = (number, sub_number)
    if key in seen:
        report.reject(
            version.source, line, REJECT_DUPLICATE.format(label=label, first=seen[key])
        )
        return
    seen[key] = line
    version.articles.append(
        ArticleRecord(
            line=line,
            label=label,
            number=number,
            sub_number=sub_number,
            chapter_path=chapter_path[:500],
            text=text.strip(),
            source_id=(source_id or content_hash(version.name, label, text))[:255],
        )
    )


def parse_markdown(path: Path, report: ImportReport) -> LawVersion | None:
    """Parse one law in the LawRefBook Markdown layout (``#`` title, header, headings, 第X条)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title_line = next(
        (i for i, line in enumerate(lines) if line.startswith("# ")), None
    )
    if title_line is None:
        report.reject(path.name, 1, "找不到以“# ”开头的法律名称")
        return None
    version = LawVersion(
        name=lines[title_line][2:].strip(), file=path.name, source=path.name
    )
    body_start = next(
        (i for i, line in enumerate(lines) if line.strip() == "<!-- INFO END -->"), None
    )
    if body_start is None:
        body_start = next(
            (
                i
                for i in range(title_line + 1, len(lines))
                if lines[i].startswith("#") or MD_ARTICLE_RE.match(lines[i])
            ),
            len(lines),
        )
    version.header = [
        line.strip() for line in lines[title_line + 1 : body_start] if line.strip()
    ]
    headings: list[tuple[int, str]] = []
    seen: dict[tuple[int, int], int] = {}
    current: dict | None = None

    def flush() -> None:
        if current is not None:
            _add_article(version, seen, report, source_id=None, **current)

    plain_levels = {"编": 2, "分编": 2, "章": 3, "节": 4}
    for index in range(body_start, len(lines)):
        raw = lines[index]
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        level, heading = 0, ""
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            heading = line.lstrip("#").strip()
        elif plain := MD_PLAIN_HEADING_RE.match(line):
            level, heading = plain_levels[plain.group(2)], line
        if level:
            flush()
            current = None
            headings = [h for h in headings if h[0] < level] + [(level, heading)]
            continue
        match = MD_ARTICLE_RE.match(line)
        if match:
            flush()
            current = {
                "line": index + 1,
                "label": match.group("label"),
                "chapter_path": " / ".join(h for _, h in headings),
                "text": match.group("rest").strip(),
            }
        elif current is not None:
            current["text"] = f"{current['text']}\n{line}" if current["text"] else line
    flush()
    return version


def _load_meta(path: Path) -> dict[str, dict]:
    meta: dict[str, dict] = {}
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and record.get("file"):
                    meta[record["file"]] = record
    return meta


def parse_jsonl(
    path: Path, report: ImportReport, meta_path: Path | None = None
) -> list[LawVersion]:
    """Parse the JSONL article format (one article per line), grouped by file."""
    meta = _load_meta(meta_path or path.with_name("national_laws_meta.jsonl"))
    versions: dict[str, LawVersion] = {}
    seen: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for line, record in read_jsonl(path, report):
        law = record.get("law")
        if not isinstance(law, str) or not law.strip():
            report.reject(path.name, line, REJECT_NO_LAW)
            continue
        file = str(record.get("file") or law)
        chapters = record.get("path") or []
        if not isinstance(chapters, list) or not all(
            isinstance(c, str) for c in chapters
        ):
            report.reject(path.name, line, REJECT_BAD_PATH)
            continue
        version = versions.get(file)
        if version is None:
            header = record.get("header") or meta.get(file, {}).get("header") or []
            version = versions[file] = LawVersion(
                name=law.strip(),
                file=file,
                source=path.name,
                header=[str(h) for h in header],
            )
        _add_article(
            version,
            seen[file],
            report,
            line=line,
            label=str(record.get("label") or ""),
            chapter_path=" / ".join(chapters),
            text=str(record.get("text") or ""),
            source_id=str(record["id"]) if record.get("id") else None,
            article_no=record.get("article_no"),
        )
    return list(versions.values())


def collect(
    paths: Iterable[Path], report: ImportReport, *, meta_path: Path | None = None
) -> list[LawVersion]:
    """Parse every file (directories are walked for *.md and *.jsonl)."""
    versions: list[LawVersion] = []
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".md":
                parsed = parse_markdown(file, report)
                if parsed:
                    versions.append(parsed)
            elif file.suffix == ".jsonl" and not file.name.endswith("_meta.jsonl"):
                versions.extend(parse_jsonl(file, report, meta_path))
    return versions


def _law_for(versions: list[LawVersion], report: ImportReport) -> Law:
    latest = versions[-1]
    first = versions[0]
    law = Law.objects.filter(source_id=latest.name).first()
    promulgated_on = first.promulgated_on or latest.promulgated_on
    if law is not None and law.promulgated_on and promulgated_on:
        # Keep the earliest promulgation date on record.
        promulgated_on = min(law.promulgated_on, promulgated_on)
    fields: dict[str, Any] = {
        "name": latest.name,
        "short_name": short_name(latest.name)[:100],
        "level": latest.level or LawLevel.OTHER,
        "issuing_body": guess_issuing_body(latest.name, latest.header)[:255],
        "promulgated_on": promulgated_on,
        "effective_on": latest.effective_on,
        "amended_on": latest.amended_on,
        "history": "\n".join(latest.header),
        "status": LawStatus.REPEALED if latest.repealed else LawStatus.CURRENT,
        "source_file": latest.file[:255],
    }
    if law is None:
        report.laws_created += 1
        return Law.objects.create(source_id=latest.name, **fields)
    changed = [name for name, value in fields.items() if getattr(law, name) != value]
    for name in changed:
        setattr(law, name, fields[name])
    if changed:
        law.save(update_fields=changed)
    return law


def _import_law(
    versions: list[LawVersion], report: ImportReport
) -> list[ArticleChange]:
    """Write one law (all its file versions, oldest first). Caller holds the transaction."""
    law = _law_for(versions, report)
    articles = {
        (a.number, a.sub_number): a
        for a in Article.objects.filter(law=law).only("pk", "number", "sub_number")
    }
    hashes: dict[int, set[str]] = defaultdict(set)
    has_versions: set[int] = set()
    for article_id, digest in ArticleVersion.objects.filter(
        article__law=law
    ).values_list("article_id", "content_hash"):
        hashes[article_id].add(digest)
        has_versions.add(article_id)
    changes: list[ArticleChange] = []
    for version in versions:
        new_articles: list[tuple[Article, ArticleRecord]] = []
        new_versions: list[ArticleVersion] = []
        for record in version.articles:
            digest = content_hash(record.text)
            article = articles.get((record.number, record.sub_number))
            if article is None:
                article = Article(
                    law=law,
                    label=record.label,
                    number=record.number,
                    sub_number=record.sub_number,
                    chapter_path=record.chapter_path,
                    source_id=record.source_id,
                )
                new_articles.append((article, record))
                articles[(record.number, record.sub_number)] = article
                continue
            if digest in hashes[article.pk]:
                report.unchanged += 1
                continue
            if article.pk not in has_versions:
                new_versions.append(
                    ArticleVersion(
                        article=article,
                        text=record.text,
                        effective_from=version.version_date,
                        content_hash=digest,
                        source_id=record.source_id,
                    )
                )
                report.created += 1
            else:
                _, change = article_version_add(
                    article=article,
                    text=record.text,
                    effective_from=version.version_date,
                    source_id=record.source_id,
                )
                report.updated += 1
                if change:
                    changes.append(change)
            hashes[article.pk].add(digest)
            has_versions.add(article.pk)
        Article.objects.bulk_create([a for a, _ in new_articles], batch_size=BATCH_SIZE)
        # bulk_create sends no post_save: say which rows are new (the search app indexes
        # them when the import's bulk operation ends).
        rows_changed(model=Article, pks=[a.pk for a, _ in new_articles])
        for article, record in new_articles:
            digest = content_hash(record.text)
            new_versions.append(
                ArticleVersion(
                    article=article,
                    text=record.text,
                    effective_from=version.version_date,
                    content_hash=digest,
                    source_id=record.source_id,
                )
            )
            hashes[article.pk].add(digest)
            has_versions.add(article.pk)
        report.created += len(new_articles)
        ArticleVersion.objects.bulk_create(new_versions, batch_size=BATCH_SIZE)
    report.flags_created += len(law_change_flags_create(changes))
    return changes


def import_statutes(
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    effective_from: dt.date | None = None,
    meta_path: Path | None = None,
    catalog_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import statutes from ``paths`` (files or folders) and return the report.

    ``progress(n)`` is called after each law with its number of articles, ``on_total`` once
    with the number of articles to process (for a progress bar). With ``dry_run`` everything
    is parsed, validated and written inside a transaction that is rolled back.
    """
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run)
    paths = [Path(p) for p in paths]
    versions = collect(paths, report, meta_path=meta_path)
    if catalog_path is None:
        for p in paths:
            candidate = (p if p.is_dir() else p.parent) / "lawrefbook_catalog.sqlite3"
            for folder in (candidate.parent, candidate.parent.parent):
                if (folder / "lawrefbook_catalog.sqlite3").exists():
                    catalog_path = folder / "lawrefbook_catalog.sqlite3"
                    break
            if catalog_path:
                break
    catalog = Catalog(catalog_path)
    by_law: dict[str, list[LawVersion]] = defaultdict(list)
    for version in versions:
        complete_law_version(version, catalog, effective_from)
        by_law[version.name].append(version)
    if on_total:
        on_total(sum(len(v.articles) for v in versions))
    # A dry run holds everything in one transaction and rolls it back; a real run commits
    # law by law, so an interrupted import keeps the laws it finished.
    outer = transaction.atomic() if dry_run else contextlib.nullcontext()
    try:
        # Inside the dry run's transaction, so what it rolls back is never indexed.
        with outer, bulk_operation("import_statutes"):
            for law_versions in by_law.values():
                law_versions.sort(key=lambda v: (v.version_date or dt.date.min, v.file))
                try:
                    with transaction.atomic():
                        _import_law(law_versions, report)
                except IntegrityError as e:
                    first = law_versions[0]
                    line = first.articles[0].line if first.articles else 0
                    report.reject(first.source, line, REJECT_LAW_FAILED.format(error=e))
                if progress:
                    progress(sum(len(v.articles) for v in law_versions))
            if dry_run:
                raise ImportAbort
    except ImportAbort:
        pass
    report.seconds = time.monotonic() - started
    return report
