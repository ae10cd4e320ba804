"""What an administrator loading a force's data waits for, on the embedded defaults
(SQLite, no broker: tasks run eagerly, the embedded index with the bundled model) and,
when DATABASE_URL names a PostgreSQL database (dropped and created again), there too.

    .venv/bin/python bench/import_statutes.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench .venv/bin/python bench/import_statutes.py

Each figure comes from a fresh, migrated database in its own process, in the same run:

* ``statutes, DB only``: ``import_statutes`` of the national corpus (64,670 articles)
  with the search app's receivers disconnected: the database writes alone;
* ``statutes, indexed``: ``manage.py import_statutes`` as a user runs it, indexing on;
  the command returns when every article is searchable (checked: the index holds every
  article and a query finds one). Its ratio to the DB-only figure is the cost of
  indexing;
* ``10,000 cases, indexed``: ``bootstrap_site``, then ``manage.py import_cases --publish``
  of 10,000 CAIL2018 cases (the 4,057 of ``cail2018/train.jsonl``, repeated with a
  numbered suffix so each is a new case), searchable when it returns;
* ``delete 5,000 cases``: ``casebank.services.case_pages_delete`` of half of them, the
  index updated when it returns.

Each figure is given in wall seconds and in CPU seconds of the worker process (all its
threads). The machine is shared: compare the ratios of one run rather than absolute
seconds; with ``--parallel`` the measurements run side by side and only CPU seconds
compare.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SHARED_DATA_DIR", ROOT / ".." / "shared" / "data"))
TARGETS = {"statutes": 180.0, "cases": 120.0, "delete": 60.0}


def _setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from _bootstrap import bench_django_setup

    if not database_url:
        # The embedded defaults: a fresh SQLite file, whatever the parent was given.
        os.environ.pop("DATABASE_URL", None)

    bench_django_setup(prefix="bench-import-", database_url=database_url)


class Clock:
    """Wall seconds and CPU seconds (this process, every thread) of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = round(time.perf_counter() - self.wall, 1)
        self.cpu = round(time.process_time() - self.cpu, 1)


def _searchable(doc_type: str, text: str) -> tuple[int, int]:
    from search.backends import get_search_backend
    from search.backends.base import SearchQuery

    backend = get_search_backend()
    hits = backend.search(
        SearchQuery(text=text, doc_types=[doc_type], mode="hybrid", viewer_units=None)
    )
    return backend.count(doc_type), hits.total


def run_statutes(*, indexed: bool, corpus: Path) -> dict:
    from django.core.management import call_command

    from casebank.models import Article

    if not indexed:
        # The database writes alone: no search receiver runs.
        from django.db.models.signals import post_delete, post_save

        from casebank.models import ArticleVersion, Law
        from core.bulk import bulk_flush, rows_written

        rows_written.disconnect(dispatch_uid="search-rows-written")
        bulk_flush.disconnect(dispatch_uid="search-bulk-flush")
        for model in (Law, Article, ArticleVersion):
            label = model._meta.label
            post_save.disconnect(sender=model, dispatch_uid=f"search-{label}-save")
            post_delete.disconnect(sender=model, dispatch_uid=f"search-{label}-delete")
    with Clock() as clock:
        call_command("import_statutes", corpus, verbosity=0, stdout=StringIO())
    result = {
        "articles": Article.objects.count(),
        "seconds": clock.wall,
        "cpu": clock.cpu,
    }
    if indexed:
        indexed_count, found = _searchable("article", "醉酒驾驶机动车")
        result.update(indexed=indexed_count, found=found)
    return result


def _cases_file(count: int) -> Path:
    source = (DATA / "cail2018" / "train.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in source.splitlines() if line.strip()]
    path = Path(tempfile.mkdtemp(prefix="bench-cases-")) / "cases.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = dict(records[i % len(records)])
            if i >= len(records):
                record["fact"] = f"{record['fact']}（样本 {i}）"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def run_cases(*, count: int, delete: int) -> dict:
    from django.core.management import call_command

    from casebank.models import CasePage
    from casebank.services import case_pages_delete

    path = _cases_file(count)
    call_command("bootstrap_site", verbosity=0, stdout=StringIO())
    with Clock() as clock:
        call_command(
            "import_cases",
            path,
            "--format",
            "cail2018",
            "--publish",
            verbosity=0,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    indexed, found = _searchable("case", "盗窃 超市 香烟")
    result = {
        "cases": CasePage.objects.live().count(),
        "import_seconds": clock.wall,
        "import_cpu": clock.cpu,
        "indexed": indexed,
        "found": found,
    }
    with Clock() as clock:
        deleted = case_pages_delete(queryset=CasePage.objects.order_by("pk")[:delete])
    result["delete_seconds"] = clock.wall
    result["delete_cpu"] = clock.cpu
    result["deleted"] = deleted
    result["indexed_after_delete"] = _searchable("case", "盗窃")[0]
    return result


def worker(mode: str, database_url: str, args: argparse.Namespace) -> dict:
    _setup(database_url)
    if mode == "db":
        return run_statutes(indexed=False, corpus=args.corpus)
    if mode == "indexed":
        return run_statutes(indexed=True, corpus=args.corpus)
    return run_cases(count=args.cases, delete=args.delete)


def _start(mode: str, url: str, args: argparse.Namespace) -> subprocess.Popen:
    command = [sys.executable, __file__, "--worker", mode, "--url", url]
    command += ["--corpus", str(args.corpus), "--cases", str(args.cases)]
    command += ["--delete", str(args.delete)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _result(mode: str, process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{err[-4000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _run_all(url: str, args: argparse.Namespace) -> dict[str, dict]:
    # One PostgreSQL database (dropped and created per measurement): one at a time.
    if args.parallel and not url:
        started = {mode: _start(mode, url, args) for mode in args.only}
        return {mode: _result(mode, p) for mode, p in started.items()}
    return {mode: _result(mode, _start(mode, url, args)) for mode in args.only}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=DATA / "laws" / "national_articles.jsonl"
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--delete", type=int, default=5_000)
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["db", "indexed", "cases"],
        default=["db", "indexed", "cases"],
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="run the measurements side by side (compare CPU seconds, not wall)",
    )
    parser.add_argument(
        "--postgres-only",
        nargs="*",
        choices=["db", "indexed", "cases"],
        default=None,
        help="measurements to repeat on PostgreSQL (default: the same as --only)",
    )
    parser.add_argument(
        "--skip-sqlite",
        action="store_true",
        help="skip the SQLite measurements (PostgreSQL only)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, args)), flush=True)
        return
    targets = []
    if not args.skip_sqlite:
        targets.append(("SQLite, embedded index (the defaults)", ""))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        targets.append(("PostgreSQL, embedded index", os.environ["DATABASE_URL"]))
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    only = args.only
    for name, url in targets:
        args.only = (
            only if not url or args.postgres_only is None else args.postgres_only
        )
        print(f"{name}:", flush=True)
        results = _run_all(url, args)
        db, indexed = results.get("db"), results.get("indexed")
        if db:
            print(
                f"  statutes, DB only        {db['seconds']:>7} s wall {db['cpu']:>7} s CPU  "
                f"{db['articles']} articles"
            )
        if indexed:
            ok = "ok" if indexed["seconds"] <= TARGETS["statutes"] else "MISSED"
            print(
                f"  statutes, indexed        {indexed['seconds']:>7} s wall "
                f"{indexed['cpu']:>7} s CPU  "
                f"{indexed['articles']} articles, {indexed['indexed']} in the index, "
                f"query found {indexed['found']}  (target ≤ 180 s: {ok})"
            )
        if db and indexed:
            print(
                f"  indexed / DB only        {indexed['seconds'] / db['seconds']:.2f}x wall"
                f"  {indexed['cpu'] / max(db['cpu'], 0.1):.2f}x CPU"
            )
        cases = results.get("cases")
        if cases:
            ok = "ok" if cases["import_seconds"] <= TARGETS["cases"] else "MISSED"
            print(
                f"  {args.cases} cases, indexed  {cases['import_seconds']:>7} s wall "
                f"{cases['import_cpu']:>7} s CPU  "
                f"{cases['cases']} live, {cases['indexed']} in the index, query found "
                f"{cases['found']}  (target ≤ 120 s: {ok})"
            )
            ok = "ok" if cases["delete_seconds"] <= TARGETS["delete"] else "MISSED"
            print(
                f"  delete {cases['deleted']} cases       {cases['delete_seconds']:>7} s wall "
                f"{cases['delete_cpu']:>7} s CPU  "
                f"{cases['indexed_after_delete']} left in the index  (target ≤ 60 s: {ok})"
            )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
