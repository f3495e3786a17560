"""One report from received to feedback given, worked by three staff members in the admin, each
signing in with a password and a TOTP code, while the reporter follows it on the status page."""

import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.demo_content import load_demo_content
from reports import intake, staff, workflow
from reports.models import Report, Status
from reports.reward_decisions import RewardDecision
from reports.reward_reference import ensure_reference_schemes

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


def test_a_reward_is_proposed_reviewed_approved_claimed_and_paid(browser, live_server, report_keys):
    load_demo_content(publications=False)
    staff.ensure_staff_groups()  # the test database was flushed: groups and reference schemes again
    ensure_reference_schemes(django_apps)
    base = live_server.url
    officer = get_user_model().objects.create_user("shouli-r", password=PASSWORD)
    officer.user_permissions.set(Permission.objects.filter(codename__in=["decide_report", "assign_report"]))
    investigator = get_user_model().objects.create_user("hecha-r", password=PASSWORD)
    investigator.user_permissions.set(Permission.objects.filter(codename="investigate_report"))
    officer, investigator = (get_user_model().objects.get(pk=u.pk) for u in (officer, investigator))
    submitted = intake.submit(make_submission())
    report = submitted.report
    for action, user, fields in [
        ("accept", officer, {}),
        ("assign", officer, {"assignee": investigator}),
        ("start", investigator, {}),
        ("conclude", investigator, {"outcome": "substantiated", "verified_amount": Decimal("20000")}),
    ]:
        report = workflow.perform(report, action, user, **fields)

    proposer = staff_member("jiangli1", "奖励审核员")
    reviewer = staff_member("jiangli2", "奖励审核员")
    approver = staff_member("shenpi", "奖励审批人")
    finance = staff_member("caiwu", "财务")

    page = sign_in(browser, base, *proposer)
    page.goto(f"{base}/admin/cases/{report.pk}/")
    panel = page.locator("section.case-reward")
    panel.locator("select[name=scheme]").select_option("hefei-2023")
    panel.locator("select[name=subject_type]").select_option("institution")
    panel.get_by_role("button", name="提议奖励").click()
    page.wait_for_load_state()
    reasoning = page.locator("section.case-reward").inner_text()
    assert "= 400.00元" in reasoning and "500.00元" in reasoning  # 2% of 20,000, raised to the floor
    page.context.close()

    for person, button in ((reviewer, "审核"), (approver, "审批")):
        page = sign_in(browser, base, *person)
        page.goto(f"{base}/admin/cases/{report.pk}/")
        page.locator("section.case-reward").get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state()
        page.context.close()
    decision = RewardDecision.objects.get(report=report)
    assert (decision.state, decision.amount) == ("approved", Decimal("500.00"))

    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/report/status/")
    page.get_by_label("查询码").fill(submitted.code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert "500.00" in page.locator("section.reward").inner_text()
    page.locator("#payee-name").fill("王芳")
    page.locator("#payee-id").fill("53090219800101030X")
    page.locator("#payee-bank").fill("中国农业银行临沧分行")
    page.locator("#payee-account").fill("6228480123456789012")
    page.get_by_role("button", name="申领奖励").click()
    page.wait_for_load_state()
    assert "已申领，待支付" in page.locator("main").inner_text()
    context.close()

    page = sign_in(browser, base, *finance)
    page.goto(f"{base}/admin/cases/rewards/payments/")
    assert report.number in page.locator("main").inner_text()
    page.get_by_role("button", name="标记已支付").click()
    page.wait_for_load_state()
    page.context.close()
    assert RewardDecision.objects.get(report=report).state == "paid"
