"""Query budgets of the staff screens (issue 9): the filtered, paginated queue makes at most fifteen
queries, and neither it nor the statistics dashboard makes more with ten times the reports.

Reports are made quickly: one goes through intake (sealed content, number, receipt), the others are
copies of its row with their own id, number and code digest, spread over statuses, regions,
categories, investigators and months. The queue and the dashboard read none of the sealed fields.

As for the public pages (tests/portal/test_query_budget.py), each measurement follows one warm-up
request to another admin page: Django's content types and Wagtail's site lookups are cached for the
process, not per request, and the page measured is requested for the first time."""

import datetime
import secrets
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosures.models import ViolationCategory
from reports import intake
from reports.models import Report, Status

from .builders import make_submission

pytestmark = pytest.mark.django_db

QUEUE_BUDGET = 15
SHANGHAI = ZoneInfo("Asia/Shanghai")
REGIONS = ["临翔区", "凤庆县", "云县"]
STATUSES = [Status.RECEIVED, Status.RECEIVED, Status.RECEIVED, Status.INVESTIGATING, Status.CONCLUDED]
FILTERED_QUEUE = {"status": Status.RECEIVED, "region": "临翔区"}


def member(username, *groups):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def template(report_keys):
    """One report received through intake, the row the others copy."""
    return intake.submit(make_submission()).report


@pytest.fixture
def investigators(db):
    return [member(f"hecha{n}", "核查员") for n in range(3)]


def add_reports(template, count, investigators):
    """`count` more reports like `template`, spread over statuses, regions, months, categories and
    investigators; straight into the tables."""
    categories = list(ViolationCategory.objects.all())
    start = Report.objects.count()
    reports = []
    for n in range(start, start + count):
        report = Report.objects.get(pk=template.pk)
        report.pk = uuid.uuid4()
        report.number = f"2025-{900000 + n:06d}"
        report.code_digest = secrets.token_hex(32)
        report.intake_token_digest = None
        report.status = STATUSES[n % len(STATUSES)]
        report.region = REGIONS[n % len(REGIONS)]
        report.received_at = datetime.datetime(2025, n % 12 + 1, n % 28 + 1, 10, tzinfo=SHANGHAI)
        report.assignee = investigators[n % len(investigators)] if report.status == Status.INVESTIGATING else None
        reports.append(report)
    Report.objects.bulk_create(reports)
    through = Report.categories.through
    through.objects.bulk_create(
        through(report_id=report.pk, violationcategory_id=category.pk)
        for n, report in enumerate(reports)
        for category in categories[n % len(categories) :][:3]
    )


def _queries(client, url, params):
    client.get(reverse("wagtailadmin_home"))  # warm-up: see the module's docstring
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response, [query["sql"] for query in captured.captured_queries]


def _listing(queries):
    return "\n".join(f"  {n}. {sql[:300]}" for n, sql in enumerate(queries, start=1))


@pytest.mark.parametrize("page", [1, 2], ids=["first-page", "second-page"])
def test_the_filtered_queue_stays_within_its_budget_as_reports_grow(client, template, investigators, page):
    client.force_login(member("shouli", "受理员"))
    url, params = reverse("reports_admin:queue"), {**FILTERED_QUEUE, "p": page}

    add_reports(template, 29, investigators)
    few, response, few_sql = _queries(client, url, params)
    assert response.context["page"].paginator.count >= 5

    add_reports(template, 270, investigators)
    many, response, many_sql = _queries(client, url, params)
    listed = response.context["page"]
    assert listed.paginator.count > 50 and listed.number == page, "the filter must give more than one page"
    assert {(report.status, report.region) for report in listed} == {(Status.RECEIVED, "临翔区")}

    assert few <= QUEUE_BUDGET, f"{few} queries with 30 reports:\n{_listing(few_sql)}"
    assert many <= QUEUE_BUDGET, f"{many} queries with 300 reports:\n{_listing(many_sql)}"
    assert many <= few, f"{few} queries with 30 reports, {many} with 300:\n{_listing(many_sql)}"


def test_the_statistics_dashboard_does_not_make_more_queries_as_reports_grow(client, template, investigators):
    client.force_login(member("lingdao", "统计查看"))
    url, params = reverse("reports_admin:statistics"), {"start": "2025-01-01", "end": "2025-12-31"}

    add_reports(template, 29, investigators)
    few, response, _ = _queries(client, url, params)
    assert response.context["stats"].totals.received >= 29

    add_reports(template, 270, investigators)
    many, response, many_sql = _queries(client, url, params)
    assert response.context["stats"].totals.received >= 299

    assert many <= few, f"{few} queries with 30 reports, {many} with 300:\n{_listing(many_sql)}"
