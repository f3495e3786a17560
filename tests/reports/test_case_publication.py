"""生成曝光案例草稿 (reports/case_publication.py): a concluded, substantiated case becomes an unpublished
exposed-case page under the index, holding the case facts and nothing of the reporter."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from disclosures.models import CasePage, Measure
from reports import case_publication, intake, workflow
from reports.audit import AuditEvent
from reports.case_publication import DraftRefused, draft_exposed_case
from reports.models import Status
from tests.disclosures.factories import CaseIndexFactory

from .builders import make_submission

pytestmark = pytest.mark.django_db

IDENTITY = intake.Identity(
    name="王小明", id_number="53090219900307123X", phone="13987654321", contact_preference="phone"
)
DESCRIPTION = "我父亲在该院住院期间，每天只在晚上回去签字，护士王某让我们不要声张。"


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff(db):
    return {"intake": member("shouli", "受理员"), "investigator": member("hecha", "核查员")}


@pytest.fixture
def index(demo):
    return CaseIndexFactory(parent=demo)


def case_in(status, staff, *, outcome="substantiated", **submission):
    """A real-name report brought to ``status`` through the workflow."""
    submitted = intake.submit(make_submission(description=DESCRIPTION, identity=IDENTITY, **submission))
    report = submitted.report
    intake.add_reporter_message(intake.open_with_code(submitted.code), "补充：护士王某的电话是13900001111。")
    officer, investigator = staff["intake"], staff["investigator"]
    steps = [
        ("accept", officer, {"message": "您的举报已受理。"}),
        ("assign", officer, {"assignee": investigator}),
        ("start", investigator, {}),
        (
            "conclude",
            investigator,
            {
                "outcome": outcome,
                "verified_amount": Decimal("12800.50") if outcome != "unfounded" else None,
                "measures": list(Measure.objects.filter(slug__in=["recovery", "fine"])),
            },
        ),
        ("give_feedback", officer, {"message": "经核查，举报属实。"}),
    ]
    order = [Status.ACCEPTED, Status.ASSIGNED, Status.INVESTIGATING, Status.CONCLUDED, Status.FED_BACK]
    for (action, user, fields), reached in zip(steps, order, strict=True):
        if status == Status.RECEIVED:
            break
        fields = {name: value for name, value in fields.items() if value is not None}
        report = workflow.perform(report, action, user, **fields)
        if reached == status:
            break
    return report


def every_text_of(page: CasePage) -> str:
    """Every text and number field of the page, and its draft revision's whole content."""
    values = []
    for field in page._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) or field.get_internal_type() == "RichTextField":
            values.append(str(getattr(page, field.attname) or ""))
    revision = page.latest_revision
    values.append(json.dumps(revision.content, ensure_ascii=False))
    return "\n".join(values)


def test_a_concluded_case_becomes_an_unpublished_draft_with_its_facts_and_nothing_of_the_reporter(
    report_keys, staff, index
):
    report = case_in(Status.FED_BACK, staff)
    page = draft_exposed_case(report, staff["intake"])

    page = CasePage.objects.get(pk=page.pk)
    assert page.get_parent().pk == index.pk
    assert not page.live and page.has_unpublished_changes and page.latest_revision is not None
    assert page.owner == staff["intake"]
    assert page.institution_name == "某县第一人民医院"
    assert page.institution_type == "hospital"
    assert page.region == "临翔区"
    assert page.amount_involved == Decimal("12800.50")
    assert [c.slug for c in page.categories.all()] == ["phantom-inpatients"]
    assert sorted(m.slug for m in page.measures.all()) == ["fine", "recovery"]
    assert page.decision_date == case_publication.local_date(report.concluded_at)
    assert page.title and page.summary and page.facts
    assert "临翔区" in page.summary and "12,800.50" in page.summary

    revision_fields = page.latest_revision.content
    assert revision_fields["institution_name"] == "某县第一人民医院"
    assert revision_fields["region"] == "临翔区"

    text = every_text_of(page)
    for secret in (DESCRIPTION, IDENTITY.name, IDENTITY.id_number, IDENTITY.phone, "13900001111", "王某"):
        assert secret not in text
    assert report.number not in text and str(report.pk) not in text

    event = AuditEvent.objects.get(action="report.draft_case")
    assert event.report_id == report.pk and event.actor == staff["intake"]
    assert event.details == {"page": page.pk, "revision": page.latest_revision.pk}


def test_asking_again_opens_the_same_draft(report_keys, staff, index):
    report = case_in(Status.CONCLUDED, staff)
    first = draft_exposed_case(report, staff["intake"])
    assert draft_exposed_case(report, staff["intake"]).pk == first.pk
    assert CasePage.objects.count() == 1 and AuditEvent.objects.filter(action="report.draft_case").count() == 1


def test_an_insured_individual_is_named_with_the_given_name_masked(report_keys, staff, index):
    report = case_in(Status.CONCLUDED, staff, party_type="insured", party_name="张三丰")
    page = draft_exposed_case(report, staff["intake"])
    assert page.institution_name == "张某某" and page.institution_type == "individual"
    assert "三丰" not in every_text_of(CasePage.objects.get(pk=page.pk))


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.ACCEPTED, Status.INVESTIGATING])
def test_a_case_not_yet_concluded_is_refused(report_keys, staff, index, status):
    report = case_in(status, staff)
    with pytest.raises(DraftRefused):
        draft_exposed_case(report, staff["intake"])
    assert not CasePage.objects.exists() and not AuditEvent.objects.filter(action="report.draft_case").exists()


def test_an_unfounded_case_is_refused(report_keys, staff, index):
    report = case_in(Status.FED_BACK, staff, outcome="unfounded")
    with pytest.raises(DraftRefused):
        draft_exposed_case(report, staff["intake"])
    assert not CasePage.objects.exists()


def test_it_needs_the_permission(report_keys, staff, index):
    report = case_in(Status.CONCLUDED, staff)
    with pytest.raises(DraftRefused):
        draft_exposed_case(report, staff["investigator"])  # investigators do not give feedback
    assert not CasePage.objects.exists()


def test_without_an_index_page_it_is_refused_with_the_reason(report_keys, staff, demo):
    report = case_in(Status.CONCLUDED, staff)
    with pytest.raises(DraftRefused):
        draft_exposed_case(report, staff["intake"])


def test_the_button_posts_and_lands_in_the_page_editor(report_keys, staff, index, client):
    report = case_in(Status.CONCLUDED, staff)
    client.force_login(staff["intake"])
    url = reverse("reports_admin:draft_case", args=[report.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    page = CasePage.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_the_button_refuses_back_to_the_case_page(report_keys, staff, index, client):
    report = case_in(Status.INVESTIGATING, staff)
    client.force_login(staff["intake"])
    response = client.post(reverse("reports_admin:draft_case", args=[report.pk]))
    assert response["Location"] == reverse("reports_admin:case", args=[report.pk])
    assert not CasePage.objects.exists()


def test_someone_who_cannot_see_the_report_gets_404(report_keys, staff, index, client):
    report = case_in(Status.CONCLUDED, staff)
    client.force_login(member("caiwu", "财务"))
    assert client.post(reverse("reports_admin:draft_case", args=[report.pk])).status_code == 404
    assert not CasePage.objects.exists()
