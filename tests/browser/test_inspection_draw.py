"""A random-inspection draw end to end in a real browser: an editor writes the plan in the Wagtail
admin, commits the draw, draws and enters a result; the public sees the hashes first, the seed and
the selection after the draw, and a verification page that re-runs it."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosures.models import InspectionDraw, InspectionPlanPage
from home.demo_content import load_demo_content

from ..disclosures.factories_directories import (
    InspectedInstitutionFactory,
    InspectionItemFactory,
    InspectorFactory,
)
from ..disclosures.factories_inspections import InspectionIndexPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-editor-password-1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
WAIT = 15_000  # ms: the longest any single step may take


def zh(message):
    """A UI string as the public site shows it (in Simplified Chinese)."""
    with translation.override("zh-hans"):
        return gettext(message)


def sign_in(browser, base_url):
    """A superuser signs in with the password and a TOTP code, as every staff member must."""
    user = get_user_model().objects.create_superuser("bianji", "bianji@example.cn", PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").first.click()
    assert "/admin/2fa/verify/" in page.url, "an editor must pass the second factor"
    page.locator("input[name=otp_token]").fill(f"{totp(device.bin_key):06d}")
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    assert "/admin/2fa/" not in page.url
    return page


def publish(page):
    """Wagtail's footer keeps Publish in the action menu's dropdown: open it, then publish."""
    footer_menu = page.locator("footer .w-dropdown-button")
    footer_menu.locator(".w-dropdown__toggle").click()
    publish_button = page.locator("button[name=action-publish]")
    publish_button.wait_for(state="visible")
    with page.expect_navigation():
        publish_button.click()
    # Published, Wagtail goes back to the explorer; refused, it shows the editor again with the errors.
    assert "/add/" not in page.url and "/edit/" not in page.url, page.locator(
        ".messages, .error-message, .help-critical"
    ).all_inner_texts()


def public_page(browser, url):
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(url)
    return page


def test_an_editor_draws_a_plan_and_the_public_verifies_it(browser, live_server, artifacts_dir):
    load_demo_content(publications=False)
    index = InspectionIndexPageFactory()
    items = InspectionItemFactory.create_batch(3)
    InspectedInstitutionFactory.create_batch(25)
    InspectorFactory.create_batch(6)
    base = live_server.url

    editor = sign_in(browser, base)

    # The plan, written and published in the page editor.
    editor.goto(f"{base}/admin/pages/add/disclosures/inspectionplanpage/{index.pk}/")
    form = editor.locator("form[data-edit-form], form#page-edit-form").first
    form.locator("#id_title").fill("2025年第3批医保基金双随机抽查")
    form.locator("#id_year").fill("2025")
    form.locator("#id_batch").fill("3")
    form.locator("#id_period_start").fill("2025-04-01")
    form.locator("#id_period_end").fill("2025-06-30")
    form.locator("#id_sampling_share").fill("10")
    form.locator("#id_inspection_items").fill("医保基金使用情况\n医疗服务收费行为")
    form.locator("#id_scope").fill("全市定点医疗机构")
    form.locator("#id_legal_basis").fill("《医疗保障基金使用监督管理条例》第二十二条")
    form.locator("#id_inspecting_units").fill("市医疗保障局\n市医疗保障基金监管中心")
    assert form.locator("#id_objects_drawn").input_value() == ""
    editor.keyboard.press("Escape")  # closes a date picker left open
    publish(editor)
    plan = InspectionPlanPage.objects.get(title="2025年第3批医保基金双随机抽查")
    assert plan.live and plan.objects_drawn is None

    # The plan editor links to the draw screen.
    editor.goto(f"{base}/admin/pages/{plan.pk}/edit/")
    draw_screen = f"{base}/admin/inspection-draws/{plan.pk}/"
    assert editor.locator("a.draw-link").get_attribute("href") == f"/admin/inspection-draws/{plan.pk}/"
    with editor.expect_navigation():
        editor.locator("a.draw-link").click()
    assert editor.url == draw_screen

    # Commit: the scope and the parameters are frozen, the seed stays secret.
    draw_form = editor.locator("form.draw-form")
    draw_form.locator(f"input[name=items][value='{items[0].pk}']").check()
    draw_form.locator(f"input[name=items][value='{items[1].pk}']").check()
    draw_form.locator("input[name=share_percent]").fill("10")
    draw_form.locator("input[name=inspectors_per_object]").fill("2")
    with editor.expect_navigation():
        draw_form.locator("button[name=action][value=commit]").click()
    assert editor.url == draw_screen
    seed_hash_on_screen = editor.locator("code.seed-hash").inner_text().strip()
    assert HEX64.match(seed_hash_on_screen)
    draw = InspectionDraw.objects.get(plan=plan)
    assert not draw.is_drawn and len(draw.inputs["objects"]) == 25

    # Before the draw, the public sees the two hashes and no seed.
    reader = public_page(browser, base + plan.url)
    seed_hash = reader.locator("code.seed-hash").inner_text().strip()
    inputs_hash = reader.locator("code.inputs-hash").inner_text().strip()
    assert HEX64.match(seed_hash) and seed_hash == seed_hash_on_screen
    assert HEX64.match(inputs_hash)
    assert reader.locator("code.seed").count() == 0
    assert draw.seed not in reader.content()
    reader.context.close()

    # The draw: 10% of 25 institutions, rounded up.
    editor.goto(draw_screen)
    with editor.expect_navigation():
        editor.locator("button.draw-button").click()
    selection = editor.locator("table.draw-selection tbody tr")
    selection.first.wait_for()
    assert selection.count() == 3
    editor.screenshot(path=str(artifacts_dir / "inspection-draw-admin.png"), full_page=True)
    draw.refresh_from_db()
    assert draw.is_drawn and draw.size == 3
    first_code = draw.drawn_rows()[0]["object"]["code"]

    # One result, for the first institution drawn, entered in the plan editor.
    editor.goto(f"{base}/admin/pages/{plan.pk}/edit/")
    results_panel = editor.locator("#id_results-FORMS")
    editor.locator("#id_results-ADD").click()
    row = results_panel.locator("[id^='inline_child_results-']").first
    row.wait_for()
    code_select = row.locator("select[name$='institution_code']")
    options = code_select.locator("option").all_inner_texts()
    assert len(options) == 4 and first_code in options[1], options  # "---------" and the three drawn
    code_select.select_option(first_code)
    row.locator("input[name$='inspection_date']").fill("2025-05-12")
    editor.keyboard.press("Escape")
    row.locator("select[name$='outcome']").select_option("no_problem")
    publish(editor)
    result = plan.results.get()
    assert result.institution_code == first_code and result.outcome == "no_problem"

    # After the draw, the public sees the seed behind the hash and the selection with its results.
    reader = public_page(browser, base + plan.url)
    seed = reader.locator("code.seed").inner_text().strip()
    assert hashlib.sha256(seed.encode()).hexdigest() == seed_hash
    assert reader.locator("code.seed-hash").inner_text().strip() == seed_hash
    public_rows = reader.locator("table.draw-selection tbody tr")
    assert public_rows.count() == 3
    states = [s.strip() for s in reader.locator("table.draw-selection td.draw-result-state").all_inner_texts()]
    assert len(states) == 3
    assert states == [zh("Published"), zh("Not yet published"), zh("Not yet published")], states
    assert first_code in public_rows.first.inner_text()
    reader.screenshot(path=str(artifacts_dir / "inspection-draw-public.png"), full_page=True)

    # Anyone can have the draw re-run and compared.
    with reader.expect_navigation():
        reader.locator("a.verify-link").click()
    assert reader.url.endswith("draw/verify/")
    assert reader.locator("li.check-ok").count() == 3
    assert reader.locator("li.check-failed").count() == 0
    verdict = reader.locator(".verification-verdict")
    assert "alert-success" in (verdict.get_attribute("class") or "").split()
    reader.context.close()
    editor.context.close()
