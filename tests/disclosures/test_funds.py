"""Fund income and expenditure disclosures: the page table, chart data and downloads, the period
rules, the editor's warnings, and the index filters and trend."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from wagtail.test.utils.form_data import querydict_from_html

from disclosures.choices import FundType, MoneyUnit, PeriodKind
from disclosures.models import FundDisclosurePage, FundRow
from tests.disclosures.factories_funds import (
    DEFAULT_ROWS,
    FundDisclosureIndexPageFactory,
    FundDisclosurePageFactory,
    fund_row,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
EXPORT_COLUMNS = [
    "period",
    "region",
    "fund_type",
    "income",
    "expenditure",
    "current_balance",
    "cumulative_balance",
    "unit",
]
AMOUNTS = ("income", "expenditure", "current_balance", "cumulative_balance")


class TableCells(HTMLParser):
    """Header and data cells of each body and foot row of the tables with a given class."""

    def __init__(self, html: str, table_class: str):
        super().__init__(convert_charrefs=True)
        self.table_class = table_class
        self.in_table = False
        self.section = None
        self.rows: dict[str, list[list[str]]] = {"tbody": [], "tfoot": []}
        self.captions: list[str] = []
        self._cell = None
        self._caption = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and self.table_class in (attrs.get("class") or "").split():
            self.in_table = True
        elif self.in_table and tag in ("tbody", "tfoot", "thead"):
            self.section = tag
        elif self.in_table and tag == "tr" and self.section in self.rows:
            self.rows[self.section].append([])
        elif self.in_table and tag in ("td", "th") and self.section in self.rows:
            self._cell = ""
        elif self.in_table and tag == "caption":
            self._caption = ""

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[self.section][-1].append(self._cell.strip())
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self.captions.append(" ".join(self._caption.split()))
            self._caption = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._caption is not None:
            self._caption += data


def _number(text: str) -> Decimal:
    return D(text.replace(",", ""))


def _json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script element {element_id}"
    return json.loads(match.group(1))


@pytest.fixture
def index():
    return FundDisclosureIndexPageFactory()


@pytest.fixture
def page(index):
    return FundDisclosurePageFactory(parent=index, title="2025年第三季度医保基金收支情况")


# Periods


@pytest.mark.parametrize(
    ("kind", "number", "label", "end", "code"),
    [
        (PeriodKind.QUARTER, 3, "2025年第3季度", datetime.date(2025, 9, 30), "2025-Q3"),
        (PeriodKind.MONTH, 5, "2025年5月", datetime.date(2025, 5, 31), "2025-05"),
        (PeriodKind.HALF, 1, "2025年上半年", datetime.date(2025, 6, 30), "2025-H1"),
        (PeriodKind.HALF, 2, "2025年下半年", datetime.date(2025, 12, 31), "2025-H2"),
        (PeriodKind.YEAR, None, "2025年度", datetime.date(2025, 12, 31), "2025"),
    ],
)
def test_period_label_end_and_code(index, kind, number, label, end, code):
    page = FundDisclosurePageFactory(parent=index, period_kind=kind, period_number=number)

    assert page.period_label == label
    assert page.period_end == end
    assert page.period_code == code


def test_period_end_knows_leap_years(index):
    page = FundDisclosurePageFactory(parent=index, period_year=2024, monthly=True, period_number=2)

    assert page.period_end == datetime.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        (PeriodKind.MONTH, None, "请填写月份（1至12）。"),
        (PeriodKind.MONTH, 13, "请填写月份（1至12）。"),
        (PeriodKind.MONTH, 0, "请填写月份（1至12）。"),
        (PeriodKind.QUARTER, 5, "请填写季度（1至4）。"),
        (PeriodKind.QUARTER, None, "请填写季度（1至4）。"),
        (PeriodKind.HALF, 3, "上半年填1，下半年填2。"),
        (PeriodKind.YEAR, 1, "全年数据请不要填写期数。"),
    ],
)
def test_clean_rejects_a_period_number_that_does_not_fit(page, kind, number, message):
    page.period_kind, page.period_number = kind, number

    with pytest.raises(ValidationError) as error:
        page.full_clean()

    assert error.value.message_dict["period_number"] == [message]


@pytest.mark.parametrize(
    ("kind", "number"),
    [(PeriodKind.MONTH, 12), (PeriodKind.QUARTER, 1), (PeriodKind.HALF, 2), (PeriodKind.YEAR, None)],
)
def test_clean_accepts_a_fitting_period(page, kind, number):
    page.period_kind, page.period_number = kind, number

    page.full_clean()


def test_an_invalid_period_is_not_saved(page):
    page.period_kind, page.period_number = PeriodKind.QUARTER, 7

    with pytest.raises(ValidationError):
        page.save()

    page.refresh_from_db()
    assert (page.period_number, page.period_end) == (3, datetime.date(2025, 9, 30))


def test_a_correction_needs_both_date_and_reason(page):
    page.corrected_on = datetime.date(2025, 11, 3)

    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "correction_note" in error.value.message_dict

    page.corrected_on, page.correction_note = None, "更正了职工医保收入。"
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "corrected_on" in error.value.message_dict


# The page


def test_page_shows_the_exact_figures_in_an_accessible_table(client, page):
    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    table = TableCells(html, "fund-table")
    assert table.rows["tbody"] == [
        ["职工基本医疗保险", "123,456.78", "100,000.50", "23,456.28", "456,789.01"],
        ["城乡居民基本医疗保险", "98,765.40", "99,000.00", "-234.60", "12,345.67"],
    ]
    assert table.rows["tfoot"] == [["合计", "222,222.18", "199,000.50", "23,221.68", "469,134.68"]]
    assert table.captions == ["临沧市2025年第3季度基金收支情况（单位：万元）"]
    assert html.count('<th scope="col"') == 5
    assert html.count('<th scope="row">') == 3
    assert html.count('<td class="text-end">') == 12


def test_page_states_its_period_region_and_source(client, page):
    html = client.get(page.url).content.decode()

    assert "2025年第3季度" in html
    assert "临沧市" in html
    assert "数据来源：临沧市医疗保障局、临沧市财政局" in html


def test_chart_comes_after_the_table_with_its_data_and_no_inline_script(client, page, parse):
    response = client.get(page.url)
    html = response.content.decode()
    parsed = parse(response)

    [container] = parsed.find("div", **{"data-fund-chart": "bar"})
    assert container["aria-hidden"] == "true"
    assert container["data-source"] == "fund-chart-data"
    assert html.index("fund-table") < html.index("data-fund-chart")
    assert "表格中有相同的数据" in html
    data = _json_script(html, "fund-chart-data")
    assert data["unit"] == "万元"
    assert data["categories"] == ["职工基本医疗保险", "城乡居民基本医疗保险"]
    assert data["series"][0]["values"] == ["123456.78", "98765.40"]
    assert data["series"][1]["values"] == ["100000.50", "99000.00"]
    scripts = parsed.find("script")
    assert [s["src"] for s in scripts if "src" in s][-2:] == [
        "/static/vendor/echarts/echarts.min.js",
        "/static/js/fund-charts.js",
    ]
    assert all("src" in s or s.get("type") == "application/json" for s in scripts)


def test_preview_shows_the_draft_rows_without_downloads(page):
    page.rows = [FundRow(**fund_row(FundType.MATERNITY, "7.00", "2.00"))]

    html = page.make_preview_request().content.decode()

    assert TableCells(html, "fund-table").rows["tbody"] == [["生育保险", "7.00", "2.00", "5.00", "1,000.00"]]
    assert "export/csv/" not in html


def test_chart_script_and_vendored_echarts_are_served(client):
    assert client.get("/static/js/fund-charts.js").status_code == 200
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200


def test_page_shows_a_correction_with_its_date_and_reason(client, index):
    page = FundDisclosurePageFactory(
        parent=index, corrected_on=datetime.date(2025, 11, 3), correction_note="职工医保收入原公布数有误，已更正。"
    )

    html = client.get(page.url).content.decode()

    assert "更正" in html
    assert "2025年11月3日" in html
    assert "职工医保收入原公布数有误，已更正。" in html


def test_page_without_correction_shows_none(client, page):
    assert "fund-correction" not in client.get(page.url).content.decode()


def test_page_shows_insured_counts_when_given(client, index):
    page = FundDisclosurePageFactory(parent=index, insured_employees=345678, insured_residents=2100000)

    html = client.get(page.url).content.decode()

    assert "345,678" in html
    assert "2,100,000" in html


# Downloads


def _csv_rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_page_links_its_downloads(client, page, parse):
    links = {link["href"] for link in parse(client.get(page.url)).links if "download" in link}

    assert links == {f"{page.url}export/{fmt}/" for fmt in ("csv", "json", "xlsx")}


def test_csv_figures_equal_the_page_figures(client, page):
    page_rows = TableCells(client.get(page.url).content.decode(), "fund-table").rows["tbody"]

    header, *rows = _csv_rows(client.get(f"{page.url}export/csv/"))

    assert header == EXPORT_COLUMNS
    assert [row[3:7] for row in rows] == [[str(_number(cell)) for cell in cells[1:]] for cells in page_rows]
    assert [row[:3] for row in rows] == [
        ["2025-Q3", "临沧市", "职工基本医疗保险"],
        ["2025-Q3", "临沧市", "城乡居民基本医疗保险"],
    ]
    assert {row[7] for row in rows} == {"万元"}


def test_json_download_has_the_documented_columns(client, page):
    response = client.get(f"{page.url}export/json/")

    data = json.loads(response.content)
    assert [list(item) for item in data] == [EXPORT_COLUMNS, EXPORT_COLUMNS]
    assert data[0]["income"] == "123456.78"
    assert data[1]["current_balance"] == "-234.60"


def test_xlsx_download_parses_with_numbers_as_numbers(client, page):
    response = client.get(f"{page.url}export/xlsx/")

    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == EXPORT_COLUMNS
    expected = [[row[name] for name in AMOUNTS] for row in DEFAULT_ROWS]
    assert [[D(str(value)) for value in row[3:7]] for row in rows] == expected


def test_unknown_download_format_is_not_found(client, page):
    assert client.get(f"{page.url}export/pdf/").status_code == 404


# The editor's warnings


def _edit(client, page, **changes):
    """Submit the admin edit form of `page` as it stands, with `changes`, and publish."""
    url = f"/admin/pages/{page.pk}/edit/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    for name, value in changes.items():
        data[name.replace("__", "-")] = value
    data["action-publish"] = "action-publish"
    return client.post(url, data, follow=True)


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(superuser=True))
    return client


def test_editor_is_warned_when_a_balance_is_not_income_minus_expenditure(editor, page):
    response = _edit(editor, page, rows__0__current_balance="23000.00")

    html = response.content.decode()
    assert response.status_code == 200
    assert "职工基本医疗保险" in html
    assert "当期结余 23,000.00 不等于收入减支出" in html
    assert "123,456.78 − 100,000.50 = 23,456.28" in html
    # Saving is not blocked.
    assert FundRow.objects.get(page=page, fund_type=FundType.EMPLOYEE).current_balance == D("23000.00")


def test_editor_is_not_warned_when_balances_add_up(editor, page):
    html = _edit(editor, page, summary="运行平稳。").content.decode()

    assert "不等于收入减支出" not in html
    assert FundDisclosurePage.objects.get(pk=page.pk).summary == "运行平稳。"


def test_editor_is_warned_when_published_figures_change_without_a_correction(editor, page):
    html = _edit(editor, page, rows__0__income="123457.78", rows__0__current_balance="23457.28").content.decode()

    assert "已公布的数据有改动" in html
    assert "不等于收入减支出" not in html


def test_a_correction_with_a_reason_silences_the_change_warning(editor, page):
    html = _edit(
        editor,
        page,
        rows__0__income="123457.78",
        rows__0__current_balance="23457.28",
        corrected_on="2025-11-03",
        correction_note="职工医保收入原公布数少计1万元。",
    ).content.decode()

    assert "已公布的数据有改动" not in html
    assert FundDisclosurePage.objects.get(pk=page.pk).correction_note == "职工医保收入原公布数少计1万元。"


def test_editor_is_warned_when_creating_a_page_whose_balance_does_not_add_up(editor, index):
    url = f"/admin/pages/add/disclosures/funddisclosurepage/{index.pk}/"
    data = querydict_from_html(editor.get(url).content.decode(), form_id="page-edit-form")
    data.update(
        {
            "title": "2025年5月医保基金收支情况",
            "slug": "funds-2025-05",
            "period_year": "2025",
            "period_kind": "month",
            "period_number": "5",
            "region": "临沧市",
            "unit": "wan",
            "source": "临沧市医疗保障局",
            "rows-TOTAL_FORMS": "1",
            "rows-0-fund_type": "maternity",
            "rows-0-income": "10.00",
            "rows-0-expenditure": "4.00",
            "rows-0-current_balance": "5.00",
            "rows-0-cumulative_balance": "50.00",
            "rows-0-ORDER": "1",
            "action-publish": "action-publish",
        }
    )

    html = editor.post(url, data, follow=True).content.decode()

    assert "生育保险" in html
    assert "当期结余 5.00 不等于收入减支出" in html
    created = FundDisclosurePage.objects.get(slug="funds-2025-05")
    assert created.live
    assert created.period_end == datetime.date(2025, 5, 31)


def test_admin_form_reports_a_period_that_does_not_fit(editor, page):
    response = _edit(editor, page, period_kind="quarter", period_number="9")

    assert "请填写季度（1至4）。" in response.content.decode()
    assert FundDisclosurePage.objects.get(pk=page.pk).period_number == 3


# The index


@pytest.fixture
def listed(index):
    """Five disclosures over two years, two regions and three period types."""
    make = FundDisclosurePageFactory
    return {
        "q3_2025": make(parent=index, title="临沧2025Q3", period_year=2025, period_number=3),
        "q2_2025": make(parent=index, title="临沧2025Q2", period_year=2025, period_number=2),
        "y_2024": make(parent=index, title="临沧2024全年", period_year=2024, yearly=True),
        "m_2024": make(parent=index, title="凤庆2024年5月", period_year=2024, monthly=True, region="凤庆县"),
        "h_2025": make(parent=index, title="凤庆2025上半年", period_year=2025, half_year=True, region="凤庆县"),
    }


def _titles(response):
    return [item.title for item in response.context["items"]]


def test_index_lists_newest_period_first(client, index, listed):
    # The second quarter and the first half end on the same day: the later publication comes first.
    assert _titles(client.get(index.url)) == [
        "临沧2025Q3",
        "凤庆2025上半年",
        "临沧2025Q2",
        "临沧2024全年",
        "凤庆2024年5月",
    ]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("year=2024", ["临沧2024全年", "凤庆2024年5月"]),
        ("region=凤庆县", ["凤庆2025上半年", "凤庆2024年5月"]),
        ("period_kind=quarter", ["临沧2025Q3", "临沧2025Q2"]),
        ("year=2025&region=临沧市&period_kind=quarter", ["临沧2025Q3", "临沧2025Q2"]),
        ("year=2025&period_kind=year", []),
    ],
)
def test_index_filters(client, index, listed, query, titles):
    response = client.get(f"{index.url}?{query}")

    assert _titles(response) == titles
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_index_filter_form_offers_years_regions_and_period_types(client, index, listed):
    form = client.get(index.url).context["filterset"].form

    assert [value for value, _ in form.fields["year"].choices] == ["", "2025", "2024"]
    assert sorted(value for value, _ in form.fields["region"].choices) == ["", "临沧市", "凤庆县"]
    assert [value for value, _ in form.fields["period_kind"].choices] == ["", "month", "quarter", "half", "year"]


def test_trend_totals_are_the_sums_of_the_rows_oldest_first(client, index):
    rows_a = [fund_row(FundType.EMPLOYEE, "10.10", "5.05"), fund_row(FundType.RESIDENT, "20.20", "30.30")]
    rows_b = [fund_row(FundType.EMPLOYEE, "1000.01", "999.99", current_balance="0.05"), fund_row(FundType.ASSISTANCE)]
    newer = FundDisclosurePageFactory(parent=index, period_number=2, rows=rows_b)
    older = FundDisclosurePageFactory(parent=index, period_number=1, rows=rows_a)

    response = client.get(index.url)

    periods = response.context["trend"]["periods"]
    assert [p["pk"] for p in periods] == [older.pk, newer.pk]
    for period, rows in zip(periods, (rows_a, rows_b), strict=True):
        for name in ("income", "expenditure", "current_balance"):
            assert period[name] == sum(row[name] for row in rows)
    table = TableCells(response.content.decode(), "fund-trend-table")
    assert table.rows["tbody"] == [
        ["2025年第1季度", "30.30", "35.35", "-5.05"],
        ["2025年第2季度", "1,100.01", "1,059.99", "40.05"],
    ]
    chart = _json_script(response.content.decode(), "fund-trend-data")
    assert chart["categories"] == ["2025年第1季度", "2025年第2季度"]
    assert [s["values"] for s in chart["series"]] == [["30.30", "1100.01"], ["35.35", "1059.99"], ["-5.05", "40.05"]]


def test_trend_follows_the_filters(client, index, listed):
    response = client.get(f"{index.url}?region=凤庆县")

    periods = response.context["trend"]["periods"]
    assert [p["pk"] for p in periods] == [listed["m_2024"].pk, listed["h_2025"].pk]
    assert response.context["trend"]["mixed"] is True


def test_trend_converts_pages_to_the_smallest_unit_exactly(client, index):
    FundDisclosurePageFactory(parent=index, period_number=1, unit=MoneyUnit.HUNDRED_MILLION, rows=[fund_row()])
    FundDisclosurePageFactory(parent=index, period_number=2, unit=MoneyUnit.TEN_THOUSAND, rows=[fund_row()])

    trend = client.get(index.url).context["trend"]

    assert trend["unit"] == "万元"
    assert [p["income"] for p in trend["periods"]] == [D("1000000.00"), D("100.00")]


def test_index_download_has_one_line_per_fund_of_the_filtered_pages(client, index, listed):
    header, *rows = _csv_rows(client.get(f"{index.url}export/csv/?region=凤庆县"))

    assert header == EXPORT_COLUMNS
    assert [row[0] for row in rows] == ["2025-H1", "2025-H1", "2024-05", "2024-05"]
    assert {row[1] for row in rows} == {"凤庆县"}


def test_index_feed_lists_the_disclosures(client, index, listed):
    response = client.get(f"{index.url}feed/")

    assert response.status_code == 200
    assert "临沧2025Q3" in response.content.decode()


def _index_queries(client, index):
    client.get(index.url)  # warm the site and settings caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(index.url)
    assert response.status_code == 200
    return len(queries), len(response.context["trend"]["periods"])


def test_index_query_count_does_not_grow_with_the_number_of_pages(client, index, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # count the page being built, not the page cache's copy
    for number in range(5):
        FundDisclosurePageFactory(parent=index, period_year=2020 + number, yearly=True)
    few, periods = _index_queries(client, index)
    assert periods == 5

    for number in range(25):
        FundDisclosurePageFactory(parent=index, period_year=2000 + number % 20, period_number=number % 4 + 1)
    many, periods = _index_queries(client, index)
    assert periods == 30

    assert many == few
