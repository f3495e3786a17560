"""The audit trail (reports/audit.py) and, on PostgreSQL, the triggers that make its table append-only.

On PostgreSQL a row trigger refuses every UPDATE and DELETE of ``reports_auditevent`` and a statement
trigger refuses TRUNCATE ("audit events are append-only"). TRUNCATE is let through only for the
table's owner with ``portal.audit_allow_truncate = on`` in the session, which the test suite needs to
empty the database between transactional tests. Other databases get the table alone: the model's own
guard and the hash chain protect it there.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FUNCTION = "reports_auditevent_append_only"
ROW_TRIGGER = "reports_auditevent_no_update_delete"
TRUNCATE_TRIGGER = "reports_auditevent_no_truncate"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("reports", "AuditEvent")._meta.db_table)
    # Names only, no input: the function's constant name and the quoted table name (bandit B608).
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE'
               AND current_setting('portal.audit_allow_truncate', true) = 'on'
               AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
            THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING HINT = 'Audit events are only ever inserted (reports.audit.record).';
        END;
        $$
        """,  # nosec B608
        params=None,  # the body's "%" are PL/pgSQL placeholders, not query parameters
    )
    schema_editor.execute(
        f"CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("reports", "AuditEvent")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {table}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="sequence")),
                ("created_at", models.DateTimeField(db_index=True, editable=False, verbose_name="time")),
                (
                    "actor_label",
                    models.CharField(blank=True, editable=False, max_length=150, verbose_name="user name"),
                ),
                ("action", models.CharField(db_index=True, editable=False, max_length=64, verbose_name="action")),
                ("details", models.JSONField(blank=True, default=dict, editable=False, verbose_name="details")),
                (
                    "previous_hash",
                    models.CharField(editable=False, max_length=64, unique=True, verbose_name="previous hash"),
                ),
                ("hash", models.CharField(editable=False, max_length=64, verbose_name="hash")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to="reports.report",
                        verbose_name="report",
                    ),
                ),
            ],
            options={
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
                "ordering": ["sequence"],
                "get_latest_by": "sequence",
                "base_manager_name": "objects",
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
