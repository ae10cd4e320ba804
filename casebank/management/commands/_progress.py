"""A tqdm progress bar that respects --verbosity and writes to the command's stderr."""

from __future__ import annotations

from tqdm import tqdm


class Progress:
    def __init__(self, command, *, unit: str, desc: str) -> None:
        self.command = command
        self.unit = unit
        self.desc = desc
        self.bar: tqdm | None = None

    def total(self, total: int) -> None:
        if self.command.verbosity >= 1:
            self.bar = tqdm(
                total=total,
                unit=self.unit,
                desc=self.desc,
                file=self.command.stderr._out,
                leave=True,
            )

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def write_report(command, report, *, noun: str) -> None:
    """Print the counts and every rejected record (line number and reason)."""
    style = command.style
    prefix = "[试运行，未写入] " if report.dry_run else ""
    command.stdout.write(
        f"{prefix}{noun}：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
        f"拒绝 {len(report.rejected)}；用时 {report.seconds:.1f} 秒"
    )
    if report.laws_created:
        command.stdout.write(f"{prefix}新增法律 {report.laws_created} 部")
    if report.flags_created:
        command.stdout.write(
            style.WARNING(f"{prefix}“法律已修改，请复核”提示 {report.flags_created} 条")
        )
    for warning in report.warnings:
        command.stderr.write(style.WARNING(f"注意 {warning}"))
    for rejection in report.rejected:
        command.stderr.write(style.ERROR(f"拒绝 {rejection}"))
