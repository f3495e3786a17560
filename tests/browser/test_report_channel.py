"""A citizen reports, keeps the code and comes back with it, in a real browser, with JavaScript
off and on."""

import re
from pathlib import Path

import pytest

from home.demo_content import load_demo_content
from reports import intake
from reports.models import Report

from ..reports.builders import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "该医院住院部多名患者白天不在病房，夜间才回来签字，疑似挂床住院。"


def fill_report(page, tmp_path, *, description=DESCRIPTION):
    page.get_by_label("被举报对象类型").select_option(label="定点医疗机构")
    page.get_by_label("被举报机构、药店或人员名称").fill("某县第一人民医院")
    page.get_by_label("所在地区").select_option("临翔区")
    page.get_by_label("挂床住院").check()
    page.get_by_label("举报内容").fill(description)
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo())
    page.get_by_label("证据材料").set_input_files(str(picture))


def shown_code(page) -> str:
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{1,4}){4}", code), code
    return code


def open_status(page, base_url, code):
    page.goto(base_url + "/report/status/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()


def test_report_and_follow_up_without_javascript(browser, live_server, report_keys, tmp_path):
    load_demo_content(publications=False)
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/report/")
    assert page.get_by_label("姓名").is_visible(), "without JavaScript the real-name fields are always there"
    fill_report(page, tmp_path)
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="您的举报已收到").is_visible()
    code = shown_code(page)
    report = Report.objects.get()
    assert report.number in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载查询码（文本文件）").click()
    assert code in Path(download.value.path()).read_text(encoding="utf-8")

    # The confirmation cannot be skipped: the browser itself refuses the unticked box.
    page.get_by_role("button", name="完成").click()
    assert page.get_by_role("heading", name="您的举报已收到").is_visible()
    page.get_by_label("我已抄写或下载保存了查询码。").check()
    page.get_by_role("button", name="完成").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="感谢您的举报").is_visible()
    assert Report.objects.get().code_resend is None

    # Back with the code, typed carelessly: lower case and spaces.
    open_status(page, live_server.url, code.lower().replace("-", " "))
    assert page.get_by_text(DESCRIPTION).is_visible()
    assert page.get_by_text("已登记").first.is_visible()
    page.get_by_label("留言内容").fill("补充：十月八日当天病房里只有两名患者。")
    page.get_by_role("button", name="发送", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("您的留言已发送").is_visible()
    assert page.get_by_text("补充：十月八日当天病房里只有两名患者。").is_visible()
    assert [m.text for m in intake.open_for_staff(report).messages] == ["补充：十月八日当天病房里只有两名患者。"]
    context.close()


def test_report_with_javascript_keeps_the_reporter_from_losing_the_code(
    page, live_server, report_keys, tmp_path, artifacts_dir
):
    load_demo_content(publications=False)
    page.goto(live_server.url + "/report/")
    assert not page.get_by_label("姓名").is_visible(), "hidden until a real-name report is chosen"
    page.get_by_label("实名举报：医保部门可以联系我，并告知我处理决定").check()
    assert page.get_by_label("姓名").is_visible()
    fill_report(page, tmp_path)
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("居民身份证号码").fill("53090219800101030X")
    page.get_by_label("联系电话").fill("13988776655")
    page.screenshot(path=str(artifacts_dir / "report-form.png"), full_page=True)
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_load_state()
    code = shown_code(page)
    page.screenshot(path=str(artifacts_dir / "report-code.png"), full_page=True)

    # Leaving before confirming asks first; dismissing the question keeps the code on screen.
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.type), dialog.dismiss()))
    page.locator("#tracking-code").click()  # a user gesture, which browsers require for the question
    with pytest.raises(Exception):  # noqa: B017 - the navigation is cancelled, by whatever name
        page.goto(live_server.url + "/", timeout=3000)
    assert questions == ["beforeunload"]
    assert page.locator("#tracking-code").inner_text().strip() == code

    page.get_by_label("我已抄写或下载保存了查询码。").check()
    page.get_by_role("button", name="完成").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="感谢您的举报").is_visible()

    # Back in elder mode, on the status page.
    page.goto(live_server.url + "/report/status/")
    page.get_by_role("link", name="长者模式").click()
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    open_status(page, live_server.url, code)
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    assert page.get_by_text("实名举报人：王芳").is_visible()
    page.get_by_label("留言内容").fill("我可以提供住院患者名单。")
    page.get_by_role("button", name="发送", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("我可以提供住院患者名单。").is_visible()
    page.screenshot(path=str(artifacts_dir / "report-status-elder.png"), full_page=True)
