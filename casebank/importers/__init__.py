"""Importers for statutes, charges and cases.

Shared rules: every rejected record is reported with its line number and the reason, and
never blocks the records around it; what is accepted is written in transactions whose unit
each importer states (a law, a batch of cases) so nothing is half-imported; re-running an
import changes nothing (records are matched by ``source_id`` and compared by content hash).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ImportAbort(Exception):
    """Raised inside a dry run's transaction to roll everything back."""


@dataclass(frozen=True)
class Rejection:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    laws_created: int = 0
    flags_created: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    def reject(self, source: str, line: int, reason: str) -> None:
        self.rejected.append(Rejection(source, line, reason))

    def warn(self, source: str, line: int, reason: str) -> None:
        self.warnings.append(Rejection(source, line, reason))

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "laws_created": self.laws_created,
            "flags_created": self.flags_created,
            "rejected": len(self.rejected),
            "warnings": len(self.warnings),
            "dry_run": self.dry_run,
        }


def read_jsonl(
    path: Path, report: ImportReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each JSON line; report malformed lines as rejected."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                report.reject(
                    path.name, number, f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）"
                )
                continue
            if not isinstance(record, dict):
                report.reject(path.name, number, "每行应是一个 JSON 对象")
                continue
            yield number, record


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
