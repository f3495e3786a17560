"""Query budgets of the public pages (issue 9): every page an anonymous reader can open makes at
most ten SQL queries, and no more with ten times the data.

How it is measured. The module builds the demo site once (``load_demo_content``: ten policies, eight
cases, inspection plans with results and one plan drawn by the portal, eight quarters of fund
figures, the plain pages) and requests every page once, counting its queries; then it grows the
site (ten times the pages under every index, more results, fund rows, related policies, categories,
measures, menu pages, and a second drawn plan over ten times the institutions) and each test counts
its page again. The grown count must stay within the budget and be no larger than the small one.

Warm-up. Some lookups are cached for the whole process, not per request: the Site of a host and
the portal settings (home/site_lookup.py, in the default cache), Wagtail's site root paths (same
cache), Django's content types and the page type of each top-level section (home/routing.py, in
memory). Each measurement set starts with one request to the home page and to each section and reads
every content type, which fills those; the page measured is then requested for
the first time, so nothing cached for that page or that request can hide its queries. The shared
page cache (home/page_cache.py) is switched off: it serves a stored copy, and the budget is about
what the page costs when it has to be built.
"""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from disclosures.models import (
    CaseIndexPage,
    CasePage,
    FundDisclosureIndexPage,
    FundDisclosurePage,
    FundRow,
    InspectedInstitution,
    InspectionIndexPage,
    InspectionItem,
    InspectionPlanPage,
    InspectionResult,
    Measure,
    PolicyIndexPage,
    PolicyPage,
    ViolationCategory,
)
from disclosures.models.policy import RelatedPolicy
from home.demo_content import load_demo_content
from home.models import HomePage, StandardPage
from tests.conftest import _forget_cached_state

BUDGET = 10
GROWTH = 10  # the grown site has about this many times the pages under each index

#: Every kind of page an anonymous reader can open: (id, path in the small site, path in the grown
#: site or None for the same). Paths are filled in by `_paths()` once the pages exist.
PAGES = [
    "home",
    "standard-page",
    "policy-index",
    "policy-index-filtered",
    "policy-index-page-2",
    "policy-feed-rss",
    "policy-feed-atom",
    "policy-export-csv",
    "policy-export-json",
    "policy-export-xlsx",
    "policy-page",
    "case-index",
    "case-index-filtered",
    "case-index-page-2",
    "case-feed-rss",
    "case-feed-atom",
    "case-export-csv",
    "case-export-json",
    "case-export-xlsx",
    "case-page",
    "inspection-index",
    "inspection-index-filtered",
    "inspection-index-page-2",
    "inspection-feed-rss",
    "inspection-feed-atom",
    "inspection-export-csv",
    "inspection-export-json",
    "inspection-export-xlsx",
    "inspection-draw-program",
    "plan-page",
    "plan-page-filtered",
    "plan-results-csv",
    "plan-page-with-portal-draw",
    "draw-verification",
    "draw-json",
    "fund-index",
    "fund-index-filtered",
    "fund-index-page-2",
    "fund-feed-rss",
    "fund-feed-atom",
    "fund-export-csv",
    "fund-export-json",
    "fund-export-xlsx",
    "fund-page",
    "fund-page-csv",
    "search",
    "search-page-2",
    "open-data",
    "sitemap",
    "robots",
    "report-form",
    "report-status-lookup",
]


def _index(model):
    return model.objects.get()


def _paths(drawn_plan) -> dict[str, str]:
    policies, cases = _index(PolicyIndexPage), _index(CaseIndexPage)
    inspections, funds = _index(InspectionIndexPage), _index(FundDisclosureIndexPage)
    plan = InspectionPlanPage.objects.get(slug="2025-special-batch-1")
    fund = FundDisclosurePage.objects.get(slug="2025-q2")
    paths = {
        "home": "/",
        "standard-page": StandardPage.objects.get(slug="how-to-report").url,
        "policy-page": PolicyPage.objects.get(slug="supervision-regulation-2021").url,
        "case-page": CasePage.objects.get(slug="county-hospital-phantom-inpatients").url,
        "plan-page": plan.url,
        "plan-page-filtered": plan.url + "?region=临翔区&outcome=problem",
        "plan-results-csv": plan.url + "export/csv/",
        "plan-page-with-portal-draw": drawn_plan.url,
        "draw-verification": drawn_plan.url + "draw/verify/",
        "draw-json": drawn_plan.url + "draw/json/",
        "inspection-draw-program": inspections.url + "draw/program/",
        "fund-page": fund.url,
        "fund-page-csv": fund.url + "export/csv/",
        "search": "/search/?q=骗保",
        "search-page-2": "/search/?q=骗保&page=2",
        "open-data": "/open-data/",
        "sitemap": "/sitemap.xml",
        "robots": "/robots.txt",
        "report-form": "/report/",
        "report-status-lookup": "/report/status/",
    }
    filters = {
        "policy": "?topic=supervision&validity=valid&year=2024",
        "case": "?category=phantom-inpatients&region=凤庆县",
        "inspection": "?year=2025&region=临翔区",
        "fund": "?period_kind=quarter&year=2025",
    }
    for name, index in (("policy", policies), ("case", cases), ("inspection", inspections), ("fund", funds)):
        paths[f"{name}-index"] = index.url
        paths[f"{name}-index-filtered"] = index.url + filters[name]
        paths[f"{name}-index-page-2"] = index.url + "?page=2"
        paths[f"{name}-feed-rss"] = index.url + "feed/"
        paths[f"{name}-feed-atom"] = index.url + "feed/atom/"
        for fmt in ("csv", "json", "xlsx"):
            paths[f"{name}-export-{fmt}"] = index.url + f"export/{fmt}/"
    assert set(paths) == set(PAGES)
    return paths


# Measuring ------------------------------------------------------------------------------------------


def _warm_up(client):
    """What a process caches once, not per request: the site, its settings and root paths (the
    default cache) and every content type (memory). See the module's docstring."""
    ContentType.objects.get_for_models(*apps.get_models())
    assert client.get("/").status_code == 200
    for section in HomePage.objects.get().get_children().live():
        client.get(section.url)  # routing remembers each section's page type (home/routing.py)


def _queries(client, path) -> tuple[int, list[str]]:
    """Status-checked query count of one anonymous GET, streamed downloads read to the end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
    return len(captured), [query["sql"] for query in captured.captured_queries]


def _listing(queries: list[str]) -> str:
    return "\n".join(f"  {n}. {sql[:300]}" for n, sql in enumerate(queries, start=1))


# Growing the site -----------------------------------------------------------------------------------


def _publish_under(parent, page):
    """A live page under `parent`, as publishing leaves it but without a revision (faster)."""
    now = timezone.now()
    page.live, page.first_published_at, page.last_published_at = True, now, now
    parent.add_child(instance=page)
    return page


def _grow_vocabularies():
    for n in range(20):
        ViolationCategory.objects.create(name=f"测试违规类型{n}", slug=f"budget-category-{n}", sort_order=100 + n)
    for n in range(10):
        Measure.objects.create(name=f"测试处理措施{n}", slug=f"budget-measure-{n}", sort_order=100 + n)


def _grow_policies():
    index = _index(PolicyIndexPage)
    added = []
    for n in range(PolicyPage.objects.count() * (GROWTH - 1)):
        added.append(
            _publish_under(
                index,
                PolicyPage(
                    title=f"关于打击欺诈骗保的通知（增补第{n}号）",
                    slug=f"budget-policy-{n}",
                    document_number=f"临医保发〔2024〕{100 + n}号",
                    issuing_body="临沧市医疗保障局",
                    region=["临沧市", "临翔区", "凤庆县"][n % 3],
                    date_issued=datetime.date(2016 + n % 10, 1 + n % 12, 1 + n % 28),
                    topic="supervision",
                    validity="valid",
                    summary="打击欺诈骗保，维护医保基金安全。",
                    body=[("paragraph", "<p>正文。</p>")],
                ),
            )
        )
    policy = PolicyPage.objects.get(slug="supervision-regulation-2021")
    for n, other in enumerate(added[:30]):
        RelatedPolicy.objects.create(page=policy, policy=other, sort_order=100 + n)


def _grow_cases():
    index = _index(CaseIndexPage)
    phantom = ViolationCategory.objects.get(slug="phantom-inpatients")  # what the filtered listing asks for
    categories = list(ViolationCategory.objects.exclude(pk=phantom.pk))
    measures = list(Measure.objects.all())
    for n in range(CasePage.objects.count() * (GROWTH - 1)):
        page = CasePage(
            title=f"某医院欺诈骗保案（增补{n}）",
            slug=f"budget-case-{n}",
            institution_name="某医院",
            institution_type=["hospital", "pharmacy"][n % 2],
            region=["临翔区", "凤庆县", "云县"][n % 3],
            summary="挂床住院骗取医保基金。",
            facts="<p>事实。</p>",
            amount_recovered=Decimal("1000.00") + n,
            decision_date=datetime.date(2018 + n % 8, 1 + n % 12, 1),
        )
        page.categories = [phantom, *categories[n % len(categories) :][:4]]
        page.measures = measures[n % len(measures) :][:3]
        _publish_under(index, page)
    # Straight into the tables: on a page, modelcluster keeps added relations until the next save.
    case = CasePage.objects.get(slug="county-hospital-phantom-inpatients")
    for relation, terms in ((CasePage.categories, categories[:15]), (CasePage.measures, measures[:10])):
        through = relation.through
        owner, term = (f.name for f in through._meta.get_fields() if f.many_to_one)
        known = set(through.objects.filter(**{owner: case}).values_list(f"{term}_id", flat=True))
        through.objects.bulk_create(through(**{owner: case, term: t}) for t in terms if t.pk not in known)


def _result(page, n, **fields):
    return InspectionResult(
        page=page,
        sort_order=100 + n,
        institution_name=fields.pop("institution_name", f"测试第{n}医院"),
        institution_type=fields.pop("institution_type", ["hospital", "pharmacy"][n % 2]),
        region=fields.pop("region", ["临翔区", "凤庆县", "云县"][n % 3]),
        inspection_date=datetime.date(2025, 5, 1 + n % 28),
        outcome=["problem", "no_problem"][n % 2],
        findings="超标准收费" if n % 2 == 0 else "",
        amount_recovered=Decimal("100.00") + n if n % 2 == 0 else None,
        **fields,
    )


def _add_results(results, measures):
    for result in results:
        result.save()
        if result.outcome == "problem":
            result.measures.set(measures)


def _grow_inspections():
    index = _index(InspectionIndexPage)
    measures = list(Measure.objects.all()[:3])
    for n in range(InspectionPlanPage.objects.count() * (GROWTH - 1)):
        plan = _publish_under(
            index,
            InspectionPlanPage(
                title=f"{2000 + n}年医保基金双随机抽查",
                slug=f"budget-plan-{n}",
                year=2000 + n,
                batch=1,
                inspection_items="医保基金使用情况",
                scope="全市定点医疗机构",
                sampling_share=Decimal("5.00"),
                period_start=datetime.date(2000 + n, 4, 1),
                period_end=datetime.date(2000 + n, 6, 30),
                legal_basis="《医疗保障基金使用监督管理条例》",
                inspecting_units="市医疗保障局",
                objects_drawn=5,
            ),
        )
        _add_results([_result(plan, k) for k in range(4)], measures)
    plan = InspectionPlanPage.objects.get(slug="2025-special-batch-1")
    _add_results([_result(plan, k) for k in range(40)], measures)


def _grow_drawn_plan():
    """A second plan drawn by the portal, over ten times the demo's institutions, with a result for
    every institution drawn; the grown site measures its pages instead of the demo's drawn plan."""
    from disclosures.draw_service import DrawPlan, commit, run
    from disclosures.uscc import check_character

    existing = InspectedInstitution.objects.count()
    for n in range(existing * (GROWTH - 1)):
        body = f"52530900{n:09d}"
        InspectedInstitution.objects.create(
            name=f"测试定点机构{n}",
            credit_code=body + check_character(body),
            institution_type=["hospital", "pharmacy"][n % 2],
            region=["临翔区", "凤庆县", "云县", "永德县"][n % 4],
            level="primary",
            credit_rating=["A", "B", "C"][n % 3],
        )
    index = _index(InspectionIndexPage)
    plan = _publish_under(
        index,
        InspectionPlanPage(
            title="2027年第1批医保基金双随机抽查",
            slug="budget-drawn-plan",
            year=2027,
            batch=1,
            inspection_items="医保基金使用情况",
            scope="全市定点医疗机构",
            sampling_share=Decimal("10.00"),
            period_start=datetime.date(2027, 3, 1),
            period_end=datetime.date(2027, 5, 31),
            legal_basis="《医疗保障基金使用监督管理条例》",
            inspecting_units="市医疗保障局",
        ),
    )
    draw = run(
        commit(plan, DrawPlan(items=list(InspectionItem.objects.all()[:2]), share_percent=Decimal("10")), None), None
    )
    rows = draw.drawn_rows()
    results = [
        _result(
            plan,
            k,
            institution_code=row["object"]["code"],
            institution_name=row["object"]["name"],
            institution_type=row["object"]["type"],
            region=row["object"]["region"],
        )
        for k, row in enumerate(rows)
    ]
    _add_results(results, list(Measure.objects.all()[:2]))
    return InspectionPlanPage.objects.get(pk=plan.pk)


def _grow_funds():
    index = _index(FundDisclosureIndexPage)
    for n in range(FundDisclosurePage.objects.count() * (GROWTH - 1)):
        page = FundDisclosurePage(
            title=f"医保基金收支情况公示（增补{n}）",
            slug=f"budget-fund-{n}",
            period_year=1990 + n // 4,
            period_kind="quarter",
            period_number=n % 4 + 1,
            region=["临沧市", "临翔区", "凤庆县"][n % 3],
            unit=["wan", "yuan"][n % 2],
            source="临沧市医疗保障局",
        )
        page.rows = [
            FundRow(
                fund_type=kind,
                income=Decimal(100 + n),
                expenditure=Decimal(60),
                current_balance=Decimal(40 + n),
                cumulative_balance=Decimal(1000),
                sort_order=k,
            )
            for k, kind in enumerate(("employee", "resident", "maternity"))
        ]
        _publish_under(index, page)
    fund = FundDisclosurePage.objects.get(slug="2025-q2")
    for k in range(12):
        FundRow.objects.create(
            page=fund,
            fund_type="employee",
            income=Decimal(k),
            expenditure=Decimal(0),
            current_balance=Decimal(k),
            cumulative_balance=Decimal(k),
            sort_order=100 + k,
        )


def _grow_menu():
    home = HomePage.objects.get()
    for n in range(GROWTH):
        _publish_under(home, StandardPage(title=f"栏目{n}", slug=f"budget-menu-{n}", show_in_menus=True))


def _grow():
    _grow_vocabularies()
    _grow_policies()
    _grow_cases()
    _grow_inspections()
    drawn_plan = _grow_drawn_plan()
    _grow_funds()
    _grow_menu()
    return drawn_plan


def _listed_pages() -> int:
    return sum(model.objects.live().count() for model in (PolicyPage, CasePage, InspectionPlanPage, FundDisclosurePage))


# The site, measured small, then grown ---------------------------------------------------------------


@pytest.fixture(scope="module")
def measured_site(django_db_setup, django_db_blocker):
    """{page id: (small count, small SQL, grown path)} with the database left grown for the tests;
    everything is rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(PORTAL_PAGE_CACHE_SECONDS=0):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _forget_cached_state()
            load_demo_content()
            drawn_plan = InspectionPlanPage.objects.get(slug="2026-batch-1")
            small_paths = _paths(drawn_plan)
            client = Client()
            _warm_up(client)
            small = {name: _queries(client, small_paths[name]) for name in PAGES}
            listed_before = _listed_pages()
            grown_paths = _paths(_grow())
            assert _listed_pages() >= listed_before * GROWTH, "the site did not grow"
            _forget_cached_state()
            yield {name: (*small[name], grown_paths[name]) for name in PAGES}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            _forget_cached_state()


@pytest.mark.parametrize("page", PAGES)
def test_public_page_stays_within_its_query_budget_as_the_data_grows(page, measured_site, db, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # measure the page being built, not a stored copy
    small, small_sql, path = measured_site[page]
    client = Client()
    _warm_up(client)
    grown, grown_sql = _queries(client, path)

    assert small <= BUDGET, f"{page}: {small} queries on the small site:\n{_listing(small_sql)}"
    assert grown <= BUDGET, f"{page}: {grown} queries on the grown site ({path}):\n{_listing(grown_sql)}"
    assert grown <= small, (
        f"{page}: {small} queries on the small site but {grown} with {GROWTH} times the data ({path}):\n"
        f"small:\n{_listing(small_sql)}\ngrown:\n{_listing(grown_sql)}"
    )


def test_every_public_page_kind_is_measured():
    """A page type added to the portal must get a line above (and a budget)."""
    measured = {
        HomePage,
        StandardPage,
        PolicyIndexPage,
        PolicyPage,
        CaseIndexPage,
        CasePage,
        InspectionIndexPage,
        InspectionPlanPage,
        FundDisclosureIndexPage,
        FundDisclosurePage,
    }
    page_models = {model for model in apps.get_models() if issubclass(model, Page) and model is not Page}
    assert page_models == measured


def test_the_growth_is_real(measured_site, db):
    """The grown site has the data the budget claims not to depend on."""
    assert PolicyPage.objects.live().count() >= 10 * GROWTH
    assert CasePage.objects.get(slug="county-hospital-phantom-inpatients").categories.count() >= 15
    assert RelatedPolicy.objects.filter(page__slug="supervision-regulation-2021").count() >= 30
    drawn = InspectionPlanPage.objects.get(slug="budget-drawn-plan")
    assert len(drawn.draw.inputs["objects"]) == InspectedInstitution.objects.filter(active=True).count() > 400
    assert drawn.results.count() == drawn.draw.size > 40
