"""Import the full national statute corpus (64,670 articles of 1,429 laws) and print
articles per second, in a fresh SQLite database and, when DATABASE_URL is given, in that
PostgreSQL database too (migrate creates the tables; use a throw-away database).

    .venv/bin/python bench/import_statutes.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_casebank_bench .venv/bin/python bench/import_statutes.py

Per database it prints: the importer's rate for the whole corpus (first import), the rate
of an idempotent re-import (nothing changes), and a baseline measured in the same run: the
naive way (one Article.save() and one ArticleVersion.save() per row, autocommit) over the
first ``--baseline`` articles, with the ratio of the two rates. The search app's indexing
signals are disconnected in both: this measures the database writes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SHARED_DATA_DIR", ROOT / ".." / "shared" / "data"))


def run_one(database_url: str, corpus: Path, baseline_rows: int) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from casebank.importers import ImportReport
    from casebank.importers.statutes import collect, import_statutes
    from casebank.models import Article, ArticleVersion, Law, content_hash

    call_command("migrate", verbosity=0)
    Law.objects.all().delete()
    # Measure the database writes, not the search app's per-row indexing (its post_save
    # handlers would embed every article the row-by-row baseline saves).
    from django.db.models.signals import post_delete, post_save

    for model in (Law, Article, ArticleVersion):
        post_save.disconnect(
            sender=model, dispatch_uid=f"search-{model._meta.label}-save"
        )
        post_delete.disconnect(
            sender=model, dispatch_uid=f"search-{model._meta.label}-delete"
        )

    # Baseline: row-by-row saves, as a naive importer would do them.
    versions = collect([corpus], ImportReport())
    rows = [(v, a) for v in versions for a in v.articles][:baseline_rows]
    started = time.perf_counter()
    laws: dict[str, Law] = {}
    for version, record in rows:
        law = laws.get(version.name) or Law.objects.create(
            name=version.name, source_id=f"baseline:{version.name}"
        )
        laws[version.name] = law
        article = Article.objects.create(
            law=law,
            label=record.label,
            number=record.number,
            sub_number=record.sub_number,
            chapter_path=record.chapter_path,
            source_id=f"baseline:{record.source_id}",
        )
        ArticleVersion.objects.create(
            article=article, text=record.text, content_hash=content_hash(record.text)
        )
    baseline_seconds = time.perf_counter() - started
    with transaction.atomic():
        Law.objects.filter(source_id__startswith="baseline:").delete()

    first = import_statutes([corpus])
    again = import_statutes([corpus])
    total = first.created + first.updated + first.unchanged
    return {
        "articles": total,
        "laws": Law.objects.count(),
        "rejected": len(first.rejected),
        "import_seconds": round(first.seconds, 1),
        "import_rate": round(total / first.seconds),
        "reimport_seconds": round(again.seconds, 1),
        "reimport_rate": round(total / again.seconds),
        "reimport_created": again.created + again.updated,
        "baseline_rows": len(rows),
        "baseline_rate": round(len(rows) / baseline_seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=DATA / "laws" / "national_articles.jsonl"
    )
    parser.add_argument(
        "--baseline", type=int, default=2000, help="rows for the row-by-row baseline"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_one(args.worker, args.corpus, args.baseline)))
        return
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite (fresh file)", f"sqlite:///{tmp}/bench.sqlite3"))
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            targets.append(("PostgreSQL", os.environ["DATABASE_URL"]))
        for name, url in targets:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    url,
                    "--corpus",
                    str(args.corpus),
                    "--baseline",
                    str(args.baseline),
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = result["import_rate"] / result["baseline_rate"]
            print(
                f"{name}: {result['articles']} articles of {result['laws']} laws, {result['rejected']} rejected\n"
                f"  import_statutes        {result['import_seconds']:>7} s  {result['import_rate']:>7} articles/s\n"
                f"  re-import (idempotent) {result['reimport_seconds']:>7} s  {result['reimport_rate']:>7} articles/s"
                f"  ({result['reimport_created']} written)\n"
                f"  baseline row-by-row    {result['baseline_rows']:>7} rows {result['baseline_rate']:>5} articles/s\n"
                f"  importer / baseline    {ratio:.1f}x"
            )


if __name__ == "__main__":
    main()
