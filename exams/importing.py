"""Import and export of the question bank.

The spreadsheet layout trainers keep (one row per question, first row = headers):

    题型 | 题干 | 选项A … 选项F | 答案 | 解析 | 难度 | 标签 | 法条 | 科目 | 知识点

* 题型: 单选, 多选, 判断, 不定项, 填空, 案例分析 (long names such as 单项选择题 work too).
* 答案: letters for choices (``ABD`` or ``A,B,D``); 对/错 (正确/错误, √/×) for 判断; for
  填空 one entry per blank separated by ``；`` with accepted alternatives separated by ``|``.
* 案例分析: the row's 题干 is the case material; each sub-question follows on its own row
  with 题型 案例单选, 案例多选 or 案例主观. A 案例主观 row's 答案 is its rubric of points,
  ``要点（3分）；要点（2分）``.
* 标签: separated by ``；`` or ``,``: 基础/中级/高级 set the level, ``警种:治安`` the branch.
* 法条: references such as ``刑法第二百六十四条；治安管理处罚法第49条``.

A file with any bad row imports nothing; the dry run lists every bad row with its number.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.bulk import bulk_operation

from . import qtypes
from .models import Level, Question, QuestionType
from .services import category_get_or_create, question_create, question_validate

HEADERS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "答案",
    "解析",
    "难度",
    "标签",
    "法条",
    "科目",
    "知识点",
]
OPTION_KEYS = "ABCDEF"

# The sub-question rows under a question with parts (案例单选, 案例多选, 案例主观).
PART_NAMES = qtypes.part_row_names()
# The 题型 written on export, by type code.
TYPE_LABEL = {h.code: h.export_name for h in qtypes.handlers()}
LEVEL_WORDS = {
    "基础": Level.BASIC,
    "初级": Level.BASIC,
    "中级": Level.INTERMEDIATE,
    "高级": Level.ADVANCED,
}
LEVEL_LABEL = {Level.BASIC: "基础", Level.INTERMEDIATE: "中级", Level.ADVANCED: "高级"}
SPLIT = re.compile(r"[；;\n]+")
TAG_SPLIT = re.compile(r"[；;,，、\s]+")
UNKNOWN_TYPE = gettext_noop("unknown question type “{value}”")
MISSING_HEADER = gettext_noop("the first row lacks the column “{name}”")
BAD_DIFFICULTY = gettext_noop("difficulty must be a whole number from 1 to 5")
PART_WITHOUT_CASE = gettext_noop("a case sub-question must follow a 案例分析 row")
NO_CATEGORY = gettext_noop(
    "no 科目 given (fill the column or choose a default category)"
)


@dataclass
class RowProblem:
    row: int
    message: str


@dataclass
class ImportReport:
    total: int = 0
    valid: int = 0
    created: int = 0
    duplicates: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedQuestion:
    row: int
    qtype: str
    content: dict[str, Any]
    difficulty: int
    level: str
    police_type: str
    tags: list[str]
    article_refs: list[str]
    subject: str
    topic: str
    key_override: str = ""

    @property
    def source_key(self) -> str:
        if self.key_override:
            return self.key_override
        payload = json.dumps(
            [
                self.qtype,
                self.content.get("stem"),
                self.content.get("material"),
                self.content.get("options"),
                self.content.get("parts"),
            ],
            ensure_ascii=False,
            sort_keys=True,
        )
        return "xlsx:" + hashlib.sha256(payload.encode()).hexdigest()[:40]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_row(
    cells: dict[str, str],
    row: int,
    *,
    default_subject: str = "",
    default_topic: str = "",
) -> tuple[ParsedQuestion | None, list[str]]:
    """Parse one non-part row; return (question, problems)."""
    problems: list[str] = []
    handler = qtypes.by_import_name(cells.get("题型", ""))
    if handler is None:
        return None, [_(UNKNOWN_TYPE).format(value=cells.get("题型", ""))]
    qtype = handler.code
    try:
        difficulty = int(Decimal(cells.get("难度") or "3"))
        if not 1 <= difficulty <= 5:
            raise ValueError
    except (ValueError, InvalidOperation):
        problems.append(_(BAD_DIFFICULTY))
        difficulty = 3
    level, police_type, tags = Level.BASIC, "", []
    for tag in TAG_SPLIT.split(cells.get("标签", "")):
        if not tag:
            continue
        if tag in LEVEL_WORDS:
            level = LEVEL_WORDS[tag]
        elif tag.startswith(("警种:", "警种：")):
            police_type = tag[3:]
        else:
            tags.append(tag)
    refs = [r.strip() for r in SPLIT.split(cells.get("法条", "")) if r.strip()]
    content: dict[str, Any] = {
        "stem": cells.get("题干", ""),
        "analysis": cells.get("解析", ""),
        "material": "",
        "options": [],
        "answer": [],
        "parts": [],
    }
    problems.extend(handler.parse_cells(cells, content))
    subject = cells.get("科目") or default_subject
    topic = cells.get("知识点") or default_topic
    if not subject:
        problems.append(_(NO_CATEGORY))
    parsed = ParsedQuestion(
        row, qtype, content, difficulty, level, police_type, tags, refs, subject, topic
    )
    return parsed, problems


def parse_part(
    cells: dict[str, str], index: int, *, qtype: str
) -> tuple[dict[str, Any], list[str]]:
    """One sub-question row of a ``qtype`` question (its handler reads it)."""
    return qtypes.get(qtype).parse_part(cells, index)


def parse_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    default_subject: str = "",
    default_topic: str = "",
) -> tuple[list[ParsedQuestion], list[RowProblem], int]:
    """Parse spreadsheet rows into questions; return (questions, problems, total)."""
    questions: list[ParsedQuestion] = []
    problems: list[RowProblem] = []
    total = 0
    current_case: ParsedQuestion | None = None
    case_ok = True

    def close_case() -> None:
        if current_case is not None and case_ok:
            errors = question_validate(
                qtype=current_case.qtype, content=current_case.content
            )
            if errors:
                problems.extend(RowProblem(current_case.row, e) for e in errors)
            else:
                questions.append(current_case)

    for row_number, cells in rows:
        if not any(cells.values()):
            continue
        if cells.get("题型") in PART_NAMES:
            if current_case is None:
                problems.append(RowProblem(row_number, _(PART_WITHOUT_CASE)))
                continue
            part, errors = parse_part(
                cells,
                len(current_case.content["parts"]) + 1,
                qtype=current_case.qtype,
            )
            problems.extend(RowProblem(row_number, e) for e in errors)
            if errors:
                case_ok = False
            current_case.content["parts"].append(part)
            continue
        close_case()
        current_case = None
        total += 1
        parsed, errors = parse_row(
            cells,
            row_number,
            default_subject=default_subject,
            default_topic=default_topic,
        )
        if parsed is not None and qtypes.get(parsed.qtype).shape == "parts":
            current_case, case_ok = parsed, not errors
            problems.extend(RowProblem(row_number, e) for e in errors)
            continue
        if parsed is not None and not errors:
            errors = question_validate(qtype=parsed.qtype, content=parsed.content)
        if errors:
            problems.extend(RowProblem(row_number, e) for e in errors)
        elif parsed is not None:
            questions.append(parsed)
    close_case()
    return questions, problems, total


def read_xlsx(
    data: bytes | Path,
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """Return (row number, cells by header) for every data row of the first sheet."""
    from openpyxl import load_workbook

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file becomes one clear problem
        return [], [
            RowProblem(
                0,
                _("The file is not a readable .xlsx workbook ({error}).").format(
                    error=e
                ),
            )
        ]
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, [])]
    missing = [name for name in ("题型", "题干", "答案") if name not in header]
    if missing:
        return [], [
            RowProblem(1, _(MISSING_HEADER).format(name=name)) for name in missing
        ]
    out = []
    for number, values in enumerate(rows, start=2):
        out.append(
            (
                number,
                {
                    header[i]: _cell(v)
                    for i, v in enumerate(values)
                    if i < len(header) and header[i]
                },
            )
        )
    workbook.close()
    return out, []


def import_questions(
    questions: list[ParsedQuestion],
    *,
    actor=None,
    source: str = "xlsx",
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Create the parsed questions (skipping ones already in the bank); return (created, duplicates)."""
    # Per-row side effects (search indexing, should questions ever be indexed) wait
    # until the whole import is written.
    with bulk_operation("import_questions"):
        return _import_questions(
            questions, actor=actor, source=source, progress=progress
        )


def _import_questions(
    questions: list[ParsedQuestion],
    *,
    actor: Any,
    source: str,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    created = duplicates = 0
    existing = set(
        Question.objects.filter(
            source_key__in=[q.source_key for q in questions]
        ).values_list("source_key", flat=True)
    )
    for q in questions:
        if q.source_key in existing:
            duplicates += 1
        else:
            question_create(
                category=category_get_or_create(subject=q.subject, topic=q.topic),
                qtype=q.qtype,
                content=q.content,
                difficulty=q.difficulty,
                level=q.level,
                police_type=q.police_type,
                tags=q.tags,
                article_refs=q.article_refs,
                source=source,
                source_key=q.source_key,
                actor=actor,
            )
            existing.add(q.source_key)
            created += 1
        if progress:
            progress(1)
    return created, duplicates


def import_xlsx(
    data: bytes | Path,
    *,
    dry_run: bool = True,
    actor=None,
    default_subject: str = "",
    default_topic: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check (and unless ``dry_run``, import) a trainer spreadsheet. All or nothing."""
    from audit.services import audit_log

    rows, problems = read_xlsx(data)
    report = ImportReport(problems=problems)
    if problems:
        return report
    questions, problems, total = parse_rows(
        rows, default_subject=default_subject, default_topic=default_topic
    )
    report.total, report.valid, report.problems = total, len(questions), problems
    if dry_run or problems:
        return report
    with transaction.atomic():
        report.created, report.duplicates = import_questions(
            questions, actor=actor, progress=progress
        )
        audit_log(
            action="exams.question_import",
            actor=actor,
            target_type="exams.question",
            details={
                "created": report.created,
                "duplicates": report.duplicates,
                "rows": total,
            },
        )
    report.committed = True
    return report


# LawBench ---------------------------------------------------------------------------

LAWBENCH_OPTIONS = re.compile(
    r"A[:：](?P<A>.*?)[;；]\s*B[:：](?P<B>.*?)[;；]\s*C[:：](?P<C>.*?)[;；]\s*"
    r"D[:：](?P<D>.*?)[。.]?\s*$",
    re.S,
)
LAWBENCH_ANSWER = re.compile(r"([A-D])")


def parse_lawbench(
    items: list[dict[str, Any]],
) -> tuple[list[ParsedQuestion], list[RowProblem]]:
    """Parse LawBench 3-6 items (``question`` with options A–D inline, ``answer`` 正确答案:X)."""
    questions, problems = [], []
    for index, item in enumerate(items, start=1):
        text = str(item.get("question", ""))
        match = LAWBENCH_OPTIONS.search(text)
        answer = LAWBENCH_ANSWER.search(
            str(item.get("answer", "")).replace("正确答案", "")
        )
        if not match or not answer:
            problems.append(
                RowProblem(index, _("options A–D or the answer could not be read"))
            )
            continue
        stem = text[: match.start()].strip()
        content = {
            "stem": stem,
            "material": "",
            "analysis": "",
            "parts": [],
            "options": [{"key": k, "text": match[k].strip()} for k in "ABCD"],
            "answer": [answer[1]],
        }
        errors = question_validate(qtype=QuestionType.SINGLE, content=content)
        if errors:
            problems.extend(RowProblem(index, e) for e in errors)
            continue
        parsed = ParsedQuestion(
            index,
            QuestionType.SINGLE,
            content,
            3,
            Level.INTERMEDIATE,
            "",
            ["LawBench", "案例分析"],
            [],
            "案例分析",
            "LawBench 案例选择题",
        )
        parsed.key_override = (
            "lawbench:3-6:" + hashlib.sha256(text.encode()).hexdigest()[:40]
        )
        questions.append(parsed)
    return questions, problems


# Export -----------------------------------------------------------------------------


def _answer_text(qtype: str, answer: list) -> str:
    """The 答案 cell of a key (kept for callers that have no version at hand)."""
    from types import SimpleNamespace

    return qtypes.get(qtype).answer_cell(SimpleNamespace(answer=answer, parts=[]))


def export_rows(questions: Iterable[Question]) -> list[list[str]]:
    """Return the spreadsheet rows (without the header) for ``questions``."""
    rows: list[list[str]] = []
    for q in questions:
        v = q.current_version
        handler = qtypes.get(q.qtype)
        tags = (
            [LEVEL_LABEL.get(q.level, "")]
            + ([f"警种:{q.police_type}"] if q.police_type else [])
            + list(q.tags)
        )
        category = q.category
        subject, topic = (
            (category.parent.name, category.name)
            if category.parent_id
            else (category.name, "")
        )
        row = [
            handler.export_name,
            handler.stem_cell(v),
            *handler.option_cells(v),
            handler.answer_cell(v),
            v.analysis,
            str(q.difficulty),
            "；".join(t for t in tags if t),
            "；".join(q.article_refs),
            subject,
            topic,
        ]
        rows.extend(handler.export_rows(v, row))
    return rows


def export_xlsx(questions: Iterable[Question]) -> bytes:
    """Return an .xlsx workbook of ``questions`` in the import layout."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(HEADERS)
    for row in export_rows(questions):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
