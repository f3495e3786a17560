"""Random inspections (双随机、一公开): the plan page with its results, summary, filters and downloads;
the index of plans; what editors are told when a plan does not add up."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from disclosures.choices import InspectionOutcome, InstitutionType
from disclosures.models import InspectionPlanPage, InspectionResult
from home.templatetags.portal_tags import yuan
from tests.factories import UserFactory

from .factories_inspections import (
    InspectionIndexPageFactory,
    InspectionPlanPageFactory,
    InspectionResultFactory,
    MeasureFactory,
)

pytestmark = pytest.mark.django_db

RESULT_COLUMNS = [
    "plan",
    "year",
    "batch",
    "institution",
    "institution_type",
    "region",
    "inspection_date",
    "items_checked",
    "outcome",
    "findings",
    "handling",
    "amount_recovered",
    "fine",
    "follow_up",
]
PLAN_COLUMNS = [
    "plan",
    "year",
    "batch",
    "sampling_share",
    "period_start",
    "period_end",
    "objects_drawn",
    "results_published",
    "problems_found",
    "amount_recovered",
    "fine",
    "inspection_items",
    "scope",
    "legal_basis",
    "inspecting_units",
    "url",
]


def zh(message, **values):
    """A UI string as the public site shows it (in Simplified Chinese)."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % values if values else text


def money(value):
    with translation.override("zh-hans"):
        return yuan(value)


@pytest.fixture
def index(db):
    return InspectionIndexPageFactory()


@pytest.fixture
def plan(index):
    """Four drawn, three published: two with problems (12,345.60 + 1,000.05 recovered, one fine)."""
    plan = InspectionPlanPageFactory(parent=index, year=2025, batch=1, objects_drawn=4)
    interview = MeasureFactory(name="约谈", slug="interview")
    recovery = MeasureFactory(name="追回", slug="recovery")
    InspectionResultFactory(
        page=plan, problem=True, institution_name="临翔区第一医院", region="临翔区", measures=[interview, recovery]
    )
    InspectionResultFactory(
        page=plan, institution_name="凤庆县康民药店", region="凤庆县", institution_type=InstitutionType.PHARMACY
    )
    InspectionResultFactory(
        page=plan,
        problem=True,
        institution_name="凤庆县中医医院",
        region="凤庆县",
        amount_recovered=Decimal("1000.05"),
        fine=None,
        handling="",
    )
    return plan


def row_names(html):
    return re.findall(r'<th scope="row">([^<]*)</th>', html.split('class="table table-sm table-striped')[-1])


def page_money(html, column):
    return re.findall(rf'data-money="{column}">([^<]*)</td>', html)


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def export_url(page, fmt, query=""):
    return page.url + page.reverse_subpage("export", kwargs={"fmt": fmt}) + (f"?{query}" if query else "")


# The plan page ---------------------------------------------------------------------------------


def test_plan_page_shows_the_plan_facts(client, plan):
    html = client.get(plan.url).content.decode()

    assert plan.title in html
    assert zh("%(year)s, batch %(batch)s", year=2025, batch=1) in html
    assert '<time datetime="2025-04-01">2025年4月1日</time>' in html
    assert '<time datetime="2025-06-30">2025年6月30日</time>' in html
    for item in ("医保基金使用情况", "医疗服务收费行为", "药品和耗材进销存"):
        assert f"<li>{item}</li>" in html
    for unit in ("市医疗保障局", "市医疗保障基金监管中心"):
        assert f"<li>{unit}</li>" in html
    assert '<dd class="col-sm-9 sampling-share">5%</dd>' in html
    assert "全市定点医疗机构和定点零售药店" in html
    assert "《医疗保障基金使用监督管理条例》第二十二条" in html


def test_plan_page_lists_every_result_in_editor_order(client, plan):
    html = client.get(plan.url).content.decode()

    assert row_names(html) == ["临翔区第一医院", "凤庆县康民药店", "凤庆县中医医院"]
    assert "约谈、追回<br>已约谈医院负责人" in html
    assert "超标准收费、重复收费" in html
    assert str(InstitutionType.PHARMACY.label) in html
    assert page_money(html, "amount_recovered") == [money(Decimal("12345.60")), "—", money(Decimal("1000.05"))]
    assert page_money(html, "fine") == [money(Decimal("24691.20")), "—", "—"]


def test_results_table_is_accessible(client, plan, parse):
    response = client.get(plan.url)
    html = response.content.decode()
    table = html.split('<table class="table table-sm table-striped inspection-results">')[1].split("</table>")[0]

    assert re.search(r"<caption>[^<]*\S[^<]*</caption>", table)
    assert table.count('<th scope="col"') == 11
    assert table.count('<th scope="row">') == 3
    assert len(parse(response).find("main", id="main")) == 1


def test_summary_compares_published_results_with_the_number_drawn(client, plan):
    html = client.get(plan.url).content.decode()

    published = re.search(r'data-summary="published">([^<]*)</td>', html).group(1)
    assert published == zh("Published %(published)s of %(drawn)s drawn", published=3, drawn=4) + " (75%)"
    assert re.search(r'data-summary="problems">([^<]*)</td>', html).group(1) == "2"
    assert re.search(r'data-summary="recovered">([^<]*)</td>', html).group(1) == money(Decimal("13345.65"))
    assert re.search(r'data-summary="fines">([^<]*)</td>', html).group(1) == money(Decimal("24691.20"))
    assert 'class="alert alert-info outstanding"' in html


def test_summary_is_computed_by_the_database(plan):
    summary = InspectionPlanPage.objects.get(pk=plan.pk).result_summary()

    assert summary == {
        "published": 3,
        "problems": 2,
        "recovered": Decimal("13345.65"),
        "fines": Decimal("24691.20"),
        "drawn": 4,
        "outstanding": 1,
        "published_share": Decimal("75.0"),
    }


def test_fully_published_plan_has_no_outstanding_notice(client, index):
    plan = InspectionPlanPageFactory(parent=index, objects_drawn=2)
    InspectionResultFactory.create_batch(2, page=plan)

    html = client.get(plan.url).content.decode()

    assert "(100%)" in html
    assert 'class="alert alert-info outstanding"' not in html
    assert re.search(r'data-summary="recovered">([^<]*)</td>', html).group(1) == "—"


def test_plan_without_results_says_so(client, index):
    plan = InspectionPlanPageFactory(parent=index, objects_drawn=3)

    html = client.get(plan.url).content.decode()

    assert zh("No result has been published yet.") in html
    assert "(0%)" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=凤庆县", ["凤庆县康民药店", "凤庆县中医医院"]),
        ("region=临翔区", ["临翔区第一医院"]),
        ("institution_type=pharmacy", ["凤庆县康民药店"]),
        ("institution_type=hospital", ["临翔区第一医院", "凤庆县中医医院"]),
        ("outcome=problem", ["临翔区第一医院", "凤庆县中医医院"]),
        ("outcome=no_problem", ["凤庆县康民药店"]),
        ("region=凤庆县&outcome=problem", ["凤庆县中医医院"]),
    ],
)
def test_plan_page_filters(client, plan, query, expected):
    response = client.get(f"{plan.url}?{query}")
    html = response.content.decode()

    assert row_names(html) == expected
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in html


def test_plan_page_filters_are_a_plain_get_form(client, plan, parse):
    page = parse(client.get(plan.url))

    assert page.find("form", method="get", action=f"{plan.url}#results")
    names = [attrs["name"] for attrs in page.find("select")]
    assert names == ["region", "institution_type", "outcome"]
    html = client.get(plan.url).content.decode()
    regions = re.findall(r'<option value="([^"]*)"', html.split('name="region"')[1].split("</select>")[0])
    assert regions == ["", "临翔区", "凤庆县"]
    assert "X-Robots-Tag" not in client.get(plan.url).headers


def test_unknown_filter_value_is_ignored_and_said(client, plan):
    html = client.get(f"{plan.url}?outcome=bogus").content.decode()

    assert row_names(html) == ["临翔区第一医院", "凤庆县康民药店", "凤庆县中医医院"]
    assert zh("This choice is not available; it was ignored.") in html


def test_filtered_rows_keep_the_summary_of_the_whole_plan(client, plan):
    html = client.get(f"{plan.url}?outcome=no_problem").content.decode()

    assert re.search(r'data-summary="problems">([^<]*)</td>', html).group(1) == "2"


# Downloads of the plan's results ---------------------------------------------------------------


def test_download_links_carry_the_active_filters(client, plan, parse):
    page = parse(client.get(f"{plan.url}?region=凤庆县"))

    hrefs = [link["href"] for link in page.links if link.get("class") == "download-link"]
    assert [href.split("?")[0] for href in hrefs] == [export_url(plan, fmt) for fmt in ("csv", "json", "xlsx")]
    assert all(href.endswith("?region=%E5%87%A4%E5%BA%86%E5%8E%BF") for href in hrefs)


def test_csv_has_a_bom_and_the_documented_columns(client, plan):
    response = client.get(export_url(plan, "csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="inspection-results-2025-1.csv"'
    rows = csv_rows(response)
    assert list(rows[0].keys()) == RESULT_COLUMNS
    assert rows[0] == {
        "plan": plan.title,
        "year": "2025",
        "batch": "1",
        "institution": "临翔区第一医院",
        "institution_type": zh(InstitutionType.HOSPITAL.label),
        "region": "临翔区",
        "inspection_date": "2025-05-12",
        "items_checked": "住院病历、收费清单",
        "outcome": zh(InspectionOutcome.PROBLEM.label),
        "findings": "超标准收费、重复收费",
        "handling": "约谈;追回;已约谈医院负责人",
        "amount_recovered": "12345.60",
        "fine": "24691.20",
        "follow_up": "已整改到位",
    }


def test_csv_numbers_equal_those_on_the_page(client, plan):
    html = client.get(plan.url).content.decode()
    rows = csv_rows(client.get(export_url(plan, "csv")))

    assert [row["institution"] for row in rows] == row_names(html)
    for column in ("amount_recovered", "fine"):
        shown = [money(Decimal(row[column])) if row[column] else "—" for row in rows]
        assert shown == page_money(html, column)
    total = sum(Decimal(row["amount_recovered"]) for row in rows if row["amount_recovered"])
    assert re.search(r'data-summary="recovered">([^<]*)</td>', html).group(1) == money(total)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=凤庆县", ["凤庆县康民药店", "凤庆县中医医院"]),
        ("institution_type=pharmacy", ["凤庆县康民药店"]),
        ("outcome=problem", ["临翔区第一医院", "凤庆县中医医院"]),
    ],
)
def test_every_download_has_exactly_the_filtered_rows(client, plan, query, expected):
    shown = row_names(client.get(f"{plan.url}?{query}").content.decode())

    csv_names = [row["institution"] for row in csv_rows(client.get(export_url(plan, "csv", query)))]
    json_names = [row["institution"] for row in json.loads(client.get(export_url(plan, "json", query)).content)]
    sheet = load_workbook(io.BytesIO(client.get(export_url(plan, "xlsx", query)).content)).active
    xlsx_names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]

    assert shown == csv_names == json_names == xlsx_names == expected


def test_json_parses_with_the_documented_columns(client, plan):
    response = client.get(export_url(plan, "json"))

    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content.decode("utf-8"))
    assert [list(row) for row in data] == [RESULT_COLUMNS] * 3
    assert [row["amount_recovered"] for row in data] == ["12345.60", "", "1000.05"]


def test_xlsx_parses_with_the_documented_columns(client, plan):
    response = client.get(export_url(plan, "xlsx"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == RESULT_COLUMNS
    first = dict(zip(RESULT_COLUMNS, rows[1], strict=True))
    assert first["institution"] == "临翔区第一医院"
    assert Decimal(str(first["amount_recovered"])) == Decimal("12345.60")
    assert Decimal(str(first["fine"])) == Decimal("24691.20")
    assert len(rows) == 4


def test_unknown_download_format_is_not_found(client, plan):
    assert client.get(plan.url + "export/pdf/").status_code == 404


# The index of plans -----------------------------------------------------------------------------


@pytest.fixture
def plans(index):
    """2025 batch 2 (云县), 2025 batch 1 (临翔区, 凤庆县), 2024 batch 1 (two results in 临翔区)."""
    made = {
        "2025-1": InspectionPlanPageFactory(parent=index, year=2025, batch=1, objects_drawn=3),
        "2025-2": InspectionPlanPageFactory(parent=index, year=2025, batch=2, objects_drawn=1, special=True),
        "2024-1": InspectionPlanPageFactory(parent=index, year=2024, batch=1, objects_drawn=5),
    }
    InspectionResultFactory(page=made["2025-1"], region="临翔区", problem=True)
    InspectionResultFactory(page=made["2025-1"], region="凤庆县")
    InspectionResultFactory(page=made["2025-2"], region="云县")
    InspectionResultFactory.create_batch(2, page=made["2024-1"], region="临翔区")
    return made


def listed_titles(html):
    return re.findall(r'<h2 class="h5 mb-1"><a href="[^"]*">([^<]*)</a></h2>', html)


def test_index_lists_plans_newest_first(client, index, plans):
    html = client.get(index.url).content.decode()

    assert listed_titles(html) == [plans[key].title for key in ("2025-2", "2025-1", "2024-1")]


def test_index_item_shows_year_batch_share_period_and_published_count(client, index, plans):
    html = client.get(index.url).content.decode()
    item = html.split(plans["2025-1"].title)[1].split("</li>")[0]

    assert zh("%(year)s, batch %(batch)s", year=2025, batch=1) in item
    assert zh("Sampling share %(share)s%%", share="5") in item
    assert '<time datetime="2025-04-01">2025年4月1日</time>' in item
    assert '<time datetime="2025-06-30">2025年6月30日</time>' in item
    assert zh("Published %(published)s of %(drawn)s drawn", published=2, drawn=3) in item
    assert zh("Problems found: %(problems)s", problems=1) in item
    special = html.split(plans["2025-2"].title)[1].split("</li>")[0]
    assert zh("Sampling share %(share)s%%", share="20") in special
    assert zh("Published %(published)s of %(drawn)s drawn", published=1, drawn=1) in special


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year=2024", ["2024-1"]),
        ("year=2025", ["2025-2", "2025-1"]),
        ("region=临翔区", ["2025-1", "2024-1"]),
        ("region=云县", ["2025-2"]),
        ("year=2025&region=临翔区", ["2025-1"]),
    ],
)
def test_index_filters(client, index, plans, query, expected):
    html = client.get(f"{index.url}?{query}").content.decode()

    assert listed_titles(html) == [plans[key].title for key in expected]


def test_index_filter_choices_come_from_the_listed_plans_and_their_results(client, index, plans):
    html = client.get(index.url).content.decode()

    years = re.findall(r'<option value="(\d+)"', html.split('name="year"')[1].split("</select>")[0])
    regions = re.findall(r'<option value="([^"]+)"', html.split('name="region"')[1].split("</select>")[0])
    assert years == ["2025", "2024"]
    assert sorted(regions) == sorted(["临翔区", "凤庆县", "云县"])


def test_region_filter_counts_results_of_the_whole_plan(client, index, plans):
    # 2024-1 has two results in 临翔区: it is listed once, with both counted.
    html = client.get(f"{index.url}?region=临翔区").content.decode()
    item = html.split(plans["2024-1"].title)[1].split("</li>")[0]

    assert listed_titles(html).count(plans["2024-1"].title) == 1
    assert zh("Published %(published)s of %(drawn)s drawn", published=2, drawn=5) in item


def test_index_download_has_one_row_per_plan_with_counts(client, index, plans):
    rows = csv_rows(client.get(index.url + index.reverse_subpage("export", kwargs={"fmt": "csv"}) + "?year=2025"))

    assert list(rows[0].keys()) == PLAN_COLUMNS
    assert [(row["plan"], row["results_published"], row["objects_drawn"]) for row in rows] == [
        (plans["2025-2"].title, "1", "1"),
        (plans["2025-1"].title, "2", "3"),
    ]
    assert rows[1]["amount_recovered"] == "12345.60"
    assert rows[1]["problems_found"] == "1"
    assert rows[1]["inspection_items"] == "医保基金使用情况;医疗服务收费行为;药品和耗材进销存"


def test_index_feed_lists_the_plans(client, index, plans):
    response = client.get(index.url + "feed/")

    assert response.status_code == 200
    assert plans["2025-1"].title in response.content.decode()


def _listing_queries(client, url):
    client.get(url)  # warm the site and settings caches, as any earlier visitor would
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_index_query_count_does_not_grow_with_the_number_of_plans(client, index, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # count the page being built, not the page cache's copy

    def add_plans(count, start):
        for n in range(start, start + count):
            plan = InspectionPlanPageFactory(parent=index, year=2000 + n, batch=1, objects_drawn=3)
            InspectionResultFactory(page=plan, problem=True, region=f"区{n}")
            InspectionResultFactory(page=plan, region=f"区{n}")

    add_plans(5, 0)
    few, html = _listing_queries(client, index.url)
    assert len(listed_titles(html)) == 5

    add_plans(25, 5)
    many, html = _listing_queries(client, index.url)
    assert len(listed_titles(html)) == 20
    assert html.count(zh("Published %(published)s of %(drawn)s drawn", published=2, drawn=3)) == 20

    assert many == few


# What editors enter -------------------------------------------------------------------------------


@pytest.mark.parametrize("share", [Decimal("0"), Decimal("-1"), Decimal("100.01")])
def test_sampling_share_must_be_above_zero_and_at_most_100(plan, share):
    plan.sampling_share = share

    with pytest.raises(ValidationError) as error:
        plan.full_clean()

    assert error.value.message_dict == {
        "sampling_share": [zh("The sampling share is a percentage: more than 0 and at most 100.")]
    }


@pytest.mark.parametrize("share", [Decimal("0.01"), Decimal("3"), Decimal("100")])
def test_sampling_share_within_range_is_accepted(plan, share):
    plan.sampling_share = share

    plan.full_clean()


def test_period_cannot_end_before_it_starts(plan):
    plan.period_end = plan.period_start.replace(month=3)

    with pytest.raises(ValidationError) as error:
        plan.full_clean()

    assert list(error.value.message_dict) == ["period_end"]


def test_period_of_one_day_is_accepted(plan):
    plan.period_end = plan.period_start

    plan.full_clean()


def test_result_with_a_problem_must_say_what_was_found(plan):
    result = InspectionResultFactory.build(page=plan, outcome=InspectionOutcome.PROBLEM, findings=" ")

    with pytest.raises(ValidationError) as error:
        result.full_clean()

    assert list(error.value.message_dict) == ["findings"]


def test_money_without_a_problem_is_refused(plan):
    result = InspectionResultFactory.build(page=plan, fine=Decimal("500"))

    with pytest.raises(ValidationError) as error:
        result.full_clean()

    assert list(error.value.message_dict) == ["outcome"]


def test_negative_amount_is_refused(plan):
    result = InspectionResultFactory.build(page=plan, problem=True, amount_recovered=Decimal("-1"))

    with pytest.raises(ValidationError) as error:
        result.full_clean()

    assert list(error.value.message_dict) == ["amount_recovered"]


# The editor, through the Wagtail admin ----------------------------------------------------------


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(superuser=True))
    return client


def plan_form(results=(), **fields):
    data = {
        "title": "2026年第一批双随机抽查",
        "slug": "plan-2026-1",
        "year": "2026",
        "batch": "1",
        "period_start": "2026-03-01",
        "period_end": "2026-05-31",
        "sampling_share": "5",
        "objects_drawn": "2",
        "inspection_items": "医保基金使用情况",
        "scope": "全市定点医药机构",
        "legal_basis": "《医疗保障基金使用监督管理条例》",
        "inspecting_units": "市医疗保障局",
        "results": inline_formset(list(results)),
        "action-publish": "action-publish",
        **fields,
    }
    return nested_form_data(data)


def result_form(**fields):
    return {
        "institution_name": "测试医院",
        "institution_type": "hospital",
        "region": "临翔区",
        "inspection_date": "2026-04-02",
        "items_checked": "收费清单",
        "outcome": "no_problem",
        "findings": "",
        "handling": "",
        "amount_recovered": "",
        "fine": "",
        "follow_up": "",
        **fields,
    }


def add_url(index):
    return reverse("wagtailadmin_pages:add", args=("disclosures", "inspectionplanpage", index.pk))


def test_editor_publishes_a_plan_with_results_and_their_measures(editor, index):
    interview = MeasureFactory(name="约谈", slug="interview")
    fine = MeasureFactory(name="罚款", slug="fine")
    # A tuple: nested_form_data would spread a list over numbered keys.
    problem = result_form(
        outcome="problem", findings="重复收费", measures=(str(interview.pk), str(fine.pk)), fine="800.00"
    )

    response = editor.post(add_url(index), plan_form([problem, result_form(institution_name="测试药店")]))

    assert response.status_code == 302, response.content.decode()[:2000]
    plan = InspectionPlanPage.objects.get(slug="plan-2026-1")
    assert plan.live
    results = list(plan.results.order_by("sort_order"))
    assert [r.institution_name for r in results] == ["测试医院", "测试药店"]
    assert sorted(m.name for m in results[0].measures.all()) == ["约谈", "罚款"]
    revision_results = plan.get_latest_revision_as_object().results.all()
    assert sorted(m.name for m in revision_results[0].measures.all()) == ["约谈", "罚款"]


def test_editor_sees_the_share_message(editor, index):
    response = editor.post(add_url(index), plan_form(sampling_share="0"))

    assert response.status_code == 200
    assert zh("The sampling share is a percentage: more than 0 and at most 100.") in response.content.decode()
    assert not InspectionPlanPage.objects.filter(slug="plan-2026-1").exists()


def test_editor_sees_the_period_message(editor, index):
    response = editor.post(add_url(index), plan_form(period_end="2026-02-01"))

    assert response.status_code == 200
    assert zh("The period cannot end before it starts.") in response.content.decode()


def test_editor_cannot_publish_more_results_than_objects_drawn(editor, index):
    response = editor.post(add_url(index), plan_form([result_form()] * 3, objects_drawn="2"))

    assert response.status_code == 200
    expected = zh(
        "There are %(results)s results but only %(drawn)s objects drawn. Correct the number drawn.", results=3, drawn=2
    )
    assert expected in response.content.decode()


def test_editor_sees_the_result_messages(editor, index):
    response = editor.post(add_url(index), plan_form([result_form(outcome="problem")]))

    assert response.status_code == 200
    assert zh("Say what was found: the outcome is 'Problem found'.") in response.content.decode().replace("&#x27;", "'")


def test_low_share_is_a_note_not_an_error(editor, index):
    note = zh(
        "This share is below the %(minimum)s%% of designated institutions that must be inspected each year. "
        "You can still publish it; check that this year's batches together reach it.",
        minimum=5,
    )

    response = editor.post(add_url(index), plan_form(sampling_share="3"))
    assert response.status_code == 302
    plan = InspectionPlanPage.objects.get(slug="plan-2026-1")
    assert plan.live

    edit = editor.get(reverse("wagtailadmin_pages:edit", args=(plan.pk,))).content.decode().replace("&#x27;", "'")
    assert note in edit

    normal = InspectionPlanPageFactory(parent=index, sampling_share=Decimal("5"))
    edit = editor.get(reverse("wagtailadmin_pages:edit", args=(normal.pk,))).content.decode().replace("&#x27;", "'")
    assert note not in edit


# Preview and search -------------------------------------------------------------------------------


def test_preview_shows_unsaved_results(index):
    plan = InspectionPlanPageFactory(parent=index, objects_drawn=2)
    plan.results = [
        InspectionResult(
            institution_name="预览医院",
            institution_type=InstitutionType.HOSPITAL,
            region="云县",
            inspection_date=plan.period_start,
            outcome=InspectionOutcome.PROBLEM,
            findings="分解收费",
            amount_recovered=Decimal("10.10"),
            fine=Decimal("20.20"),
        )
    ]
    request = RequestFactory().get("/", SERVER_NAME="localhost")
    request.user = AnonymousUser()

    response = plan.serve_preview(request, "")
    html = response.render().content.decode()

    assert row_names(html) == ["预览医院"]
    assert re.search(r'data-summary="recovered">([^<]*)</td>', html).group(1) == money(Decimal("10.10"))
    assert InspectionResult.objects.filter(page=plan).count() == 0


def test_search_text_includes_the_inspected_institutions(plan):
    grams = InspectionPlanPage.objects.get(pk=plan.pk).search_grams().split()

    assert {"康民", "药店", "中医"} <= set(grams)
