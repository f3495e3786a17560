"""The home page's sections list the newest live publications of each kind."""

import datetime

import pytest

from .factories import CaseFactory, CaseIndexFactory, PolicyFactory, PolicyIndexFactory
from .factories_funds import FundDisclosureIndexPageFactory, FundDisclosurePageFactory, fund_row
from .factories_inspections import InspectionIndexPageFactory, InspectionPlanPageFactory

pytestmark = pytest.mark.django_db


def section(html, heading):
    start = html.index(f">{heading}</h2>")
    return html[start : html.index("</section>", start)]


def test_sections_show_the_newest_items_by_their_own_date(client, demo):
    policies = PolicyIndexFactory(parent=demo)
    PolicyFactory(parent=policies, title="旧政策", date_issued=datetime.date(2019, 1, 1))
    PolicyFactory(parent=policies, title="新政策", date_issued=datetime.date(2025, 6, 1))
    PolicyFactory(parent=policies, title="草稿政策", live=False)
    cases = CaseIndexFactory(parent=demo)
    CaseFactory(parent=cases, title="曝光的案例")
    plans = InspectionIndexPageFactory(parent=demo)
    InspectionPlanPageFactory(parent=plans, title="2025年第1批抽查")

    html = client.get("/").content.decode()

    listed = section(html, "政策文件")
    assert listed.index("新政策") < listed.index("旧政策")
    assert "草稿政策" not in listed
    assert "2025年6月1日" in listed
    assert "曝光的案例" in section(html, "典型案例曝光")
    assert "2025年第1批抽查" in section(html, "双随机抽查结果")


def test_fund_summary_shows_the_latest_period_figures(client, demo):
    funds = FundDisclosureIndexPageFactory(parent=demo)
    FundDisclosurePageFactory(parent=funds, title="上一季度", period_number=2, rows=[fund_row(income="1.00")])
    FundDisclosurePageFactory(
        parent=funds, title="最近一季度", period_number=3, rows=[fund_row(income="123456.78", expenditure="100.00")]
    )

    summary = section(client.get("/").content.decode(), "基金收支情况")

    assert "最近一季度" in summary and "上一季度" not in summary
    assert "123,456.78" in summary
    assert "职工基本医疗保险" in summary
