"""The chain gets an explicit order (``seq``) so that entries written inside long
transactions can be appended unsealed and sealed in order right after their commit,
by a short single-writer step, instead of holding the chain lock until the commit.

Existing entries were chained in id order: they get seq = id. On PostgreSQL the
append-only trigger now allows exactly one kind of UPDATE: sealing an entry that has
no place in the chain yet, with every other column unchanged.
"""

from django.conf import settings
from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION audit_auditentry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- The one change allowed: giving an entry its place in the chain, once.
        IF OLD.seq IS NULL AND NEW.seq IS NOT NULL
           AND (OLD.entry_hash LIKE 'unsealed:%%'
                OR (NEW.entry_hash = OLD.entry_hash AND NEW.prev_hash = OLD.prev_hash))
           AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
           AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor_username = OLD.actor_username
           AND NEW.action = OLD.action AND NEW.target_type = OLD.target_type
           AND NEW.target_id = OLD.target_id AND NEW.target_repr = OLD.target_repr
           AND NEW.result = OLD.result AND NEW.client_ip IS NOT DISTINCT FROM OLD.client_ip
           AND NEW.details = OLD.details THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only: UPDATE refused (id %%)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.created_at > now() - interval '183 days' THEN
        RAISE EXCEPTION 'audit entries younger than 183 days cannot be deleted (id %%)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(GUARD.replace("%%", "%"))
        cursor.execute("UPDATE audit_auditentry SET seq = id WHERE seq IS NULL")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("audit.migrations.0003_postgresql_append_only_trigger")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(previous.CREATE)



class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_postgresql_append_only_trigger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='audit_unsealed'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
