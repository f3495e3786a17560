"""`manage.py generate_scale_data`: fake volume for benchmarks, inserted in bulk, that must still be a
consistent page tree, searchable and renderable pages, and reports staff can open."""

import io
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from disclosures.models import (
    CasePage,
    FundDisclosurePage,
    InspectedInstitution,
    InspectionPlanPage,
    Inspector,
    PolicyPage,
)
from disclosures.uscc import validate_uscc
from home.scale_pages import split_pages
from home.search_views import search_pages
from reports import case_deadlines, codes, deadlines, intake, receipts
from reports.audit import AuditEvent, verify_chain
from reports.models import Report, Status
from reports.scale_reports import _Deadlines

pytestmark = pytest.mark.django_db

PAGES, REPORTS = 60, 200
KINDS = {"policies": PolicyPage, "cases": CasePage, "inspections": InspectionPlanPage, "funds": FundDisclosurePage}


def generate(pages=PAGES, reports=REPORTS, seed="7", **options):
    out = io.StringIO()
    options.setdefault("not_production", True)  # the test settings run with DEBUG off
    call_command("generate_scale_data", pages=pages, reports=reports, seed=seed, stdout=out, **options)
    return out.getvalue()


def generated(model, since_pk=0):
    """Pages the command made: its slugs start with the kind and the date."""
    return model.objects.filter(pk__gt=since_pk, slug__regex=r"^[a-z]+-\d{8}-\d{5}")


def test_refused_without_debug_or_the_explicit_flag(report_keys, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        generate(not_production=False)
    assert not Report.objects.exists()


def test_counts_tree_numbers_and_audit(report_keys):
    output = generate()

    wanted = split_pages(PAGES)
    for kind, model in KINDS.items():
        pages = generated(model)
        assert pages.count() == wanted[kind], kind
        assert all(p.live and not p.has_unpublished_changes and p.first_published_at for p in pages)
        assert all(p.title == p.draft_title and p.url_path.endswith(f"/{p.slug}/") for p in pages)
        assert {p.first_published_at.year for p in pages} <= set(range(2019, timezone.localdate().year + 1))
        assert not pages.filter(first_published_at__date__gte=timezone.localdate()).exists()

    # The tree is as treebeard would have built it, and Wagtail agrees.
    assert Page.find_problems() == ([], [], [], [], [])
    for index in Page.objects.filter(depth=3):
        assert index.numchild == index.get_children().count()
        slugs = list(index.get_children().values_list("slug", flat=True))
        assert len(slugs) == len(set(slugs))

    for plan in generated(InspectionPlanPage):
        assert 3 <= plan.results.count() <= 10
        assert plan.objects_drawn >= plan.results.count()
    for fund in generated(FundDisclosurePage):
        rows = list(fund.rows.all())
        assert len(rows) >= 2 and all(row.balance_adds_up() for row in rows)
    for case in generated(CasePage):
        assert case.categories.exists() and case.measures.exists()
    for institution in InspectedInstitution.objects.all():
        validate_uscc(institution.credit_code)
    assert InspectedInstitution.objects.count() > PAGES // 2 and Inspector.objects.exists()

    reports = Report.objects.without_ciphertext()
    assert reports.count() == REPORTS
    statuses = Counter(reports.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    numbers = list(reports.values_list("number", flat=True))
    assert len(set(numbers)) == REPORTS and all(re.fullmatch(r"20(19|2\d)-\d{6}", n) for n in numbers)
    assert {int(n[:4]) for n in numbers} >= {2019, 2020, 2021, 2022, 2023, 2024, 2025}
    for report in reports.filter(status=Status.INVESTIGATING):
        assert report.assignee is not None and report.investigation_due is not None
    for report in reports:
        assert report.number.startswith(str(timezone.localtime(report.received_at).year))
        assert report.acceptance_due and report.processed_at and report.categories.exists()
    assert not reports.filter(received_at__date__gte=timezone.localdate()).exists()
    assert reports.filter(overdue_since__isnull=False).exists()

    # One summary event for the whole run, and the chain still verifies.
    event = AuditEvent.objects.get(action="scale_data.generate")
    assert event.details["reports"] == REPORTS and event.details["pages"] == PAGES
    assert verify_chain().ok

    # The output is counts and times, never content.
    assert "done in" in output
    assert not any(number in output for number in numbers)


def test_a_generated_page_of_each_kind_renders(report_keys, client):
    generate(reports=0)
    for kind, model in KINDS.items():
        page = generated(model).order_by("-first_published_at").first()
        response = client.get(page.url)
        assert response.status_code == 200, kind
        assert page.title in response.content.decode()
        index = page.get_parent()
        assert client.get(index.url).status_code == 200, kind


def test_the_site_search_finds_generated_pages_by_chinese_words(report_keys):
    generate(reports=0)
    site = Site.objects.get(is_default_site=True)
    case = generated(CasePage).first()
    found = search_pages(case.title, site)
    assert case.pk in [page.pk for page in found]
    # A violation term inside the title (a pair of characters from the middle of a word) finds it too.
    category = case.categories.first().name
    found = {page.pk for page in search_pages(category, site)}
    assert case.pk in found
    plan = generated(InspectionPlanPage).first()
    institution = plan.results.first().institution_name
    assert plan.pk in {page.pk for page in search_pages(institution, site)}


def test_a_generated_report_opens_for_staff_and_for_no_code(report_keys, client):
    generate(pages=0)
    report = Report.objects.without_ciphertext().filter(real_name=True, status=Status.FED_BACK).first()
    opened = intake.open_for_staff(report)
    assert set(opened.content) == {"party_name", "occurred_on", "amount", "description", "salt"}
    assert opened.identity is not None and len(opened.identity.id_number) == 18
    assert [m.kind for m in opened.messages] == ["decision", "feedback"]
    # The digest and the signed receipt match the sealed content, as at intake.
    assert receipts.verify_receipt(intake.receipt_of(report)).number == report.number

    # No tracking code opens a generated report: there is none.
    with pytest.raises(intake.ReportNotFound):
        intake.find_by_code(codes.generate_code())

    # The staff queue and the case page work on them.
    officer = get_user_model().objects.create_user("shouli", password="x")
    officer.groups.add(Group.objects.get(name="受理员"))
    client.force_login(officer)
    assert client.get(reverse("reports_admin:queue"), {"status": "investigating"}).status_code == 200
    assert client.get(reverse("reports_admin:queue"), {"overdue": "on"}).status_code == 200
    case_page = client.get(reverse("reports_admin:case", args=[report.pk]))
    assert case_page.status_code == 200


class _Undo(Exception):
    pass


def snapshot(page_since, report_since_numbers):
    pages = []
    for model in KINDS.values():
        for page in generated(model, page_since).order_by("path"):
            fields = {
                f.attname: getattr(page, f.attname)
                for f in model._meta.local_concrete_fields
                if f.attname not in ("page_ptr_id", "body")
            }
            pages.append((model.__name__, page.title, page.first_published_at, fields))
    reports = [
        (
            r.received_at,
            r.status,
            r.region,
            r.party_type,
            r.channel,
            r.real_name,
            r.outcome,
            r.verified_amount,
            r.decided_at,
            r.concluded_at,
            r.acceptance_due,
            r.investigation_due,
            r.assignee.username if r.assignee else None,
            sorted(c.slug for c in r.categories.all()),
        )
        for r in Report.objects.without_ciphertext().exclude(number__in=report_since_numbers).order_by("received_at")
    ]
    return pages, reports


def test_the_same_seed_gives_the_same_content_and_a_second_run_does_not_clash(report_keys):
    # The first run is undone, so the second starts from the same database state.
    try:
        with transaction.atomic():
            generate(pages=24, reports=40, seed="same")
            first = snapshot(0, [])
            raise _Undo
    except _Undo:
        pass
    generate(pages=24, reports=40, seed="same")
    assert snapshot(0, []) == first
    assert first[0] and first[1]

    # Again on top of it: new slugs and numbers, the tree still sound.
    before = Page.objects.order_by("-pk").values_list("pk", flat=True).first()
    numbers = list(Report.objects.values_list("number", flat=True))
    generate(pages=24, reports=40, seed="same")
    assert Report.objects.count() == 80
    assert Page.find_problems() == ([], [], [], [], [])
    again = snapshot(before, numbers)
    assert len(again[0]) == len(first[0]) and len(again[1]) == 40
    assert verify_chain().ok


def test_a_different_seed_gives_other_content(report_keys):
    try:
        with transaction.atomic():
            generate(pages=0, reports=20, seed="one")
            first = snapshot(0, [])
            raise _Undo
    except _Undo:
        pass
    generate(pages=0, reports=20, seed="two")
    assert snapshot(0, [])[1] != first[1]


def test_dates_stay_in_2019_to_yesterday(report_keys):
    generate(pages=40, reports=60)
    yesterday = timezone.localdate().toordinal() - 1
    for page in generated(CasePage):
        assert date(2019, 1, 1) <= page.decision_date and page.decision_date.toordinal() <= yesterday
    for page in generated(PolicyPage):
        assert date(2019, 1, 1) <= page.date_issued and page.date_issued.toordinal() <= yesterday
    assert not Report.objects.filter(received_at__year__lt=2019).exists()


def test_the_deadline_table_agrees_with_the_deadline_rules():
    """Generated reports take their deadlines from a table (reports/scale_reports.py): it must give what
    deadlines.deadline_for gives, holidays, make-up working days and days beyond the calendar included."""
    table = _Deadlines(date(2018, 12, 1), date(deadlines.LAST_KNOWN_YEAR + 1, 12, 31))
    days = [date(2019, 1, 1) + timedelta(days=n) for n in range(0, 365 * 8, 11)]
    days += [
        date(year, month, day)
        for year in range(2019, deadlines.LAST_KNOWN_YEAR + 2)
        for month, day in ((1, 1), (1, 20), (2, 8), (4, 30), (9, 28), (9, 30), (12, 20), (12, 31))
    ]
    for day in days:
        for count in (0, 15, case_deadlines.investigation_days()):
            expected = deadlines.deadline_for(day, count, "")
            assert table.due(day, count) == (expected.due, expected.provisional), (day, count)
