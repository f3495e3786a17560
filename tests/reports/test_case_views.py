"""Staff work reports in the Wagtail admin: the queue, the case page and its actions, with access
checked per report and every view of decrypted content audited."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from reports import evidence, intake
from reports.audit import AuditEvent
from reports.models import Report, Status

from .builders import make_submission, photo

pytestmark = pytest.mark.django_db


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def staff(db):
    return {
        "intake": member("shouli", "受理员"),
        "investigator": member("hecha", "核查员"),
        "colleague": member("hecha2", "核查员"),
        "finance": member("caiwu", "财务"),
    }


def signed_in(client, user):
    """A staff session that has passed the second factor (tests/conftest.py)."""
    client.force_login(user)
    return client


@pytest.fixture
def report(report_keys):
    return intake.submit(make_submission(files=[evidence.sanitise(photo(), "现场.jpg")]))


def test_intake_officers_see_the_queue_and_open_a_case_which_is_audited(client, staff, report):
    signed_in(client, staff["intake"])
    queue = client.get(reverse("reports_admin:queue"))
    assert queue.status_code == 200 and report.report.number in queue.content.decode()
    page = client.get(reverse("reports_admin:case", args=[report.report.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and make_submission().description in html
    event = AuditEvent.objects.get(action="report.view_content")
    assert event.actor == staff["intake"] and event.report_id == report.report.pk


def test_investigators_see_only_their_own_cases(client, staff, report):
    Report.objects.filter(pk=report.report.pk).update(status=Status.ASSIGNED, assignee=staff["investigator"])
    signed_in(client, staff["colleague"])
    assert report.report.number not in client.get(reverse("reports_admin:queue")).content.decode()
    assert client.get(reverse("reports_admin:case", args=[report.report.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="report.view_content").exists()
    client.logout()
    signed_in(client, staff["investigator"])
    assert client.get(reverse("reports_admin:case", args=[report.report.pk])).status_code == 200


def test_staff_without_case_permissions_get_nothing(client, staff, report):
    signed_in(client, staff["finance"])
    assert client.get(reverse("reports_admin:queue")).status_code == 404
    assert client.get(reverse("reports_admin:case", args=[report.report.pk])).status_code == 404


def test_an_action_posted_from_the_case_page_moves_the_report_and_tells_the_reporter(client, staff, report):
    signed_in(client, staff["intake"])
    url = reverse("reports_admin:act", args=[report.report.pk, "reject"])
    response = client.post(
        url, {"reject-rejection_reason": "not_fund_matter", "reject-message": "不属于医保基金问题。"}
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=report.report.pk).status == Status.REJECTED
    assert intake.open_with_code(report.code).messages[-1].text == "不属于医保基金问题。"


def test_a_refused_action_changes_nothing(client, staff, report):
    signed_in(client, staff["investigator"])  # may not decide on acceptance, nor see the case
    response = client.post(reverse("reports_admin:act", args=[report.report.pk, "accept"]), {})
    assert response.status_code == 404
    signed_in(client, staff["intake"])
    response = client.post(reverse("reports_admin:act", args=[report.report.pk, "start"]), {}, follow=True)
    assert Report.objects.get(pk=report.report.pk).status == Status.RECEIVED
    assert "start" not in [e.action for e in AuditEvent.objects.all()]


def test_evidence_is_served_from_decrypted_bytes_with_an_audit_event(client, staff, report, settings, tmp_path):
    signed_in(client, staff["intake"])
    file_id = intake.open_for_staff(report.report).evidence[0].id
    response = client.get(reverse("reports_admin:evidence", args=[report.report.pk, file_id]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8") and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="report.view_evidence").count() == 1


@pytest.mark.parametrize(
    ("group", "shown", "hidden"),
    [
        ("受理员", ["/admin/cases/", "/admin/cases/register/", "/admin/cases/statistics/"], ["identity-requests"]),
        ("核查员", ["/admin/cases/"], ["/admin/cases/register/", "/admin/cases/statistics/", "identity-requests"]),
        ("身份信息保管人", ["/admin/cases/identity-requests/"], ["/admin/cases/register/", "/admin/cases/statistics/"]),
    ],
)
def test_the_admin_menu_shows_each_group_its_own_screens(client, staff, group, shown, hidden):
    signed_in(client, member(f"menu-{group}", group))
    html = client.get("/admin/").content.decode()
    for url in shown:
        assert url in html, url
    for url in hidden:
        assert url not in html, url


def test_the_case_page_offers_the_deadline_extension_and_the_exposed_case_draft_when_they_apply(client, staff, report):
    signed_in(client, staff["intake"])
    url = reverse("reports_admin:case", args=[report.report.pk])
    html = client.get(url).content.decode()
    assert reverse("reports_admin:extend_deadline", args=[report.report.pk]) in html
    assert reverse("reports_admin:draft_case", args=[report.report.pk]) not in html
    Report.objects.filter(pk=report.report.pk).update(
        status=Status.CONCLUDED, outcome="substantiated", verified_amount=100
    )
    html = client.get(url).content.decode()
    assert reverse("reports_admin:draft_case", args=[report.report.pk]) in html
    assert reverse("reports_admin:extend_deadline", args=[report.report.pk]) not in html
