"""Site search (/search/): Chinese words are found inside longer runs, on SQLite and PostgreSQL.

Pages are indexed by Wagtail's post_save signal handler, which runs the indexing task at once
(django_tasks' immediate backend, not on commit), so the index is up to date inside each test's
transaction. The tests below would fail if indexing were skipped: they search for words that only
the split text (search_grams) contains."""

import logging
import random
from datetime import UTC, datetime

import pytest
from wagtail.models import Page, PageViewRestriction, Site

from home.models import HomePage, StandardPage
from tests.conftest import ParsedPage
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db


def _paragraph(html):
    return [("paragraph", html)]


def _search(client, q=None, **params):
    if q is not None:
        params["q"] = q
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def _results(response):
    """(title, href) of each result, in order."""
    html = response.content.decode()
    if 'class="search-results' not in html:
        return []
    section = html[html.index('class="search-results') : html.index("</ol>", html.index('class="search-results'))]
    return [(link["text"], link["href"]) for link in ParsedPage("<ol " + section + "</ol>").links]


def _titles(response):
    return [title for title, _href in _results(response)]


def test_a_word_inside_a_longer_run_of_chinese_is_found(client):
    StandardPageFactory(title="住院管理规定", body=_paragraph("<p>严禁定点医院挂床住院、虚构医疗服务。</p>"))
    StandardPageFactory(title="参保缴费指南", body=_paragraph("<p>城乡居民每年九月至十二月缴费。</p>"))

    assert _titles(_search(client, "挂床")) == ["住院管理规定"]


def test_pieces_of_a_four_character_word_are_found(client):
    StandardPageFactory(title="专项整治通知", body=_paragraph("<p>开展打击<strong>欺诈</strong>骗保专项整治。</p>"))
    StandardPageFactory(title="无关页面", body=_paragraph("<p>保险诈骗另行处理。</p>"))

    assert _titles(_search(client, "骗保")) == ["专项整治通知"]
    assert _titles(_search(client, "欺诈骗保")) == ["专项整治通知"]


def test_every_pair_of_the_query_must_match(client):
    StandardPageFactory(title="挂床检查", body=_paragraph("<p>发现挂床住院三例。</p>"))
    StandardPageFactory(title="床位公示", body=_paragraph("<p>挂床位号。</p>"))

    # 挂床住 needs 挂床 and 床住: the second page has 挂床 only.
    assert _titles(_search(client, "挂床住")) == ["挂床检查"]


def test_words_separated_by_a_space_must_all_match(client):
    StandardPageFactory(title="药店检查", body=_paragraph("<p>定点药店串换药品。</p>"))
    StandardPageFactory(title="医院检查", body=_paragraph("<p>定点医院分解收费。</p>"))

    assert _titles(_search(client, "定点 串换")) == ["药店检查"]


def test_one_character_query_is_found(client):
    StandardPageFactory(title="盗刷通报", body=_paragraph("<p>盗刷医保卡。</p>"))

    assert _titles(_search(client, "刷")) == ["盗刷通报"]


def test_title_and_intro_are_searched(client):
    StandardPageFactory(title="基金监管工作概况", intro="用公开的数字说明查处了多少。")

    assert _titles(_search(client, "监管")) == ["基金监管工作概况"]
    assert _titles(_search(client, "查处")) == ["基金监管工作概况"]


def test_latin_words_and_numbers_are_found(client):
    StandardPageFactory(title="支付方式改革", body=_paragraph("<p>全面推行按DRG付费，举报电话12393。</p>"))
    StandardPageFactory(title="其他页面", body=_paragraph("<p>按项目付费。</p>"))

    assert _titles(_search(client, "drg")) == ["支付方式改革"]
    assert _titles(_search(client, "ＤＲＧ付费")) == ["支付方式改革"]
    assert _titles(_search(client, "12393")) == ["支付方式改革"]


def test_unpublished_pages_are_not_found(client):
    StandardPageFactory(title="草稿页面", body=_paragraph("<p>冒名就医问题通报。</p>"), live=False)
    withdrawn = StandardPageFactory(title="撤回页面", body=_paragraph("<p>冒名就医典型案例。</p>"))
    withdrawn.unpublish()

    assert _titles(_search(client, "冒名就医")) == []


def test_only_the_published_version_is_searched_and_publishing_updates_the_index(client):
    page = StandardPageFactory(title="政策解读", body=_paragraph("<p>门诊共济保障。</p>"))
    page.body = _paragraph("<p>长期护理保险。</p>")
    revision = page.save_revision()

    assert _titles(_search(client, "护理")) == []
    assert _titles(_search(client, "共济")) == ["政策解读"]

    revision.publish()

    assert _titles(_search(client, "护理")) == ["政策解读"]
    assert _titles(_search(client, "共济")) == []


def test_private_pages_are_not_found(client):
    page = StandardPageFactory(title="内部通知", body=_paragraph("<p>倒卖医保药品线索。</p>"))
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret")

    assert _titles(_search(client, "倒卖")) == []


def test_pages_of_another_site_are_not_found(client):
    other_root = Page.get_first_root_node().add_child(instance=StandardPage(title="另一站点", slug="other-site"))
    Site.objects.create(hostname="other.example", root_page=other_root)
    StandardPageFactory(title="另一站点的页面", body=_paragraph("<p>诱导住院。</p>"), parent=other_root)

    assert _titles(_search(client, "诱导")) == []


def test_results_link_to_the_page_and_show_its_type_and_date(client):
    page = StandardPageFactory(title="举报奖励办法", slug="reward", body=_paragraph("<p>举报奖励最高二十万元。</p>"))
    # 2026-11-23 20:00 UTC is 2026-11-24 in Beijing time.
    StandardPage.objects.filter(pk=page.pk).update(first_published_at=datetime(2026, 11, 23, 20, 0, tzinfo=UTC))

    response = _search(client, "奖励")
    html = response.content.decode()

    assert _results(response) == [("举报奖励办法", "/reward/")]
    assert "普通页面" in html
    assert '<time datetime="2026-11-24">2026年11月24日</time>' in html


def test_home_page_is_found_by_its_own_text_but_not_by_listing_headings(client):
    home = Page.get_first_root_node().add_child(instance=HomePage(title="医保基金监管公开与举报平台", slug="portal"))
    Site.objects.filter(is_default_site=True).update(root_page=home)
    home.body = [
        ("notice", {"heading": "春节假期安排", "body": "<p>假期内举报电话照常受理。</p>"}),
        ("latest_pages", {"heading": "独家栏目标题", "kind": "policies", "count": 3}),
    ]
    home.save_revision().publish()

    assert _titles(_search(client, "假期")) == ["医保基金监管公开与举报平台"]
    assert _titles(_search(client, "独家栏目")) == []


def test_pagination_keeps_the_query(client, parse):
    for n in range(12):
        StandardPageFactory(title=f"医保基金通报{n}", body=_paragraph("<p>医保基金监管通报。</p>"))

    first = _search(client, "基金监管")
    assert len(_results(first)) == 10
    assert "找到 12 条与“基金监管”相关的结果" in first.content.decode()
    next_links = [link["href"] for link in parse(first).links_in("main") if link.get("rel") == "next"]
    assert len(next_links) == 1
    assert "q=%E5%9F%BA%E9%87%91%E7%9B%91%E7%AE%A1" in next_links[0]
    assert "page=2" in next_links[0]

    second = client.get("/search/" + next_links[0])
    assert len(_results(second)) == 2
    assert not set(_titles(first)) & set(_titles(second))


@pytest.mark.parametrize("page_number", ["abc", "0", "-1", "999", "1.5", ""])
def test_invalid_page_numbers_show_a_page_of_results(client, page_number):
    StandardPageFactory(title="串换药品通报", body=_paragraph("<p>串换药品。</p>"))

    assert _titles(_search(client, "串换", page=page_number)) == ["串换药品通报"]


def test_search_page_has_title_heading_noindex_and_query_in_the_input(client, parse):
    response = _search(client, "挂床 住院")
    html = response.content.decode()
    page = parse(response)

    assert "<title>搜索 - " in html
    assert [a for a in page.find("meta", name="robots")] == [{"name": "robots", "content": "noindex"}]
    assert "<h1" in html and ">搜索</h1>" in html
    (field,) = page.find("input", id="search-query")
    assert field["name"] == "q"
    assert field["value"] == "挂床 住院"
    assert page.find("label", **{"for": "search-query"})


def test_no_query_shows_a_prompt_and_no_results(client):
    StandardPageFactory(title="挂床检查", body=_paragraph("<p>挂床住院。</p>"))

    for response in (_search(client), _search(client, ""), _search(client, "   ")):
        html = response.content.decode()
        assert 'class="empty-state"' in html
        assert "请输入要查找的内容" in html
        assert _results(response) == []
        assert "没有找到" not in html


def test_no_results_has_its_own_empty_state(client):
    StandardPageFactory(title="挂床检查", body=_paragraph("<p>挂床住院。</p>"))

    html = _search(client, "异地就医").content.decode()

    assert "没有找到与“异地就医”相关的页面" in html
    assert 'class="search-results' not in html


def test_a_query_of_punctuation_only_is_explained(client):
    html = _search(client, "，。？！").content.decode()

    assert "没有可以查找的字词" in html


@pytest.mark.parametrize(
    "query", ['骗"保', "骗保 OR 挂床", "NOT 骗保", "骗保*", "'); DROP TABLE x; --", "\\骗保", "NEAR(骗保)"]
)
def test_query_syntax_characters_are_plain_text(client, query):
    StandardPageFactory(title="骗保案例", body=_paragraph("<p>欺诈骗保，挂床住院。</p>"))

    titles = _titles(_search(client, query))

    assert titles in ([], ["骗保案例"])


def test_long_queries_are_cut_to_100_characters(client, parse):
    StandardPageFactory(title="骗保案例", body=_paragraph("<p>欺诈骗保。</p>"))
    query = "骗保" + "啊" * 200

    response = _search(client, query)

    (field,) = parse(response).find("input", id="search-query")
    assert field["value"] == query[:100]
    assert field["maxlength"] == "100"


def test_search_never_logs_the_query(client, caplog):
    StandardPageFactory(title="骗保案例", body=_paragraph("<p>某某医院欺诈骗保。</p>"))
    caplog.set_level(logging.DEBUG)

    _search(client, "某某医院骗保")
    _search(client, "某某医院骗保", page="abc")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "某某" not in logged
    assert "骗保" not in logged


def test_a_very_long_page_is_indexed(client):
    # 100,000 random characters: more distinct character pairs than PostgreSQL takes in one
    # tsvector (1 MB), so only the start of the page is indexed, and indexing does not fail.
    rng = random.Random(7)  # noqa: S311 (repeatable test text, not a secret)
    text = "".join(chr(0x4E00 + rng.randrange(20_000)) for _ in range(100_000))
    StandardPageFactory(title="超长文件", body=_paragraph(f"<p>挂床住院{text}</p>"))

    assert _titles(_search(client, "挂床住院")) == ["超长文件"]


def test_every_page_has_a_search_form_in_the_header(client):
    StandardPageFactory(slug="about")
    html = client.get("/about/").content.decode()
    page = ParsedPage(html)

    (form,) = page.find("form", role="search")
    assert form["action"] == "/search/"
    assert form.get("method", "get").lower() == "get"
    (field,) = page.find("input", id="site-search-q")
    assert field["name"] == "q"
    assert len(page.find("label", **{"for": "site-search-q"})) == 1
    header = html[html.index("<header") : html.index("</header>")]
    assert 'role="search"' in header
    assert "搜索本站" in header
