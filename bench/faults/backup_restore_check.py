"""Back up a database and its media with scripts/backup.sh, restore into a fresh database
with scripts/restore.sh, and compare row counts per table and media files.

    .venv/bin/python bench/faults/backup_restore_check.py [--database-url postgres://.../h_hardening]

Prints one line per table that differs and a last line
``trials=1 failures=<tables or files that differ> losses=<rows missing>``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        # Table names come from the catalogue, not from input.
        return {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }


def files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/h_hardening"
    )
    args = parser.parse_args()
    base = args.database_url.rsplit("/", 1)[0]
    fresh = f"h_hardening_restore_{uuid.uuid4().hex[:6]}"
    work = Path(tempfile.mkdtemp(prefix="backup-check-"))
    media, restored_media = work / "media", work / "restored-media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "规章.txt").write_text("备份测试 " * 100, encoding="utf-8")
    (media / "images").mkdir()
    (media / "images" / "x.bin").write_bytes(os.urandom(4096))
    try:
        env = dict(os.environ, DATABASE_URL=args.database_url, MEDIA_ROOT=str(media))
        dest = (
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "backup.sh"), str(work / "backups")],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{fresh}"')
        env = dict(
            os.environ, DATABASE_URL=f"{base}/{fresh}", MEDIA_ROOT=str(restored_media)
        )
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "restore.sh"), dest],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        before, after = counts(args.database_url), counts(f"{base}/{fresh}")
        differ = [t for t in before if before[t] != after.get(t)]
        for t in differ:
            print(f"  {t}: {before[t]} rows before, {after.get(t)} after")
        lost_rows = sum(max(0, before[t] - after.get(t, 0)) for t in before)
        media_differ = files(media) != files(restored_media)
        print(
            f"tables={len(before)} rows={sum(before.values())} media_files={len(files(media))}"
        )
        print(f"trials=1 failures={len(differ) + int(media_differ)} losses={lost_rows}")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
