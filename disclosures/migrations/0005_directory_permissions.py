"""Editors and moderators keep the random-inspection directories (一单两库): they may add, change,
delete and view inspection items, designated institutions and inspectors. Groups are found by the
names home/0003 gives them; a group that is missing is left missing. Running it again changes nothing."""

from django.db import migrations

GROUPS = ("编辑", "审核员")
MODELS = ("inspectionitem", "inspectedinstitution", "inspector")
ACTIONS = ("add", "change", "delete", "view")


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = []
    for model in MODELS:
        content_type, _ = ContentType.objects.get_or_create(app_label="disclosures", model=model)
        for action in ACTIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {model}"}
            )
            permissions.append(permission)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0004_inspection_draws"),
        ("home", "0003_publishing_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
