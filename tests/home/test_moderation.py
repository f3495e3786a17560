"""Publishing with moderation: editors (编辑) write pages, moderators (审核员) approve them before
the public sees them. Everything goes through the admin's own URLs with the Django test client,
as the editors' and moderators' browsers would; the public side is an anonymous client."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from home import publishing
from home.models import StandardPage
from tests.factories import StandardPageFactory, UserFactory

pytestmark = pytest.mark.django_db

WAGTAIL_PLACEHOLDER_TITLE = "Welcome to your new Wagtail site!"


def _member_of(group_name: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _logged_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def editor(demo):
    return _member_of(publishing.EDITORS_GROUP, "editor")


@pytest.fixture
def moderator(demo):
    return _member_of(publishing.MODERATORS_GROUP, "moderator")


@pytest.fixture
def as_editor(editor):
    return _logged_in(editor)


@pytest.fixture
def as_moderator(moderator):
    return _logged_in(moderator)


def _form(title: str, slug: str, intro: str, **extra) -> dict:
    """What the admin's page form posts for a StandardPage."""
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": intro,
            "body": streamfield([("paragraph", rich_text("<p>正文内容。</p>"))]),
            "comments": inline_formset([]),
            **extra,
        }
    )


def _with_action(data: dict, action: str | None) -> dict:
    # The admin's buttons: "action-publish", "action-submit"; no button at all is "save draft".
    return {**data, f"action-{action}": "1"} if action else data


def _redirected(response):
    form = response.context["form"] if response.context and "form" in response.context else None
    assert response.status_code == 302, form.errors if form is not None else response.status_code
    return response


def add_page(browser: Client, parent: Page, action: str | None, **fields) -> StandardPage:
    url = reverse("wagtailadmin_pages:add", args=("home", "standardpage", parent.pk))
    _redirected(browser.post(url, _with_action(_form(**fields), action)))
    return StandardPage.objects.get(slug=fields["slug"])


def edit_page(browser: Client, page: Page, action: str | None, **fields):
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    return browser.post(url, _with_action(_form(**fields), action))


def workflow_action(browser: Client, page: Page, action: str, comment: str = ""):
    task_state = Page.objects.get(pk=page.pk).current_workflow_task_state
    assert task_state is not None, "the page is not awaiting moderation"
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return browser.post(url, {"comment": comment})


def refused(response):
    """Wagtail answers a forbidden admin action by sending the user back to the dashboard."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def fresh(page: Page) -> StandardPage:
    return StandardPage.objects.get(pk=page.pk)


def test_publishing_groups_have_chinese_names_in_the_admin(client):
    client.force_login(UserFactory(superuser=True))

    html = client.get(reverse("wagtailusers_groups:index")).content.decode()

    names = set(Group.objects.values_list("name", flat=True))
    assert {publishing.EDITORS_GROUP, publishing.MODERATORS_GROUP} <= names
    assert not {"Editors", "Moderators"} & names
    assert publishing.EDITORS_GROUP in html
    assert publishing.MODERATORS_GROUP in html


@pytest.mark.parametrize("group_name", [publishing.EDITORS_GROUP, publishing.MODERATORS_GROUP])
def test_editors_and_moderators_reach_the_admin_pages_images_and_documents(demo, group_name):
    user = UserFactory(username="staff")
    browser = _logged_in(user)
    add_standard_page = reverse("wagtailadmin_pages:add", args=("home", "standardpage", demo.pk))
    screens = [reverse("wagtailadmin_home"), add_standard_page, "/admin/images/add/", "/admin/documents/add/"]

    # Without a group, a staff account gets none of it.
    assert [browser.get(url).status_code == 200 for url in screens] == [False] * len(screens)

    user.groups.add(Group.objects.get(name=group_name))

    assert [browser.get(url).status_code for url in screens] == [200] * len(screens)


def test_every_page_of_the_demo_site_goes_through_the_publishing_workflow(demo):
    later = StandardPageFactory(parent=demo, live=False)
    nested = StandardPageFactory(parent=later, live=False)

    # The demo loader replaced Wagtail's placeholder home page; the workflow did not go with it.
    assert not Page.objects.filter(title=WAGTAIL_PLACEHOLDER_TITLE).exists()
    pages = demo.get_descendants(inclusive=True)
    assert {later.pk, nested.pk} < set(pages.values_list("pk", flat=True))
    assert {page.title: page.get_workflow().name for page in pages} == {
        page.title: publishing.PUBLISHING_WORKFLOW for page in pages
    }
    tasks = [task.specific for task in publishing.publishing_workflow().tasks]
    assert [task.name for task in tasks] == [publishing.APPROVAL_TASK]
    assert [group.name for group in tasks[0].groups.all()] == [publishing.MODERATORS_GROUP]


def test_editor_cannot_publish_directly(as_editor, client, demo):
    page = add_page(as_editor, demo, "publish", title="医保政策解读", slug="policy-explained", intro="草稿")

    assert not page.live
    assert page.live_revision is None
    assert client.get("/policy-explained/").status_code == 404

    # Pressing "publish" again on the edit screen is no better.
    edit_page(as_editor, page, "publish", title="医保政策解读", slug="policy-explained", intro="再试一次")

    assert not fresh(page).live
    assert client.get("/policy-explained/").status_code == 404


def test_submitted_page_goes_live_only_when_a_moderator_approves(as_editor, as_moderator, moderator, client, demo):
    page = add_page(as_editor, demo, "submit", title="2026年抽查结果", slug="inspection-2026", intro="抽查了十家")

    assert Page.objects.get(pk=page.pk).workflow_in_progress
    assert not fresh(page).live
    assert client.get("/inspection-2026/").status_code == 404
    assert any(moderator.email in message.to for message in mail.outbox)

    # Whoever submitted cannot approve; while under review the editor cannot change the text either.
    refused(workflow_action(as_editor, page, "approve"))
    assert Page.objects.get(pk=page.pk).workflow_in_progress
    edit_page(as_editor, page, "submit", title="2026年抽查结果", slug="inspection-2026", intro="偷偷改过")
    assert not fresh(page).live
    assert fresh(page).latest_revision.as_object().intro == "抽查了十家"

    _redirected(workflow_action(as_moderator, page, "approve"))

    assert fresh(page).live
    assert not Page.objects.get(pk=page.pk).workflow_in_progress
    response = client.get("/inspection-2026/")
    assert response.status_code == 200
    assert "2026年抽查结果" in response.content.decode()
    assert "抽查了十家" in response.content.decode()


def test_request_for_changes_keeps_the_page_offline(as_editor, as_moderator, editor, client, demo):
    page = add_page(as_editor, demo, "submit", title="典型案例", slug="case-1", intro="待核实")
    mail.outbox.clear()

    _redirected(workflow_action(as_moderator, page, "reject", comment="请补充处理依据"))

    assert not fresh(page).live
    assert client.get("/case-1/").status_code == 404
    state = WorkflowState.objects.for_instance(Page.objects.get(pk=page.pk)).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert any(editor.email in message.to and "请补充处理依据" in message.body for message in mail.outbox)

    # The editor fixes it and submits again; it is still offline until approved.
    edit_page(as_editor, page, "submit", title="典型案例", slug="case-1", intro="已补充依据")
    assert not fresh(page).live
    assert client.get("/case-1/").status_code == 404


def test_moderator_publishes_directly(as_moderator, client, demo):
    page = add_page(as_moderator, demo, "publish", title="基金收支公告", slug="fund-notice", intro="上半年收支")

    assert fresh(page).live
    response = client.get("/fund-notice/")
    assert response.status_code == 200
    assert "基金收支公告" in response.content.decode()


def test_an_edit_to_a_live_page_is_a_draft_until_approved(as_editor, as_moderator, client, demo):
    page = StandardPageFactory(parent=demo, slug="hotline", title="举报电话", intro="旧的说明")
    live_revision = fresh(page).live_revision

    edit_page(as_editor, page, None, title="举报电话", slug="hotline", intro="新的说明")
    edit_page(as_editor, page, "submit", title="举报电话", slug="hotline", intro="新的说明")

    page = fresh(page)
    assert page.live
    assert page.has_unpublished_changes
    assert page.live_revision == live_revision
    assert page.latest_revision != live_revision
    html = client.get("/hotline/").content.decode()
    assert "旧的说明" in html
    assert "新的说明" not in html

    _redirected(workflow_action(as_moderator, page, "approve"))

    page = fresh(page)
    assert not page.has_unpublished_changes
    assert page.live_revision == page.latest_revision
    html = client.get("/hotline/").content.decode()
    assert "新的说明" in html
    assert "旧的说明" not in html


def test_approved_page_scheduled_for_later_goes_live_when_publish_scheduled_runs(
    as_editor, as_moderator, client, demo, monkeypatch
):
    go_live_at = (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    page = add_page(
        as_editor,
        demo,
        "submit",
        title="新版举报奖励办法",
        slug="reward-rules",
        intro="下周起施行",
        go_live_at=timezone.localtime(go_live_at).strftime("%Y-%m-%d %H:%M"),
    )

    _redirected(workflow_action(as_moderator, page, "approve"))

    page = fresh(page)
    assert not page.live
    assert page.approved_schedule
    assert page.latest_revision.approved_go_live_at == go_live_at
    call_command("publish_scheduled")
    assert not fresh(page).live
    assert client.get("/reward-rules/").status_code == 404

    later = go_live_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("publish_scheduled")

    assert fresh(page).live
    response = client.get("/reward-rules/")
    assert response.status_code == 200
    assert "新版举报奖励办法" in response.content.decode()


def test_moderators_lock_and_unlock_pages_editors_cannot(as_editor, as_moderator, demo):
    page = StandardPageFactory(parent=demo, slug="about-us", title="关于我们", intro="原文")
    lock_url = reverse("wagtailadmin_pages:lock", args=(page.pk,))

    refused(as_editor.post(lock_url))
    assert not fresh(page).locked

    _redirected(as_moderator.post(lock_url))
    assert fresh(page).locked
    revisions = page.revisions.count()
    edit_page(as_editor, page, None, title="关于我们", slug="about-us", intro="编辑改的")
    assert page.revisions.count() == revisions

    _redirected(as_moderator.post(reverse("wagtailadmin_pages:unlock", args=(page.pk,))))
    assert not fresh(page).locked
    edit_page(as_editor, page, None, title="关于我们", slug="about-us", intro="编辑改的")
    assert page.revisions.count() == revisions + 1
