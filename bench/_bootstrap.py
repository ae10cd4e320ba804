"""Start Django for a bench script on a throwaway database.

Without a database URL the bench gets a temporary SQLite file; with a PostgreSQL URL the
named database is dropped and created again. The test settings are used (fast hashing,
eager tasks, embedded search in the same temporary folder), then every migration runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_django_setup(
    *, prefix: str, database_url: str = "", workdir: Path | None = None
) -> Path:
    """Configure, set up and migrate Django; return the temporary folder it uses
    (``workdir`` instead, kept between runs, when given)."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir or Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["TEST_VAR_DIR"] = str(tmp)
    if database_url:
        base, name = database_url.rsplit("/", 1)
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
            check=True,
        )
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True
        )
        os.environ["DATABASE_URL"] = database_url
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor}; migrating …", flush=True)
    call_command("migrate", verbosity=0)
    return tmp
