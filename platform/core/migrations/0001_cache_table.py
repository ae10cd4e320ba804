"""The database cache table, so that a plain ``migrate`` leaves a working site.

The embedded defaults (no ``REDIS_URL``) keep the cache in the database table
``platform_cache`` (lockout counters, Wagtail's site cache, exam papers): without it the
first request or import fails with "no such table: platform_cache". This creates every
``DatabaseCache`` table the settings name, and ``platform_cache`` in any case (a site may
drop Redis later); ``createcachetable`` stays harmless to run.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import (
    Command as CreateCacheTable,
)
from django.db import migrations

CACHE_TABLE = "platform_cache"


def _tables() -> list[str]:
    tables = [CACHE_TABLE]
    for cache in settings.CACHES.values():
        if cache.get("BACKEND", "").endswith("DatabaseCache"):
            tables.append(cache["LOCATION"])
    return list(dict.fromkeys(tables))


def create_cache_tables(apps, schema_editor) -> None:
    command = CreateCacheTable()
    command.verbosity = 0
    for table in _tables():
        # Skips a table that already exists.
        command.create_table(schema_editor.connection.alias, table, dry_run=False)


def drop_cache_tables(apps, schema_editor) -> None:
    existing = set(schema_editor.connection.introspection.table_names())
    for table in _tables():
        if table in existing:
            schema_editor.execute(
                f"DROP TABLE {schema_editor.connection.ops.quote_name(table)}"
            )


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables)]
