"""Registering a report taken by the hotline, a letter or a visit (reports/registration.py and the
/admin/cases/register/ screen): the code is shown once and kept nowhere, the report is marked with
its channel and the officer who registered it, and the registration is audited."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from disclosures.models import ViolationCategory
from reports import codes, intake, registration
from reports.audit import AuditEvent
from reports.models import Channel, EvidenceFile, Report

from .builders import make_submission, photo

pytestmark = pytest.mark.django_db

URL = "/admin/cases/register/"
CODE_PATTERN = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')
NAME, ID_NUMBER, PHONE = "王建国", "53090219800101030X", "13988776655"


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def officer(db):
    return member("shouli", "受理员")


@pytest.fixture
def investigator(db):
    return member("hecha", "核查员")


def signed_in(client, user):
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "channel": "hotline",
        "party_type": "institution",
        "party_name": "某县中医医院",
        "region": "临翔区",
        "categories": [str(ViolationCategory.objects.get(slug="phantom-inpatients").pk)],
        "description": "来电人称该院住院部夜间有多张空床仍在计费，怀疑挂床住院。",
        "identity_mode": "anonymous",
        "contact_preference": "portal",
        "form_token": intake.new_intake_token(),
    }
    data.update(overrides)
    return data


def code_of(response) -> str:
    match = CODE_PATTERN.search(response.content.decode())
    assert match, "the result page shows the tracking code"
    return match.group(1)


def test_the_url_is_the_one_the_brief_names():
    assert reverse("reports_admin:register") == URL


def test_the_form_offers_the_other_channels_only_and_accepts_files(client, officer):
    response = signed_in(client, officer).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for channel in ("hotline", "letter", "visit"):
        assert f'value="{channel}"' in html
    assert 'value="online"' not in html
    assert 'type="file"' in html and "multiple" in html and 'enctype="multipart/form-data"' in html
    assert 'name="intake_token"' not in html and 'name="form_token"' in html


def test_a_hotline_report_is_registered_and_its_code_shown_once(client, officer, report_keys):
    response = signed_in(client, officer).post(URL, form_data())

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = code_of(response)
    assert code == codes.format_code(code), "shown in groups, as formatted for reading out"
    report = Report.objects.get()
    assert report.channel == Channel.HOTLINE and report.registered_by == officer
    assert report.number in response.content.decode()
    assert intake.open_with_code(code).content["party_name"] == "某县中医医院"
    # Nowhere kept: no copy for a reload, and not in the audit trail.
    assert report.code_resend is None and report.intake_token_digest is None
    event = AuditEvent.objects.get(action="report.register")
    assert event.actor == officer and event.report_id == report.pk
    assert event.details == {"channel": "hotline", "real_name": False, "files": 0}
    assert codes.normalise(code) not in str(event.details) and code not in str(event.details)


def test_a_reload_of_the_result_registers_nothing_and_shows_no_code(client, officer, report_keys):
    data = form_data()
    first = signed_in(client, officer).post(URL, data)
    code = code_of(first)
    again = client.post(URL, data)
    assert again.status_code == 409
    assert Report.objects.count() == 1
    assert code not in again.content.decode() and Report.objects.get().number in again.content.decode()
    assert AuditEvent.objects.filter(action="report.register").count() == 1


def test_a_letter_with_its_attachment_and_the_writers_name(client, officer, report_keys):
    data = form_data(
        channel="letter",
        identity_mode="real_name",
        name=NAME,
        id_number=ID_NUMBER.lower(),
        phone=PHONE,
        contact_preference="phone",
        evidence=[SimpleUploadedFile("来信附件.jpg", photo(), content_type="image/jpeg")],
    )
    response = signed_in(client, officer).post(URL, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    report = Report.objects.get()
    assert report.channel == Channel.LETTER and report.real_name and report.registered_by == officer
    assert EvidenceFile.objects.filter(report=report).count() == 1
    opened = intake.open_with_code(code_of(response))
    assert opened.identity == intake.Identity(NAME, ID_NUMBER, PHONE, "phone")
    assert opened.evidence[0].name == "来信附件.jpg"
    assert AuditEvent.objects.get(action="report.register").details == {
        "channel": "letter",
        "real_name": True,
        "files": 1,
    }


def test_uploads_work_with_the_csrf_check_enforced(officer, report_keys):
    """The CSRF check reads the body; it must run after the in-memory upload handler is in place."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    browser.get(URL)
    token = browser.cookies["csrftoken"].value
    data = form_data()
    refused = browser.post(URL, {**data, "evidence": [SimpleUploadedFile("a.jpg", photo())]})
    assert refused.status_code == 403 and not Report.objects.exists()
    response = browser.post(
        URL, {**data, "evidence": [SimpleUploadedFile("a.jpg", photo())], "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    assert EvidenceFile.objects.filter(report=Report.objects.get()).count() == 1


def test_a_form_with_errors_registers_nothing(client, officer, report_keys):
    response = signed_in(client, officer).post(URL, form_data(channel="online", description="太短"))
    assert response.status_code == 400
    assert not Report.objects.exists() and not AuditEvent.objects.filter(action="report.register").exists()
    # The same form, corrected, still goes through: a refused form does not use up its token.
    data = form_data()
    assert client.post(URL, {**data, "channel": ""}).status_code == 400
    assert client.post(URL, data).status_code == 200 and Report.objects.count() == 1


def test_staff_without_the_permission_cannot_register(client, investigator, report_keys):
    signed_in(client, investigator)
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data()).status_code == 404
    assert not Report.objects.exists()
    with pytest.raises(registration.RegistrationRefused):
        registration.register(make_submission(), channel="hotline", user=investigator)
    assert not Report.objects.exists()


def test_the_service_refuses_the_online_channel(officer, report_keys):
    officer = get_user_model().objects.get(pk=officer.pk)
    with pytest.raises(registration.RegistrationRefused) as refused:
        registration.register(make_submission(), channel="online", user=officer)
    assert refused.value.field == "channel"
    result = registration.register(make_submission(), channel="visit", user=officer)
    result.report.refresh_from_db()
    assert result.report.channel == "visit" and result.report.registered_by == officer


def test_a_request_larger_than_the_evidence_limits_is_refused_unread(client, officer, report_keys, settings):
    settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES = 1024  # the request limit is this plus 2 MB for the text
    big = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024))
    response = signed_in(client, officer).post(URL, form_data(evidence=[big]))
    assert response.status_code == 413
    assert not Report.objects.exists()
    assert 'name="form_token"' in response.content.decode(), "a blank form to start again"
