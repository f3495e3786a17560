"""One report from received to feedback given, worked by three staff members in the admin, each
signing in with a password and a TOTP code, while the reporter follows it on the status page."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.demo_content import load_demo_content
from reports import intake, staff
from reports.models import Report, Status

from ..reports.builders import make_submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-staff-password-1"


def staff_member(username, group):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def sign_in(browser, base_url, user, device):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/admin/2fa/verify/" in page.url, "staff must pass the second factor"
    page.locator("input[name=otp_token]").fill(f"{totp(device.bin_key):06d}")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/admin/2fa/" not in page.url
    return page


def take_action(page, base_url, report, label, fill=None):
    page.goto(f"{base_url}/admin/cases/{report.pk}/")
    summary = page.locator("summary", has_text=re.compile(f"^{label}$"))
    action = page.locator("details.case-action", has=summary)
    action.locator("summary").click()
    if fill:
        fill(action)
    action.locator("button[type=submit]").click()
    page.wait_for_load_state()


def reporter_sees(browser, base_url, code) -> str:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(base_url + "/report/status/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    text = page.locator(".report-status-label").inner_text()
    body = page.locator("main").inner_text()
    context.close()
    return text, body


def test_three_staff_members_take_a_report_to_feedback_and_the_reporter_follows(
    browser, live_server, report_keys, artifacts_dir
):
    load_demo_content(publications=False)
    staff.ensure_staff_groups()  # the test database was flushed
    base = live_server.url
    officer, officer_device = staff_member("shouli", "受理员")
    investigator, investigator_device = staff_member("hecha", "核查员")
    supervisor, supervisor_device = staff_member("shouli2", "受理员")
    submitted = intake.submit(make_submission())
    report = submitted.report
    assert reporter_sees(browser, base, submitted.code)[0] == "已登记"

    page = sign_in(browser, base, officer, officer_device)
    take_action(page, base, report, "受理")
    assert reporter_sees(browser, base, submitted.code)[0] == "已受理"
    take_action(page, base, report, "交办核查人员", lambda form: form.locator("select").select_option(label="hecha"))
    assert Report.objects.get(pk=report.pk).assignee == investigator
    assert reporter_sees(browser, base, submitted.code)[0] == "已交办"
    page.context.close()

    page = sign_in(browser, base, investigator, investigator_device)
    take_action(page, base, report, "开始核查")
    assert reporter_sees(browser, base, submitted.code)[0] == "核查中"

    def conclusion(form):
        form.locator("select[name$=outcome]").select_option("substantiated")
        form.locator("input[name$=verified_amount]").fill("8600.00")
        form.get_by_label("追回").check()

    take_action(page, base, report, "办结核查", conclusion)
    page.screenshot(path=str(artifacts_dir / "case-concluded.png"), full_page=True)
    assert reporter_sees(browser, base, submitted.code)[0] == "已办结"
    page.context.close()

    page = sign_in(browser, base, supervisor, supervisor_device)
    take_action(
        page,
        base,
        report,
        "向举报人反馈处理结果",
        lambda form: form.locator("textarea").fill("经核查，您反映的问题属实，已追回医保基金。"),
    )
    page.context.close()

    status, body = reporter_sees(browser, base, submitted.code)
    assert status == "已反馈"
    assert "经核查，您反映的问题属实，已追回医保基金。" in body
    final = Report.objects.get(pk=report.pk)
    assert (final.status, final.outcome, final.verified_amount) == (Status.FED_BACK, "substantiated", Decimal("8600"))
