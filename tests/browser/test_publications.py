import csv
import io
from pathlib import Path

import pytest

from home.demo_content import load_demo_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_filters_cases_searches_and_downloads_fund_figures(page, live_server, artifacts_dir):
    load_demo_content()

    # Filter the exposed cases by violation, with the plain form (no JavaScript needed).
    page.goto(live_server.url + "/cases/")
    page.get_by_label("违规类型").select_option(label="挂床住院")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert "category=phantom-inpatients" in page.url
    listed = page.locator(".listing-item h2").all_inner_texts()
    assert listed and all("挂床" in title or "勾结" in title for title in listed)
    assert "某大药房" not in page.content()

    # Open a case.
    page.get_by_role("link", name="某县中医医院挂床住院、虚构诊疗骗取医保基金案").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "某县中医医院挂床住院、虚构诊疗骗取医保基金案"
    assert "186,400.00 元" in page.content()

    # Search in Chinese: a two-character word inside a longer one.
    page.get_by_role("searchbox").first.fill("挂床")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_load_state()
    results = page.locator(".search-result h2").all_inner_texts()
    assert any("挂床住院" in title for title in results)

    # A fund disclosure: the table first, then the chart drawn by ECharts.
    page.goto(live_server.url + "/funds/2025-q4/")
    table = page.locator("table").first
    assert "职工基本医疗保险" in table.inner_text()
    assert "44,862.29" in table.inner_text()
    chart = page.locator("[data-fund-chart]").first
    chart.locator("canvas, svg").first.wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts_dir / "fund-disclosure.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").first.click()
    download = download_info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    employee = next(row for row in rows if row["fund_type"] == "职工基本医疗保险")
    assert employee["income"] == "44862.29"
