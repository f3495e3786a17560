import datetime
from decimal import Decimal

import pytest

from .factories import CaseFactory, CaseIndexFactory, categories, measures

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(demo):
    return CaseIndexFactory(parent=demo)


def test_case_page_shows_facts_amounts_and_measures(client, index):
    case = CaseFactory(
        parent=index,
        institution_name="张某某",
        institution_type="individual",
        amount_involved=Decimal("1234567.5"),
        fine=None,
        categories=categories("impersonation", "card-misuse"),
        measures=measures("recovery", "refer-police"),
        legal_basis="《医疗保障基金使用监督管理条例》第四十一条",
    )
    html = client.get(case.url).content.decode()

    assert "张某某" in html and "参保人员" in html
    assert "冒名就医" in html and "盗刷医保卡/医保码" in html
    assert "1,234,567.50 元" in html
    assert "<li>追回</li>" in html and "<li>移送公安</li>" in html
    assert "第四十一条" in html
    assert "2025年5月1日" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("category=phantom-inpatients", "挂床案", "药店案"),
        ("institution_type=pharmacy", "药店案", "挂床案"),
        ("region=云县", "药店案", "挂床案"),
        ("year=2023", "药店案", "挂床案"),
    ],
)
def test_index_filters(client, index, query, shown, hidden):
    CaseFactory(parent=index, title="挂床案", categories=categories("phantom-inpatients"))
    CaseFactory(
        parent=index,
        title="药店案",
        institution_type="pharmacy",
        region="云县",
        decision_date=datetime.date(2023, 8, 1),
        categories=categories("substitution"),
    )
    html = client.get(f"{index.url}?{query}").content.decode()
    assert shown in html and hidden not in html


def test_filter_form_offers_only_years_and_regions_that_exist(client, index):
    CaseFactory(parent=index, region="云县", decision_date=datetime.date(2023, 8, 1))
    html = client.get(index.url).content.decode()

    assert '<option value="2023">2023</option>' in html
    assert '<option value="2019">' not in html
    assert '<option value="云县">云县</option>' in html


def test_newest_decision_first(client, index):
    CaseFactory(parent=index, title="早的案", decision_date=datetime.date(2022, 1, 1))
    CaseFactory(parent=index, title="晚的案", decision_date=datetime.date(2025, 1, 1))
    html = client.get(index.url).content.decode()
    assert html.index("晚的案") < html.index("早的案")


def test_index_query_count_does_not_grow_with_children(client, index, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # count the page being built, not the page cache's copy
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        CaseFactory(parent=index, categories=categories("phantom-inpatients", "collusion"))
    client.get(index.url)  # warm the per-site caches both counts then share
    with CaptureQueriesContext(connection) as few:
        client.get(index.url)
    for _ in range(25):
        CaseFactory(parent=index, categories=categories("phantom-inpatients", "collusion"))
    with CaptureQueriesContext(connection) as many:
        client.get(index.url)
    assert len(many) == len(few)


def test_index_with_500_cases_renders_with_the_same_query_count_as_with_5(client, index, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from disclosures.models import CasePage

    # Build the tree directly (no revisions, no search indexing): this test is about reading.
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}}
    tags = categories("phantom-inpatients", "collusion")
    steps = measures("recovery", "fine")

    def add(count):
        for n in range(count):
            page = CasePage(
                title=f"批量案例{n}",
                slug=f"bulk-{index.get_children_count()}-{n}",
                institution_name="某医院",
                institution_type="hospital",
                region=f"地区{n % 7}",
                summary="摘要",
                facts="<p>事实</p>",
                decision_date=datetime.date(2020 + n % 6, 1 + n % 12, 1),
                live=True,
                first_published_at=timezone.now(),
            )
            page.categories = tags
            page.measures = steps
            index.add_child(instance=page)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{index.url}?category=collusion")
        assert response.status_code == 200
        return len(captured)

    add(5)
    client.get(index.url)
    few = queries()
    add(495)
    assert CasePage.objects.child_of(index).live().count() == 500
    assert queries() == few
