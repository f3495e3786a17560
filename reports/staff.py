"""The staff groups of report handling, as data, and the function that puts them in the database.

Migration reports/0004_staff_groups creates them; tests call ``ensure_staff_groups()`` directly. Group
names are data shown in the admin; these constants are how code finds them. An administrator who
renames a group in the admin must change it here too. Permissions are the custom ones of
``reports.Report`` (its ``Meta.permissions``), checked on every staff view and workflow transition,
plus Wagtail's ``access_admin`` so that every member can sign in to the admin at all.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from home.publishing import EDITORS_GROUP, MODERATORS_GROUP

INTAKE_GROUP = "受理员"  # settings.PORTAL_INTAKE_GROUP defaults to this name
INVESTIGATORS_GROUP = "核查员"
IDENTITY_CUSTODIANS_GROUP = "身份信息保管人"
REWARD_REVIEWERS_GROUP = "奖励审核员"
REWARD_APPROVERS_GROUP = "奖励审批人"
FINANCE_GROUP = "财务"
STATISTICS_GROUP = "统计查看"

ACCESS_ADMIN = "wagtailadmin.access_admin"

# Group name -> "app_label.codename" of every permission it holds.
STAFF_GROUPS: dict[str, list[str]] = {
    INTAKE_GROUP: [
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
    INVESTIGATORS_GROUP: [
        ACCESS_ADMIN,
        "reports.investigate_report",
        "reports.request_identity",
        "reports.view_report",
    ],
    IDENTITY_CUSTODIANS_GROUP: [
        ACCESS_ADMIN,
        "reports.grant_identity",
        "reports.view_report",
    ],
    # Reward reviewers manage the reward schemes (issue 7, migration 0007): a scheme's versions are
    # added, never changed or deleted. Review, approval and payment permissions come with the
    # decisions, in a migration that calls ensure_staff_groups again.
    REWARD_REVIEWERS_GROUP: [
        ACCESS_ADMIN,
        "reports.view_report",
        "reports.view_rewardscheme",
        "reports.add_rewardscheme",
        "reports.change_rewardscheme",
        "reports.view_rewardschemeversion",
        "reports.add_rewardschemeversion",
        # Reward decisions (migration 0008): a reviewer proposes or reviews, never both on one decision.
        "reports.propose_reward",
        "reports.review_reward",
    ],
    REWARD_APPROVERS_GROUP: [ACCESS_ADMIN, "reports.view_report", "reports.approve_reward"],
    FINANCE_GROUP: [
        ACCESS_ADMIN,
        "reports.view_report",
        "reports.export_reward_payments",
        "reports.mark_reward_paid",
    ],
    # Leaders: the figures, never a report.
    STATISTICS_GROUP: [ACCESS_ADMIN, "reports.view_report_statistics"],
}

#: Members of these groups (and every superuser) must pass a second factor (TOTP) to use the admin.
TWO_FACTOR_GROUPS: tuple[str, ...] = (*STAFF_GROUPS, EDITORS_GROUP, MODERATORS_GROUP)

# Where a permission that no model declares is to be created if it is missing (a database where it
# was deleted): its content type's model and a readable name.
_FALLBACK_PERMISSION_MODELS = {
    "wagtailadmin": ("admin", "Can access Wagtail admin"),
    "reports": ("report", None),
}


def _create_app_permissions(apps, app_label):
    """Let Django create the permissions the app's models declare, as its post_migrate signal would;
    during migrations that signal has not run yet."""
    try:
        app_config = apps.get_app_config(app_label)
    except LookupError:
        return
    if getattr(app_config, "models_module", None) is not None:
        create_permissions(app_config, apps=apps, verbosity=0)
        return
    # A historical app (migration state) has no models module, and create_permissions skips such
    # apps; mark it as having one for the call.
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        del app_config.models_module


def _permission(apps, qualified_name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = qualified_name.split(".", 1)
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).order_by("pk").first()
    if permission is None:
        model, name = _FALLBACK_PERMISSION_MODELS[app_label]
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": (name or codename)[:255]}
        )
    return permission


def ensure_staff_groups(apps=None, groups=None):
    """Create every missing staff group and give each the permissions it lacks. Never removes a group
    or a permission (what an administrator added stays). Running it again changes nothing.

    ``apps``: the historical app registry in a migration, Django's own otherwise. ``groups``: the
    mapping to apply, STAFF_GROUPS by default (a migration passes its own frozen copy)."""
    apps = apps or global_apps
    groups = STAFF_GROUPS if groups is None else groups
    Group = apps.get_model("auth", "Group")

    _create_app_permissions(apps, "reports")
    permissions = {}
    for group_name, qualified_names in groups.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for qualified_name in qualified_names:
            if qualified_name not in permissions:
                permissions[qualified_name] = _permission(apps, qualified_name)
        group.permissions.add(*(permissions[name] for name in qualified_names))
