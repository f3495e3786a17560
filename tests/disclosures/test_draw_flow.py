"""A plan drawn in the portal: commit in the admin, publish, draw, enter results, and anyone can
verify the draw on the plan page or with `manage.py verify_draw`."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from disclosures import draw as algorithm
from disclosures.draw_service import DrawPlan, DrawRefused, commit, run
from disclosures.models import InspectionDraw, InspectionPlanPage
from reports.audit import verify_chain
from reports.models import AuditEvent
from tests.factories import UserFactory

from .factories_directories import InspectedInstitutionFactory, InspectionItemFactory, InspectorFactory
from .factories_inspections import InspectionIndexPageFactory, InspectionPlanPageFactory
from .test_inspections import result_form, zh

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(db):
    return InspectionIndexPageFactory()


@pytest.fixture
def directories(db):
    items = InspectionItemFactory.create_batch(2)
    institutions = InspectedInstitutionFactory.create_batch(30)
    InspectedInstitutionFactory(active=False, name="已退出的药房")
    InspectorFactory.create_batch(8)
    return {"items": items, "institutions": institutions}


@pytest.fixture
def plan(index):
    return InspectionPlanPageFactory(parent=index, objects_drawn=None, sampling_share="10")


@pytest.fixture
def editor(client):
    user = UserFactory(superuser=True)
    client.force_login(user)
    client.user = user
    return client


def draw_url(plan):
    return reverse("disclosures_draw", kwargs={"page_id": plan.pk})


def commit_form(items, **fields):
    return {"items": [str(i.pk) for i in items], "share_percent": "10", "inspectors_per_object": "2", **fields}


def test_the_editor_counts_the_scope_then_commits(editor, plan, directories):
    preview = editor.post(draw_url(plan), {**commit_form(directories["items"]), "action": "preview"})
    expected = zh(
        "In scope: %(population)s active institutions; %(size)s will be drawn. Active inspectors: %(inspectors)s.",
        population=30,
        size=3,
        inspectors=8,
    )
    assert expected in preview.content.decode()
    assert not InspectionDraw.objects.exists()

    response = editor.post(draw_url(plan), {**commit_form(directories["items"]), "action": "commit"})
    assert response.status_code == 302
    draw = InspectionDraw.objects.get(plan=plan)
    assert len(draw.inputs["objects"]) == 30, "the inactive institution is not in scope"
    assert draw.inputs_sha256 == algorithm.sha256_hex(algorithm.canonical(draw.inputs))
    assert draw.seed_sha256 == algorithm.sha256_hex(draw.seed.encode())
    assert not draw.is_drawn
    event = AuditEvent.objects.get(action="inspection.draw.commit")
    assert event.details["seed_sha256"] == draw.seed_sha256 and "seed" not in event.details


def test_a_share_below_the_minimum_is_refused_in_words(editor, plan, directories):
    response = editor.post(draw_url(plan), {**commit_form(directories["items"], share_percent="4"), "action": "commit"})
    assert response.status_code == 400
    assert zh("The share cannot be below the minimum of %(limit_value)s%%.", limit_value=5) in response.content.decode()
    assert not InspectionDraw.objects.exists()


def test_a_scope_with_no_institution_cannot_be_committed(editor, plan, directories):
    form = {**commit_form(directories["items"]), "institution_types": ["pharmacy"], "action": "commit"}
    response = editor.post(draw_url(plan), form)
    assert response.status_code == 400
    assert not InspectionDraw.objects.exists()


@pytest.fixture
def committed(plan, directories):
    user = UserFactory(superuser=True)
    return commit(plan, DrawPlan(items=directories["items"], share_percent="10"), user)


def test_before_the_draw_the_page_shows_the_hashes_but_never_the_seed(client, plan, committed):
    html = client.get(plan.url).content.decode()
    assert committed.seed_sha256 in html and committed.inputs_sha256 in html
    assert committed.seed not in html
    downloaded = client.get(plan.url + "draw/json/").json()
    assert downloaded["seed"] is None and downloaded["result"] is None
    assert downloaded["commitment"]["seed_sha256"] == committed.seed_sha256
    assert committed.seed not in json.dumps(downloaded)


def test_the_draw_waits_for_the_commitment_to_be_public(editor, plan, committed):
    plan.unpublish()
    response = editor.post(draw_url(plan))
    assert response.status_code == 302
    committed.refresh_from_db()
    assert not committed.is_drawn
    assert (
        "Publish the plan page first" in editor.get(draw_url(plan)).content.decode()
        or "请先发布" in editor.get(draw_url(plan)).content.decode()
    )


def test_a_draw_is_made_once(editor, plan, committed):
    editor.post(draw_url(plan))
    committed.refresh_from_db()
    assert committed.is_drawn and committed.size == 3
    first = committed.result
    with pytest.raises(DrawRefused):
        run(committed, editor.user)
    committed.refresh_from_db()
    assert committed.result == first
    assert AuditEvent.objects.filter(action="inspection.draw.run").count() == 1
    assert verify_chain().ok


def test_a_drawn_plan_publishes_seed_selection_and_verifies(client, editor, plan, committed):
    editor.post(draw_url(plan))
    committed.refresh_from_db()
    html = client.get(plan.url).content.decode()
    assert committed.seed in html
    for code in committed.drawn_codes():
        assert code in html
    verify = client.get(plan.url + "draw/verify/")
    assert verify.status_code == 200
    text = verify.content.decode()
    assert "check-failed" not in text and text.count("check-ok") == 3
    downloaded = client.get(plan.url + "draw/json/").json()
    assert all(ok for _, ok in algorithm.verify(downloaded))
    program = client.get(plan.get_parent().url + "draw/program/")
    assert program.status_code == 200 and b"def verify(" in b"".join(
        program.streaming_content if program.streaming else [program.content]
    )


def test_inspector_names_never_reach_the_public_page(client, editor, plan, committed):
    editor.post(draw_url(plan))
    html = client.get(plan.url).content.decode()
    assert "检查员" not in html
    # …while staff see who inspects.
    assert "检查员" in editor.get(draw_url(plan)).content.decode()


def test_verify_draw_command_passes_and_catches_a_tampered_seed(editor, plan, committed, tmp_path):
    editor.post(draw_url(plan))
    out = io.StringIO()
    call_command("verify_draw", str(plan.pk), stdout=out)
    assert "Verified: the same 3 institutions" in out.getvalue()

    downloaded = tmp_path / "draw.json"
    downloaded.write_text(json.dumps(InspectionDraw.objects.get().published(), ensure_ascii=False), encoding="utf-8")
    call_command("verify_draw", "--file", str(downloaded), stdout=io.StringIO())

    InspectionDraw.objects.filter(pk=committed.pk).update(seed="0" * 64)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_draw", plan.slug, stdout=out)
    assert "FAIL seed matches the committed hash" in out.getvalue()
    assert "check-failed" in editor.get(plan.url + "draw/verify/").content.decode()


def test_a_tampered_snapshot_fails_verification(client, editor, plan, committed):
    editor.post(draw_url(plan))
    draw = InspectionDraw.objects.get()
    draw.inputs["objects"][0]["region"] = "别处"
    draw.save()
    with pytest.raises(CommandError):
        call_command("verify_draw", str(plan.pk), stdout=io.StringIO())
    assert "verification-verdict" in (html := client.get(plan.url + "draw/verify/").content.decode())
    assert "check-failed" in html


def _edit_form(plan, results):
    data = {
        "title": plan.title,
        "slug": plan.slug,
        "year": str(plan.year),
        "batch": str(plan.batch),
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "sampling_share": str(plan.sampling_share),
        "objects_drawn": "",
        "inspection_items": plan.inspection_items,
        "scope": plan.scope,
        "legal_basis": plan.legal_basis,
        "inspecting_units": plan.inspecting_units,
        "results": inline_formset(list(results)),
        "action-publish": "action-publish",
    }
    return nested_form_data(data)


def result_row(code, **fields):
    """A result for a drawn institution: name, type and region are left for the draw to fill in."""
    return result_form(
        institution_code=code, institution_name="", institution_type="", region="", items_checked="", **fields
    )


def test_a_result_names_a_drawn_institution_and_takes_its_details(client, editor, plan, committed):
    editor.post(draw_url(plan))
    draw = InspectionDraw.objects.get()
    code = draw.drawn_codes()[0]
    edit = reverse("wagtailadmin_pages:edit", args=(plan.pk,))
    form_page = editor.get(edit).content.decode()
    assert code in form_page, "the result row offers the drawn institutions"

    response = editor.post(edit, _edit_form(plan, [result_row(code)]))
    assert response.status_code == 302, re.findall(r"error-message[^>]*>([^<]+)", response.content.decode())
    plan = InspectionPlanPage.objects.get(pk=plan.pk)
    result = plan.results.get()
    snapshot = draw.objects_by_code()[code]
    assert (result.institution_name, result.region, result.institution_type) == (
        snapshot["name"],
        snapshot["region"],
        snapshot["type"],
    )
    html = client.get(plan.url).content.decode()
    assert zh("Published %(published)s of %(drawn)s drawn", published=1, drawn=3) in html
    selection = html.split('class="table table-sm table-striped draw-selection"')[1].split("</table>")[0]
    assert selection.count(zh("Published")) == 1 and selection.count(zh("Not yet published")) == 2


def test_a_result_for_an_institution_not_drawn_is_refused(editor, plan, committed, directories):
    editor.post(draw_url(plan))
    draw = InspectionDraw.objects.get()
    not_drawn = next(i.credit_code for i in directories["institutions"] if i.credit_code not in draw.drawn_codes())
    edit = reverse("wagtailadmin_pages:edit", args=(plan.pk,))
    response = editor.post(edit, _edit_form(plan, [result_row(not_drawn)]))
    assert response.status_code == 200
    assert not InspectionPlanPage.objects.get(pk=plan.pk).results.exists()
    twice = editor.post(edit, _edit_form(plan, [result_row(draw.drawn_codes()[0])] * 2))
    assert twice.status_code == 200
    assert not InspectionPlanPage.objects.get(pk=plan.pk).results.exists()


def test_the_index_counts_results_against_the_draw(client, index, editor, plan, committed):
    editor.post(draw_url(plan))
    html = client.get(index.url).content.decode()
    assert zh("Published %(published)s of %(drawn)s drawn", published=0, drawn=3) in html


def test_editors_may_keep_the_directories():
    from django.contrib.auth.models import Group

    editors = Group.objects.get(name="编辑")
    user = UserFactory()
    user.groups.add(editors)
    for model in ("inspectionitem", "inspectedinstitution", "inspector"):
        assert user.has_perm(f"disclosures.add_{model}") and user.has_perm(f"disclosures.change_{model}")
