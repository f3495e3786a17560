import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from home.demo_content import load_demo_content
from home.models import PortalSettings, StandardPage

pytestmark = pytest.mark.django_db


def test_loading_twice_adds_nothing_the_second_time():
    first = load_demo_content()
    pages = Page.objects.count()

    assert first
    assert load_demo_content() == []
    assert Page.objects.count() == pages


def test_command_lists_what_it_added_then_nothing(capsys):
    call_command("load_demo_content")
    first = capsys.readouterr().out
    call_command("load_demo_content")
    second = capsys.readouterr().out

    assert "+ page: 关于我们" in first
    assert "+ " not in second
    assert "演示内容已经齐全" in second


def test_editors_bureau_name_survives_a_reload(client):
    load_demo_content()
    site = Site.objects.get(is_default_site=True)
    edited = PortalSettings.for_site(site)
    edited.bureau_name = "某某市医疗保障局"
    edited.save()

    load_demo_content()

    assert PortalSettings.for_site(site).bureau_name == "某某市医疗保障局"
    assert "某某市医疗保障局" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("title", "url"),
    [("举报须知", "/how-to-report/"), ("基金监管工作概况", "/supervision-overview/"), ("关于我们", "/about/")],
)
def test_demo_pages_are_published(client, demo, title, url):
    page = StandardPage.objects.get(title=title)
    response = client.get(url)

    assert page.live
    assert response.status_code == 200
    assert f'<h1 class="page-title">{title}</h1>' in response.content.decode()


def test_home_page_shows_the_seed_figures(client, demo):
    html = client.get("/").content.decode()

    assert "<dd>3,746 家</dd>" in html
    assert "<dt>追回医保基金</dt>" in html
    assert "<dd>3,190 万元以上</dd>" in html


def test_fractional_figures_keep_their_fen(client, demo):
    html = client.get("/supervision-overview/").content.decode()

    assert "<dd>60.25 万元</dd>" in html
    assert "<dd>5,156.26 万元</dd>" in html
