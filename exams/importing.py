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

TYPE_NAMES = {
    QuestionType.SINGLE: ("单选", "单选题", "单项选择题", "single"),
    QuestionType.MULTIPLE: ("多选", "多选题", "多项选择题", "multiple"),
    QuestionType.TRUE_FALSE: ("判断", "判断题", "truefalse"),
    QuestionType.INDETERMINATE: (
        "不定项",
        "不定项选择",
        "不定项选择题",
        "indeterminate",
    ),
    QuestionType.FILL_IN: ("填空", "填空题", "fillin"),
    QuestionType.CASE: ("案例分析", "案例分析题", "case"),
}
PART_NAMES = {"案例单选": "single", "案例多选": "multiple", "案例主观": "essay"}
TYPE_LABEL = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUE_FALSE: "判断",
    QuestionType.INDETERMINATE: "不定项",
    QuestionType.FILL_IN: "填空",
    QuestionType.CASE: "案例分析",
}
LEVEL_WORDS = {
    "基础": Level.BASIC,
    "初级": Level.BASIC,
    "中级": Level.INTERMEDIATE,
    "高级": Level.ADVANCED,
}
LEVEL_LABEL = {Level.BASIC: "基础", Level.INTERMEDIATE: "中级", Level.ADVANCED: "高级"}
TRUE_WORDS = {"对", "正确", "√", "T", "TRUE", "是", "Y"}
FALSE_WORDS = {"错", "错误", "×", "X", "F", "FALSE", "否", "N"}
TF_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
SPLIT = re.compile(r"[；;\n]+")
TAG_SPLIT = re.compile(r"[；;,，、\s]+")
RUBRIC_ITEM = re.compile(
    r"^(?P<text>.+?)[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]\s*$"
)
DEFAULT_PART_WEIGHT = Decimal(2)
CASE_STEM = "阅读案例材料，回答下列问题。"

UNKNOWN_TYPE = gettext_noop("unknown question type “{value}”")
MISSING_HEADER = gettext_noop("the first row lacks the column “{name}”")
BAD_DIFFICULTY = gettext_noop("difficulty must be a whole number from 1 to 5")
BAD_TF = gettext_noop("a true/false answer must be 对 or 错")
BAD_RUBRIC = gettext_noop(
    "a subjective sub-question needs its rubric in 答案, e.g. 要点（3分）；要点（2分）"
)
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


def _type_of(value: str) -> str | None:
    for qtype, names in TYPE_NAMES.items():
        if value in names:
            return qtype
    return None


def _letters(value: str) -> list[str]:
    return sorted(set(re.sub(r"[\s,，、;；]", "", value.upper())))


def _options(cells: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"key": k, "text": cells[f"选项{k}"]}
        for k in OPTION_KEYS
        if cells.get(f"选项{k}")
    ]


def _rubric(text: str) -> list[dict[str, Any]] | None:
    items = []
    for piece in SPLIT.split(text):
        piece = piece.strip()
        if not piece:
            continue
        match = RUBRIC_ITEM.match(piece)
        if not match:
            return None
        items.append({"text": match["text"].strip(), "points": float(match["points"])})
    return items or None


def parse_row(
    cells: dict[str, str],
    row: int,
    *,
    default_subject: str = "",
    default_topic: str = "",
) -> tuple[ParsedQuestion | None, list[str]]:
    """Parse one non-part row; return (question, problems)."""
    problems: list[str] = []
    qtype = _type_of(cells.get("题型", ""))
    if qtype is None:
        return None, [_(UNKNOWN_TYPE).format(value=cells.get("题型", ""))]
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
    answer_text = cells.get("答案", "")
    content: dict[str, Any] = {
        "stem": cells.get("题干", ""),
        "analysis": cells.get("解析", ""),
        "material": "",
        "options": [],
        "answer": [],
        "parts": [],
    }
    if qtype == QuestionType.TRUE_FALSE:
        content["options"] = TF_OPTIONS
        word = answer_text.upper()
        if word in TRUE_WORDS:
            content["answer"] = ["T"]
        elif word in FALSE_WORDS:
            content["answer"] = ["F"]
        else:
            problems.append(_(BAD_TF))
    elif qtype in (
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.INDETERMINATE,
    ):
        content["options"] = _options(cells)
        content["answer"] = _letters(answer_text)
    elif qtype == QuestionType.FILL_IN:
        content["answer"] = [
            [alt.strip() for alt in blank.split("|") if alt.strip()]
            for blank in SPLIT.split(answer_text)
            if blank.strip()
        ]
    else:
        content["material"] = content["stem"]
        content["stem"] = CASE_STEM
    subject = cells.get("科目") or default_subject
    topic = cells.get("知识点") or default_topic
    if not subject:
        problems.append(_(NO_CATEGORY))
    parsed = ParsedQuestion(
        row, qtype, content, difficulty, level, police_type, tags, refs, subject, topic
    )
    return parsed, problems


def parse_part(cells: dict[str, str], index: int) -> tuple[dict[str, Any], list[str]]:
    kind = PART_NAMES[cells["题型"]]
    part: dict[str, Any] = {
        "key": str(index),
        "kind": kind,
        "stem": cells.get("题干", ""),
    }
    if kind == "essay":
        rubric = _rubric(cells.get("答案", ""))
        if rubric is None:
            return part, [_(BAD_RUBRIC)]
        part["rubric"] = rubric
        part["weight"] = sum(r["points"] for r in rubric)
        part["analysis"] = cells.get("解析", "")
    else:
        part["options"] = _options(cells)
        part["answer"] = _letters(cells.get("答案", ""))
        part["weight"] = float(DEFAULT_PART_WEIGHT)
    return part, []


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
                qtype=QuestionType.CASE, content=current_case.content
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
            part, errors = parse_part(cells, len(current_case.content["parts"]) + 1)
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
        if parsed is not None and parsed.qtype == QuestionType.CASE:
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
    if qtype == QuestionType.TRUE_FALSE:
        return "对" if answer == ["T"] else "错"
    if qtype == QuestionType.FILL_IN:
        return "；".join("|".join(alts) for alts in answer)
    return "".join(answer)


def export_rows(questions: Iterable[Question]) -> list[list[str]]:
    """Return the spreadsheet rows (without the header) for ``questions``."""
    rows: list[list[str]] = []
    for q in questions:
        v = q.current_version
        options = {o["key"]: o["text"] for o in v.options}
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
        stem = v.material if q.qtype == QuestionType.CASE else v.stem
        opts = (
            []
            if q.qtype == QuestionType.TRUE_FALSE
            else [options.get(k, "") for k in OPTION_KEYS]
        )
        if q.qtype == QuestionType.TRUE_FALSE:
            opts = [""] * 6
        rows.append(
            [
                TYPE_LABEL[q.qtype],
                stem,
                *opts,
                _answer_text(q.qtype, v.answer),
                v.analysis,
                str(q.difficulty),
                "；".join(t for t in tags if t),
                "；".join(q.article_refs),
                subject,
                topic,
            ]
        )
        for part in v.parts:
            name = {"single": "案例单选", "multiple": "案例多选", "essay": "案例主观"}[
                part.get("kind", "single")
            ]
            popts = {o["key"]: o["text"] for o in part.get("options", [])}
            if part.get("kind") == "essay":
                answer = "；".join(
                    f"{r['text']}（{r['points']:g}分）" for r in part.get("rubric", [])
                )
            else:
                answer = "".join(part.get("answer", []))
            rows.append(
                [
                    name,
                    part.get("stem", ""),
                    *[popts.get(k, "") for k in OPTION_KEYS],
                    answer,
                    part.get("analysis", ""),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
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
