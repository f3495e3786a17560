"""Exports and feeds give exactly what the listing shows, with the filters applied."""

import csv
import datetime
import io
import json
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from disclosures.models import CasePage

from .factories import CaseFactory, CaseIndexFactory, PolicyFactory, PolicyIndexFactory, categories

pytestmark = pytest.mark.django_db

CASE_COLUMNS = [
    "title",
    "institution",
    "institution_type",
    "region",
    "violation_categories",
    "conduct_period",
    "amount_involved",
    "amount_recovered",
    "fine",
    "liquidated_damages",
    "measures",
    "decision_date",
    "legal_basis",
    "url",
]


@pytest.fixture
def cases(demo):
    index = CaseIndexFactory(parent=demo)
    CaseFactory(
        parent=index,
        title="挂床案",
        amount_recovered=Decimal("186400.05"),
        categories=categories("phantom-inpatients", "fictitious-services"),
    )
    CaseFactory(parent=index, title="药店案", institution_type="pharmacy", categories=categories("substitution"))
    return index


def _csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_has_documented_columns_and_the_page_figures(client, cases):
    rows = _csv(client.get(f"{cases.url}export/csv/?category=phantom-inpatients"))
    assert rows[0] == CASE_COLUMNS
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["title"] == "挂床案"
    assert record["violation_categories"] == "挂床住院;虚构医疗服务"
    assert record["amount_recovered"] == "186400.05"
    case = CasePage.objects.get(title="挂床案")
    assert "186,400.05 元" in client.get(case.url).content.decode()


def test_json_and_xlsx_carry_the_same_rows(client, cases):
    data = json.loads(client.get(f"{cases.url}export/json/").content)
    # Same decision date: the later-published case comes first.
    assert [row["title"] for row in data] == ["药店案", "挂床案"]
    assert set(data[0]) == set(CASE_COLUMNS)

    response = client.get(f"{cases.url}export/xlsx/?institution_type=pharmacy")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == CASE_COLUMNS
    assert [row[0] for row in values[1:]] == ["药店案"]
    assert response["Content-Disposition"] == 'attachment; filename="exposed-cases.xlsx"'


def test_unknown_export_format_is_404(client, cases):
    assert client.get(f"{cases.url}export/pdf/").status_code == 404


def test_listing_links_to_exports_with_active_filters(client, cases):
    html = client.get(f"{cases.url}?category=substitution").content.decode()
    assert f'href="{cases.url}export/csv/?category=substitution"' in html


def test_rss_and_atom_feeds_follow_the_filters(client, cases):
    rss = ElementTree.fromstring(client.get(f"{cases.url}feed/?category=substitution").content)
    assert [item.findtext("title") for item in rss.iter("item")] == ["药店案"]

    atom = ElementTree.fromstring(client.get(f"{cases.url}feed/atom/").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert {entry.findtext("a:title", namespaces=ns) for entry in atom.findall("a:entry", ns)} == {"挂床案", "药店案"}


def test_index_advertises_its_feeds(client, cases):
    html = client.get(cases.url).content.decode()
    assert f'type="application/rss+xml" title="{cases.title} (RSS)" href="{cases.url}feed/"' in html


def test_policy_export_columns(client, demo):
    index = PolicyIndexFactory(parent=demo)
    PolicyFactory(parent=index, document_number="临政办发〔2024〕2号", date_issued=datetime.date(2024, 2, 6))
    rows = _csv(client.get(f"{index.url}export/csv/"))
    assert rows[0][:4] == ["title", "document_number", "index_number", "issuing_body"]
    assert rows[1][1] == "临政办发〔2024〕2号"
    assert rows[1][5] == "2024-02-06"


def test_sitemap_lists_published_pages_and_robots_points_to_it(client, cases):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"{cases.url}" in sitemap or cases.url_path in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Disallow: /report/" in robots
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_open_data_page_describes_every_exported_column(client, db):
    from disclosures.models import CasePage, FundDisclosurePage, InspectionPlanPage, PolicyPage

    exported = {
        column.key
        for columns in (
            PolicyPage.export_columns(),
            CasePage.export_columns(),
            InspectionPlanPage.export_columns(),
            InspectionPlanPage().result_columns(),
            FundDisclosurePage.export_columns(),
        )
        for column in columns
    }
    html = client.get("/open-data/").content.decode()
    assert all(f"<code>{key}</code>" in html for key in exported)
    assert "期间代码" in html
    assert "UTF-8" in html


def test_download_links_point_to_the_open_data_page(client, cases):
    assert 'href="/open-data/"' in client.get(cases.url).content.decode()
