"""Staff groups of report handling: 受理员, 核查员, 身份信息保管人, 奖励审核员, 奖励审批人, 财务, 统计查看,
each with its permissions (reports/staff.py says what each may do).

The mapping is copied here from reports/staff.py on purpose, as home/0003_publishing_groups does: a
migration must not change behaviour when application code changes later. A later change of the
mapping comes with a migration of its own that calls ensure_staff_groups again.

Idempotent: missing groups are created, missing permissions added, nothing removed.
Reverse: nothing (the groups, and whatever an administrator gave them, are left in place).
"""

from django.db import migrations

ACCESS_ADMIN = "wagtailadmin.access_admin"

STAFF_GROUPS = {
    "受理员": [
        ACCESS_ADMIN,
        "reports.view_all_reports",
        "reports.register_report",
        "reports.decide_report",
        "reports.assign_report",
        "reports.merge_report",
        "reports.give_feedback",
        "reports.extend_deadline",
        "reports.view_report_statistics",
        "reports.view_report",
    ],
    "核查员": [ACCESS_ADMIN, "reports.investigate_report", "reports.request_identity", "reports.view_report"],
    "身份信息保管人": [ACCESS_ADMIN, "reports.grant_identity", "reports.view_report"],
    "奖励审核员": [ACCESS_ADMIN, "reports.view_report"],
    "奖励审批人": [ACCESS_ADMIN, "reports.view_report"],
    "财务": [ACCESS_ADMIN, "reports.view_report"],
    "统计查看": [ACCESS_ADMIN, "reports.view_report_statistics"],
}


def forwards(apps, schema_editor):
    from reports.staff import ensure_staff_groups

    ensure_staff_groups(apps, groups=STAFF_GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_audit_events"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Creates the "access_admin" permission every staff group holds.
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
