"""Publishing groups and the moderation workflow.

Wagtail's own migrations already create, on a fresh database: groups "Editors" (admin access; add and
change pages on the tree root; add, change and choose images and documents in the root collection) and
"Moderators" (the same plus publish, lock and unlock pages), a GroupApprovalTask "Moderators approval"
for the Moderators group and a workflow of the same name assigned to the tree root. That is exactly the
portal's model, so this migration builds on it: it renames those objects to the Chinese names shown in
the admin and makes sure every permission and the root's workflow assignment is there, creating
whatever is missing (a database where Wagtail's defaults were deleted or renamed). Running it again
changes nothing. The workflow sits on the tree root, not on Wagtail's placeholder home page, so
home.site_setup.ensure_home_page, which deletes the placeholder, does not take it away.

The values are copied from home/publishing.py on purpose: a migration must not change behaviour when
application code changes later.

Reverse: give the groups, the task and the workflow back their Wagtail names (when those names are
free); permissions and the workflow assignment are left as they are, as Wagtail's own are.
"""

from django.db import migrations

EDITORS = "编辑"
MODERATORS = "审核员"
WORKFLOW = "发布审核"
TASK = "审核员审批"

WAGTAIL_EDITORS = "Editors"
WAGTAIL_MODERATORS = "Moderators"
WAGTAIL_WORKFLOW = "Moderators approval"  # also the name of Wagtail's task

PAGE_PERMISSIONS = {
    EDITORS: ("add", "change"),
    MODERATORS: ("add", "change", "publish", "lock", "unlock"),
}
COLLECTION_MODELS = (("wagtailimages", "image"), ("wagtaildocs", "document"))
COLLECTION_ACTIONS = ("add", "change", "choose")


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def _group(apps, name, wagtail_name):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=name).first()
    if group is None:
        group = Group.objects.filter(name=wagtail_name).first()
        if group is None:
            group = Group.objects.create(name=name)
        else:
            group.name = name
            group.save(update_fields=["name"])
    return group


def _workflow(apps, moderators):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.filter(name=WAGTAIL_WORKFLOW).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=WORKFLOW, active=True)
        else:
            workflow.name = WORKFLOW
            workflow.save(update_fields=["name"])

    task_ids = WorkflowTask.objects.filter(workflow=workflow).values_list("task_id", flat=True)
    approval_tasks = GroupApprovalTask.objects.filter(pk__in=list(task_ids))
    task = approval_tasks.filter(groups=moderators).order_by("pk").first()
    if task is None:
        content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name=TASK, content_type=content_type, active=True)
        last = WorkflowTask.objects.filter(workflow=workflow).order_by("-sort_order").first()
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=(last.sort_order + 1) if last else 0)
    if task.name == WAGTAIL_WORKFLOW:
        task.name = TASK
        task.save(update_fields=["name"])
    task.groups.add(moderators)
    return workflow


def forwards(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    editors = _group(apps, EDITORS, WAGTAIL_EDITORS)
    moderators = _group(apps, MODERATORS, WAGTAIL_MODERATORS)
    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    roots = list(Page.objects.filter(depth=1))
    root_collections = list(Collection.objects.filter(depth=1))

    for group in (editors, moderators):
        group.permissions.add(access_admin)
        for action in PAGE_PERMISSIONS[group.name]:
            permission = _permission(apps, "wagtailcore", "page", f"{action}_page", f"Can {action} page")
            for root in roots:
                GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        for app_label, model in COLLECTION_MODELS:
            for action in COLLECTION_ACTIONS:
                permission = _permission(apps, app_label, model, f"{action}_{model}", f"Can {action} {model}")
                for collection in root_collections:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=collection, permission=permission
                    )

    workflow = _workflow(apps, moderators)
    for root in roots:
        # A workflow an administrator already put on the root is theirs to keep.
        if not WorkflowPage.objects.filter(page=root).exists():
            WorkflowPage.objects.create(page=root, workflow=workflow)


def _rename(model, name, wagtail_name):
    if not model.objects.filter(name=wagtail_name).exists():
        model.objects.filter(name=name).update(name=wagtail_name)


def backwards(apps, schema_editor):
    _rename(apps.get_model("auth", "Group"), EDITORS, WAGTAIL_EDITORS)
    _rename(apps.get_model("auth", "Group"), MODERATORS, WAGTAIL_MODERATORS)
    _rename(apps.get_model("wagtailcore", "Task"), TASK, WAGTAIL_WORKFLOW)
    _rename(apps.get_model("wagtailcore", "Workflow"), WORKFLOW, WAGTAIL_WORKFLOW)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_demo_content_record"),
        # Wagtail's data migrations find its groups by their English names: they must all have run
        # before the groups are renamed.
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
