import re

import pytest

from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_served_in_simplified_chinese(client, demo):
    response = client.get("/")

    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_skip_link_leads_to_main_content(client, demo, parse):
    page = parse(client.get("/"))

    first_link = page.links[0]
    assert first_link["href"] == "#main"
    assert first_link["text"] == "跳到主要内容"
    assert page.find("main", id="main")


def test_page_has_header_nav_and_footer_landmarks(client, demo, parse):
    page = parse(client.get("/"))

    for tag in ("header", "nav", "main", "footer"):
        assert len(page.find(tag)) == 1, tag


def test_bureau_name_and_hotline_come_from_site_settings(client, portal_settings, parse):
    portal_settings.bureau_name = "测试市医疗保障局"
    portal_settings.hotline = "0883-1234567"
    portal_settings.save()

    response = client.get("/")
    html = response.content.decode()
    page = parse(response)

    assert "临沧市医疗保障局" not in html
    assert "12393" not in html
    assert [link["text"] for link in page.links_in("header") if link.get("class") == "site-brand"] == [
        "测试市医疗保障局"
    ]
    assert any(link["href"] == "tel:0883-1234567" for link in page.links_in("header"))
    footer = html[html.index("<footer") : html.index("</footer>")]
    assert "测试市医疗保障局" in footer
    assert "0883-1234567" in footer


@pytest.mark.parametrize(
    ("label", "href"),
    [("我要举报", "/report/"), ("举报查询", "/report/status/")],
)
def test_report_actions_link_to_the_report_pages(client, demo, parse, label, href):
    page = parse(client.get("/"))

    actions = [link for link in page.links_in("main") if link["text"] == label]
    assert [link["href"] for link in actions] == [href]
    assert client.get(href).status_code == 200


@pytest.mark.parametrize("url", ["/report/", "/report/status/"])
def test_report_pages_give_the_hotline_in_chinese(client, portal_settings, url):
    portal_settings.hotline = "0883-7654321"
    portal_settings.save()

    response = client.get(url)
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "拨打举报电话 0883-7654321" in html


def test_empty_listings_say_nothing_is_published_yet(client, demo):
    html = client.get("/").content.decode()

    # Three listings in the demo home page: policies, inspections and cases.
    assert html.count("这里还没有发布内容。") == 3


def test_every_asset_is_served_from_this_site(client, demo, parse):
    response = client.get("/")
    page = parse(response)

    assets = [a["href"] for a in page.find("link")] + [a["src"] for t, a in page.tags if t in ("script", "img")]
    assert assets, "the page should load its stylesheets and script"
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
    other_hosts = {host for host in re.findall(r"https?://([^/\"'\s<>]+)", response.content.decode())}
    assert other_hosts <= {"testserver"}


def test_menu_pages_appear_in_main_navigation(client, demo, parse):
    StandardPageFactory(parent=demo, title="办事指南", slug="guide", show_in_menus=True)
    StandardPageFactory(parent=demo, title="内部草稿", slug="draft", show_in_menus=True, live=False)
    StandardPageFactory(parent=demo, title="不在菜单", slug="hidden", show_in_menus=False)

    nav = {link["text"]: link["href"] for link in parse(client.get("/")).links_in("nav")}

    assert nav["办事指南"] == "/guide/"
    assert nav["举报须知"] == "/how-to-report/"
    assert "内部草稿" not in nav
    assert "不在菜单" not in nav
    assert client.get("/draft/").status_code == 404
