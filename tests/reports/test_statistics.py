"""The statistics dashboard for leaders: the figures a leader reads, computed by the database, and
the page and downloads that show them to holders of ``view_report_statistics`` only."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from disclosures.models import ViolationCategory
from reports import intake, statistics
from reports.audit import AuditEvent
from reports.models import Outcome, Report, Status

from .builders import make_submission

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = {"start": datetime.date(2025, 1, 1), "end": datetime.date(2025, 12, 31)}


def at(year, month, day, hour=10, minute=0):
    """A time in Asia/Shanghai."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def category(slug):
    return ViolationCategory.objects.get(slug=slug)


def submit(region="临翔区", slugs=("phantom-inpatients",), **fields):
    """A report received through intake, then moved along by a direct update (tests only)."""
    ids = [category(slug).pk for slug in slugs]
    report = intake.submit(make_submission(region=region, category_ids=ids)).report
    Report.objects.filter(pk=report.pk).update(**fields)
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def cases(report_keys):
    """Five reports of 2025 as a leader would see them, one merged duplicate and two outside the year."""
    first = submit(
        received_at=at(2025, 1, 10),
        decided_at=at(2025, 1, 11),
        concluded_at=at(2025, 1, 20, 13),  # 10 days and 3 hours
        status=Status.CONCLUDED,
        outcome=Outcome.SUBSTANTIATED,
        verified_amount=Decimal("1000.50"),
    )
    return {
        "first": first,
        # 1 February 00:30 in Shanghai is still 31 January in UTC: it belongs to February.
        "rejected": submit(
            region="凤庆县",
            slugs=("phantom-inpatients", "card-misuse"),
            received_at=at(2025, 2, 1, 0, 30),
            decided_at=at(2025, 2, 3),
            status=Status.REJECTED,
            rejection_reason="not_fund_matter",
        ),
        "overdue": submit(
            slugs=("card-misuse",),
            received_at=at(2025, 2, 5),
            decided_at=at(2025, 2, 6),
            status=Status.INVESTIGATING,
            overdue_since=datetime.date(2025, 4, 1),
        ),
        "fed_back": submit(
            region="凤庆县",
            received_at=at(2025, 3, 1),
            decided_at=at(2025, 3, 2),
            concluded_at=at(2025, 3, 6),  # 5 days
            status=Status.FED_BACK,
            outcome=Outcome.PARTLY,
            verified_amount=Decimal("200.25"),
            overdue_since=datetime.date(2025, 3, 5),  # late, but finished: not overdue now
        ),
        "unfounded": submit(
            region="临翔区",
            slugs=(),
            received_at=at(2025, 3, 15),
            decided_at=at(2025, 3, 16),
            concluded_at=at(2025, 3, 19),  # 4 days
            status=Status.CONCLUDED,
            outcome=Outcome.UNFOUNDED,
        ),
        # The same facts as the first report: one case, counted once.
        "merged": submit(
            received_at=at(2025, 1, 12),
            merged_into=first,
            decided_at=at(2025, 1, 13),
            status=Status.CONCLUDED,
            concluded_at=at(2025, 1, 20),
            outcome=Outcome.SUBSTANTIATED,
            verified_amount=Decimal("999"),
        ),
        "last_year": submit(received_at=at(2024, 12, 31, 23, 50)),
        "next_year": submit(received_at=at(2026, 1, 1, 0, 10)),
    }


def test_totals_are_what_a_leader_reads(cases):
    stats = statistics.report_statistics(**YEAR)
    totals = stats.totals
    assert totals.received == 5
    assert totals.accepted == 4  # all decided but the rejected one
    assert totals.not_accepted == 1
    assert totals.concluded == 3
    assert totals.substantiated == 2  # substantiated and partly, not unfounded
    assert totals.verified_amount == Decimal("1200.75") and isinstance(totals.verified_amount, Decimal)
    assert totals.overdue == 1
    # (10.125 + 5 + 4) / 3 = 6.375 days
    assert totals.average_handling_days == Decimal("6.4")
    assert stats.merged == 1


def test_counts_by_month_in_shanghai_time(cases):
    stats = statistics.report_statistics(**YEAR)
    assert [row.key for row in stats.by_month] == [datetime.date(2025, month, 1) for month in range(1, 13)]
    received = {row.label: row.figures.received for row in stats.by_month}
    assert received["2025-01"] == 1  # the merged report is not a second case
    assert received["2025-02"] == 2
    assert received["2025-03"] == 2
    assert sum(received.values()) == 5
    january = stats.by_month[0].figures
    assert january.verified_amount == Decimal("1000.50") and january.average_handling_days == Decimal("10.1")
    february = stats.by_month[1].figures
    assert (february.not_accepted, february.overdue, february.verified_amount) == (1, 1, Decimal("0.00"))
    assert february.average_handling_days is None
    assert stats.by_month[3].figures == statistics.Figures()


def test_counts_by_region_list_every_region(cases):
    stats = statistics.report_statistics(**YEAR)
    rows = {row.key: row.figures for row in stats.by_region}
    assert rows["临翔区"].received == 3 and rows["凤庆县"].received == 2
    assert rows["凤庆县"].verified_amount == Decimal("200.25")
    assert rows["云县"] == statistics.Figures()
    assert [row.key for row in stats.by_region][:3] == ["市本级", "临翔区", "凤庆县"]


def test_counts_by_category_count_a_report_under_each_of_its_categories_only(cases):
    stats = statistics.report_statistics(**YEAR)
    rows = {row.label: row.figures for row in stats.by_category}
    assert rows["挂床住院"].received == 3  # first, rejected, fed back
    assert rows["盗刷医保卡/医保码"].received == 2  # rejected, overdue
    assert rows["未分类"].received == 1
    assert rows["挂床住院"].verified_amount == Decimal("1200.75")
    assert rows["分解收费"] == statistics.Figures()
    # The report with two categories is in two rows, yet once in the totals.
    assert stats.totals.received == 5 and sum(row.figures.received for row in stats.by_category) == 6


def test_a_region_filter_narrows_every_figure(cases):
    stats = statistics.report_statistics(**YEAR, region="凤庆县")
    assert stats.totals.received == 2 and stats.totals.not_accepted == 1
    assert stats.totals.verified_amount == Decimal("200.25")
    assert [row.key for row in stats.by_region] == ["凤庆县"]
    assert sum(row.figures.received for row in stats.by_month) == 2


def test_no_reports_give_zeros_not_errors(db):
    stats = statistics.report_statistics(start=datetime.date(2025, 11, 15), end=datetime.date(2026, 2, 1))
    assert stats.totals == statistics.Figures()
    assert stats.totals.verified_amount == Decimal("0.00")
    assert [row.label for row in stats.by_month] == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_a_reversed_or_endless_period_is_refused(db):
    with pytest.raises(ValueError):
        statistics.report_statistics(start=datetime.date(2025, 2, 1), end=datetime.date(2025, 1, 1))
    with pytest.raises(ValueError):
        statistics.report_statistics(start=datetime.date(2000, 1, 1), end=datetime.date(2025, 1, 1))


# --- the page -----------------------------------------------------------------------------------


def member(username, group):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(Group.objects.get(name=group))
    return user


def signed_in(client, user):
    """A staff session that has passed the second factor (tests/conftest.py)."""
    client.force_login(user)
    return client


URL = "reports_admin:statistics"
YEAR_QUERY = {"start": "2025-01-01", "end": "2025-12-31"}


@pytest.mark.parametrize("group", ["统计查看", "受理员"])
def test_leaders_and_intake_officers_see_the_tables_and_the_chart(client, cases, group, parse):
    signed_in(client, member("leader", group))
    response = client.get(reverse(URL), YEAR_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(response)
    tables = [table for table in page.find("table") if "report-stats-" in table.get("class", "")]
    assert len(tables) == 4
    assert html.count("<caption>") == 4
    assert page.find("th", scope="row") and page.find("th", scope="col")
    assert "1,200.75" in html and "6.4" in html
    # The chart: a local ECharts, data through json_script, no inline script.
    scripts = page.find("script")
    sources = [script.get("src", "") for script in scripts if script.get("src")]
    assert any(src.endswith("vendor/echarts/echarts.min.js") for src in sources)
    assert any(src.endswith("js/report-stats-chart.js") for src in sources)
    assert page.find("script", id="report-stats-chart-data", type="application/json")
    assert page.find("div", **{"data-source": "report-stats-chart-data"})
    # Export links keep the filters.
    assert page.find("a", href="?start=2025-01-01&end=2025-12-31&format=csv")


def test_the_default_period_is_this_year_in_shanghai(client, report_keys):
    signed_in(client, member("leader", "统计查看"))
    response = client.get(reverse(URL))
    year = datetime.datetime.now(SHANGHAI).year
    stats = response.context["stats"]
    assert (stats.start, stats.end, stats.region) == (datetime.date(year, 1, 1), datetime.date(year, 12, 31), None)


def test_a_wrong_period_shows_the_form_with_an_error(client, db):
    signed_in(client, member("leader", "统计查看"))
    response = client.get(reverse(URL), {"start": "2025-03-01", "end": "2025-01-01", "format": "csv"})
    assert response.status_code == 200 and response.context["stats"] is None
    assert response.context["form"].errors
    assert not AuditEvent.objects.filter(action="export.statistics").exists()


@pytest.mark.parametrize("group", ["核查员", "财务", "身份信息保管人"])
def test_staff_without_the_permission_get_404(client, db, group):
    signed_in(client, member("someone", group))
    assert client.get(reverse(URL)).status_code == 404
    assert client.get(reverse(URL), {"format": "csv"}).status_code == 404
    assert not AuditEvent.objects.filter(action="export.statistics").exists()


def test_csv_export_opens_with_a_bom_and_is_audited(client, cases):
    leader = member("leader", "统计查看")
    signed_in(client, leader)
    response = client.get(reverse(URL), {**YEAR_QUERY, "region": "凤庆县", "format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffdimension,group,period_start,period_end,region_filter,received,accepted,")
    lines = body.splitlines()
    assert lines[0].endswith(",verified_amount,overdue,average_handling_days")
    assert lines[1] == "total,,2025-01-01,2025-12-31,凤庆县,2,1,1,1,1,200.25,0,5.0"
    assert "month,2025-02,2025-01-01,2025-12-31,凤庆县,1,0,1,0,0,0.00,0," in lines
    assert 'filename="report-statistics-20250101-20251231.csv"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="export.statistics")
    assert event.actor == leader
    assert event.details == {"format": "csv", "start": "2025-01-01", "end": "2025-12-31", "region": "凤庆县"}


def test_xlsx_and_json_exports_carry_the_same_figures(client, cases):
    signed_in(client, member("leader", "统计查看"))
    response = client.get(reverse(URL), {**YEAR_QUERY, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, total = rows[0], rows[1]
    assert header[:2] == ("dimension", "group")
    figures = dict(zip(header, total, strict=True))
    assert figures["received"] == 5  # a number, not text
    assert Decimal(str(figures["verified_amount"])) == Decimal("1200.75")
    data = client.get(reverse(URL), {**YEAR_QUERY, "format": "json"}).json()
    assert data[0]["dimension"] == "total" and data[0]["received"] == "5"
    assert {row["dimension"] for row in data} == {"total", "month", "region", "category"}
    assert [event.details["format"] for event in AuditEvent.objects.filter(action="export.statistics")] == [
        "xlsx",
        "json",
    ]


def test_an_unknown_format_is_not_found(client, db):
    signed_in(client, member("leader", "统计查看"))
    assert client.get(reverse(URL), {"format": "pdf"}).status_code == 404


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(URL), YEAR_QUERY)
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_reports(client, report_keys):
    signed_in(client, member("leader", "统计查看"))
    slugs = [("phantom-inpatients",), ("card-misuse", "split-charging"), ()]
    regions = ["临翔区", "凤庆县", "云县"]

    def add(count):
        for n in range(count):
            submit(
                region=regions[n % 3],
                slugs=slugs[n % 3],
                received_at=at(2025, n % 12 + 1, 5),
                decided_at=at(2025, n % 12 + 1, 6),
                concluded_at=at(2025, n % 12 + 1, 9),
                status=Status.CONCLUDED,
                outcome=Outcome.SUBSTANTIATED,
                verified_amount=Decimal(n),
            )

    add(3)
    few = _dashboard_queries(client)
    add(27)
    many = _dashboard_queries(client)
    assert many == few
    # Six for the figures; the rest are the admin's own (session, user, second factor, menu).
    assert many <= 25
    with CaptureQueriesContext(connection) as queries:
        statistics.report_statistics(**YEAR)
    assert len(queries) == 6
