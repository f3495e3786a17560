"""Who may publish what. Migration home/0003_publishing_groups turns Wagtail's default groups and
workflow into the portal's: editors (编辑) write pages, moderators (审核员) approve them through the
workflow 发布审核 before they go live. Group, workflow and task names are data shown in the admin;
these constants are how code finds them. An administrator who renames them in the admin must change
them here too (the workflow keeps working either way: its task holds the group by id)."""

from django.contrib.auth.models import Group
from wagtail.models import Workflow

EDITORS_GROUP = "编辑"
MODERATORS_GROUP = "审核员"
PUBLISHING_WORKFLOW = "发布审核"
APPROVAL_TASK = "审核员审批"

# Page permissions each group holds on the tree root, inherited by every page below it (any site,
# any page type, including page models added later).
EDITOR_PAGE_PERMISSIONS = ("add", "change")
MODERATOR_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
# Permissions on the root collection of images and documents, for both groups.
COLLECTION_PERMISSIONS = ("add", "change", "choose")


def editors() -> Group:
    return Group.objects.get(name=EDITORS_GROUP)


def moderators() -> Group:
    return Group.objects.get(name=MODERATORS_GROUP)


def publishing_workflow() -> Workflow:
    return Workflow.objects.get(name=PUBLISHING_WORKFLOW)
