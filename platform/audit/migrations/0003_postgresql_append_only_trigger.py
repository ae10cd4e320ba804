"""On PostgreSQL, the database itself refuses to change audit entries and to delete
entries younger than 183 days (the legal floor), whatever client connects."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditentry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entries are append-only: UPDATE refused (id %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.created_at > now() - interval '183 days' THEN
        RAISE EXCEPTION 'audit entries younger than 183 days cannot be deleted (id %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_auditentry_guard ON audit_auditentry;
CREATE TRIGGER audit_auditentry_guard
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditentry_guard ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_guard();
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the % in RAISE must reach PL/pgSQL as it is.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def create(apps, schema_editor):
    _run(schema_editor, CREATE)


def drop(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_actor_do_nothing")]

    operations = [migrations.RunPython(create, drop)]
