"""A real-name reporter's identity (reports/identity_access.py and its screens): hidden by default,
seen only after a reasoned request that another person, a custodian, grants; for seven days; every
step and every showing audited."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from reports import identity_access, intake
from reports.audit import AuditEvent
from reports.identity_access import IdentityAccessRefused
from reports.models import AccessDecision, IdentityAccessRequest, Report, Status

from .builders import make_submission

pytestmark = pytest.mark.django_db

NAME, ID_NUMBER, PHONE = "李秀英", "53090219800101030X", "13988776655"
REASON = "需要请举报人作为证人到现场指认涉事病房。"
REQUESTS = "/admin/cases/identity-requests/"


def member(username, *groups):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(*Group.objects.filter(name__in=groups))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff(db):
    return {
        "investigator": member("hecha", "核查员"),
        "colleague": member("hecha2", "核查员"),
        "custodian": member("baoguan", "身份信息保管人"),
        "custodian2": member("baoguan2", "身份信息保管人"),
        "intake": member("shouli", "受理员"),
        # Both an investigator and a custodian: may ask, may decide, never on their own request.
        "both": member("jianren", "核查员", "身份信息保管人"),
    }


def _assigned(submission, to):
    result = intake.submit(submission)
    Report.objects.filter(pk=result.report.pk).update(status=Status.INVESTIGATING, assignee=to)
    return Report.objects.without_ciphertext().get(pk=result.report.pk), result.code


@pytest.fixture
def real_name(report_keys, staff):
    person = intake.Identity(name=NAME, id_number=ID_NUMBER, phone=PHONE, contact_preference="sms")
    return _assigned(make_submission(identity=person), staff["investigator"])


@pytest.fixture
def anonymous(report_keys, staff):
    return _assigned(make_submission(), staff["investigator"])[0]


def case_page(client, user, report) -> str:
    client.force_login(user)
    response = client.get(reverse("reports_admin:case", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def shows_identity(html: str) -> bool:
    return NAME in html or ID_NUMBER in html or PHONE in html


def test_the_urls_are_the_ones_the_brief_names():
    assert reverse("reports_admin:identity_requests") == REQUESTS


def test_an_investigator_without_a_grant_sees_no_identity_but_a_form_to_ask(client, staff, real_name):
    report, _ = real_name
    html = case_page(client, staff["investigator"], report)
    assert not shows_identity(html)
    assert reverse("reports_admin:request_identity", args=[report.pk]) in html
    assert not AuditEvent.objects.filter(action="report.view_identity").exists()
    assert not identity_access.may_see_identity(report, staff["investigator"])


def test_request_grant_see_and_every_showing_is_audited(client, staff, real_name):
    report, _ = real_name
    client.force_login(staff["investigator"])
    client.post(reverse("reports_admin:request_identity", args=[report.pk]), {"reason": REASON})
    access = IdentityAccessRequest.objects.get()
    assert access.decision == AccessDecision.PENDING and access.requested_by == staff["investigator"]
    asked = AuditEvent.objects.get(action="identity.request")
    assert asked.actor == staff["investigator"] and asked.report_id == report.pk
    assert REASON not in str(asked.details)
    html = case_page(client, staff["investigator"], report)
    assert not shows_identity(html), "asked, not yet granted"
    assert reverse("reports_admin:request_identity", args=[report.pk]) not in html, "one request at a time"

    client.force_login(staff["custodian"])
    listing = client.get(REQUESTS)
    assert listing.status_code == 200 and REASON in listing.content.decode()
    assert not shows_identity(listing.content.decode())
    response = client.post(reverse("reports_admin:decide_identity", args=[access.pk]), {"decision": "grant"})
    assert response.status_code == 302

    access.refresh_from_db()
    assert access.decision == AccessDecision.GRANTED and access.decided_by == staff["custodian"]
    assert access.valid_until - access.decided_at == timedelta(days=7)
    granted = AuditEvent.objects.get(action="identity.grant")
    assert granted.actor == staff["custodian"] and granted.details["request"] == access.pk
    assert identity_access.may_see_identity(report, staff["investigator"])
    assert REASON not in client.get(REQUESTS).content.decode(), "no longer pending"

    html = case_page(client, staff["investigator"], report)
    assert NAME in html and ID_NUMBER in html and PHONE in html
    seen = AuditEvent.objects.filter(action="report.view_identity")
    assert seen.count() == 1 and seen.get().actor == staff["investigator"] and seen.get().report_id == report.pk
    assert NAME not in str(seen.get().details) and ID_NUMBER not in str(seen.get().details)
    case_page(client, staff["investigator"], report)
    assert AuditEvent.objects.filter(action="report.view_identity").count() == 2

    # The grant is that person's only.
    Report.objects.filter(pk=report.pk).update(assignee=staff["colleague"])
    assert not identity_access.may_see_identity(report, staff["colleague"])
    assert not shows_identity(case_page(client, staff["colleague"], report))


def test_a_refused_request_shows_nothing(client, staff, real_name):
    report, _ = real_name
    access = identity_access.request_access(report, staff["investigator"], REASON)
    with pytest.raises(IdentityAccessRefused) as refused:
        identity_access.decide(access, staff["custodian"], grant=False, note="")
    assert refused.value.field == "note"
    client.force_login(staff["custodian"])
    client.post(reverse("reports_admin:decide_identity", args=[access.pk]), {"decision": "refuse", "note": "理由不足"})

    access.refresh_from_db()
    assert access.decision == AccessDecision.REFUSED and access.valid_until is None
    assert AuditEvent.objects.get(action="identity.refuse").details == {
        "request": access.pk,
        "requested_by": staff["investigator"].pk,
    }
    assert not identity_access.may_see_identity(report, staff["investigator"])
    html = case_page(client, staff["investigator"], report)
    assert not shows_identity(html) and "理由不足" in html, "the requester reads the note"
    assert not AuditEvent.objects.filter(action="report.view_identity").exists()
    with pytest.raises(IdentityAccessRefused):  # decided once
        identity_access.decide(access, staff["custodian2"], grant=True)


def test_an_expired_grant_shows_nothing_and_a_new_request_may_be_made(client, staff, real_name):
    report, _ = real_name
    access = identity_access.request_access(report, staff["investigator"], REASON)
    identity_access.decide(access, staff["custodian"], grant=True)
    IdentityAccessRequest.objects.filter(pk=access.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert not identity_access.may_see_identity(report, staff["investigator"])
    html = case_page(client, staff["investigator"], report)
    assert not shows_identity(html)
    assert reverse("reports_admin:request_identity", args=[report.pk]) in html
    assert not AuditEvent.objects.filter(action="report.view_identity").exists()
    identity_access.request_access(report, staff["investigator"], REASON)
    assert IdentityAccessRequest.objects.filter(decision=AccessDecision.PENDING).count() == 1


def test_a_custodian_cannot_decide_their_own_request(client, staff, real_name):
    report, _ = real_name
    Report.objects.filter(pk=report.pk).update(assignee=staff["both"])
    access = identity_access.request_access(report, staff["both"], REASON)
    with pytest.raises(IdentityAccessRefused):
        identity_access.decide(access, staff["both"], grant=True)
    client.force_login(staff["both"])
    listing = client.get(REQUESTS).content.decode()
    assert REASON in listing and reverse("reports_admin:decide_identity", args=[access.pk]) not in listing
    client.post(reverse("reports_admin:decide_identity", args=[access.pk]), {"decision": "grant"})
    access.refresh_from_db()
    assert access.decision == AccessDecision.PENDING
    assert not AuditEvent.objects.filter(action="identity.grant").exists()

    identity_access.decide(access, staff["custodian"], grant=True)
    assert identity_access.may_see_identity(report, staff["both"])


def test_an_anonymous_report_has_no_identity_to_ask_for(client, staff, anonymous):
    with pytest.raises(IdentityAccessRefused):
        identity_access.request_access(anonymous, staff["investigator"], REASON)
    html = case_page(client, staff["investigator"], anonymous)
    assert reverse("reports_admin:request_identity", args=[anonymous.pk]) not in html
    client.post(reverse("reports_admin:request_identity", args=[anonymous.pk]), {"reason": REASON})
    assert not IdentityAccessRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="identity.request").exists()


def test_requests_need_a_reason_the_permission_the_report_and_only_one_at_a_time(client, staff, real_name):
    report, _ = real_name
    with pytest.raises(IdentityAccessRefused) as refused:
        identity_access.request_access(report, staff["investigator"], "  看一下  ")
    assert refused.value.field == "reason"
    with pytest.raises(IdentityAccessRefused):  # not their report
        identity_access.request_access(report, staff["colleague"], REASON)
    with pytest.raises(IdentityAccessRefused):  # intake officers may not ask
        identity_access.request_access(report, staff["intake"], REASON)
    identity_access.request_access(report, staff["investigator"], REASON)
    with pytest.raises(IdentityAccessRefused):
        identity_access.request_access(report, staff["investigator"], REASON)
    assert IdentityAccessRequest.objects.count() == 1

    client.force_login(staff["colleague"])
    response = client.post(reverse("reports_admin:request_identity", args=[report.pk]), {"reason": REASON})
    assert response.status_code == 404


def test_only_custodians_see_and_decide_the_requests(client, staff, real_name):
    report, _ = real_name
    access = identity_access.request_access(report, staff["investigator"], REASON)
    for user in (staff["investigator"], staff["intake"]):
        client.force_login(user)
        assert client.get(REQUESTS).status_code == 404
        assert (
            client.post(reverse("reports_admin:decide_identity", args=[access.pk]), {"decision": "grant"}).status_code
            == 404
        )
        with pytest.raises(IdentityAccessRefused):
            identity_access.decide(access, user, grant=True)
    access.refresh_from_db()
    assert access.decision == AccessDecision.PENDING


def test_no_grant_once_the_reporter_withdrew_their_name_or_the_case_moved(client, staff, real_name):
    report, code = real_name
    first = identity_access.request_access(report, staff["investigator"], REASON)
    Report.objects.filter(pk=report.pk).update(assignee=staff["colleague"])
    with pytest.raises(IdentityAccessRefused):
        identity_access.decide(first, staff["custodian"], grant=True)
    Report.objects.filter(pk=report.pk).update(assignee=staff["investigator"])
    identity_access.decide(first, staff["custodian"], grant=True)

    intake.withdraw_identity(intake.open_with_code(code), "举报人撤回实名。")
    html = case_page(client, staff["investigator"], report)
    assert not shows_identity(html)
    assert not AuditEvent.objects.filter(action="report.view_identity").exists()
