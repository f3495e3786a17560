import pytest

from home.demo_content import load_demo_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _html_font_size(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_home_page_and_elder_mode_round_trip(page, live_server, artifacts_dir):
    load_demo_content()
    page.goto(live_server.url + "/")

    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == "医保基金监管公开与举报平台"
    assert page.get_by_role("link", name="我要举报").first.is_visible()
    normal_size = _html_font_size(page)

    # The first Tab stop is the skip link, and it becomes visible when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)

    page.get_by_role("link", name="长者模式").click()
    page.wait_for_load_state()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    assert _html_font_size(page) > normal_size
    page.screenshot(path=str(artifacts_dir / "home-elder.png"), full_page=True)

    # Remembered across pages.
    page.get_by_role("link", name="举报须知").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/how-to-report/")
    assert "elder" in (page.locator("html").get_attribute("class") or "")

    page.get_by_role("link", name="退出长者模式").click()
    page.wait_for_load_state()
    assert page.url.endswith("/how-to-report/")
    assert "elder" not in (page.locator("html").get_attribute("class") or "")
    assert _html_font_size(page) == normal_size
    page.reload()
    assert page.get_by_role("link", name="长者模式").is_visible()


def test_elder_mode_switch_works_without_javascript(browser, live_server):
    load_demo_content()
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="长者模式").click()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    context.close()
