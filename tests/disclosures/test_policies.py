import datetime

import pytest

from .factories import PolicyFactory, PolicyIndexFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(demo):
    return PolicyIndexFactory(parent=demo)


def test_policy_page_shows_its_document_details(client, index):
    policy = PolicyFactory(
        parent=index,
        title="关于印发医保基金监管责任清单的通知",
        document_number="临政办发〔2024〕2号",
        index_number="LC-2024-00002",
        date_issued=datetime.date(2024, 2, 6),
        date_written=datetime.date(2024, 1, 17),
        body=[("heading", "各方责任"), ("paragraph", "<p>县区政府承担属地监管责任。</p>")],
    )
    html = client.get(policy.url).content.decode()

    assert "临政办发〔2024〕2号" in html
    assert "LC-2024-00002" in html
    assert "2024年2月6日" in html and "2024年1月17日" in html
    assert "<h2>各方责任</h2>" in html
    assert "县区政府承担属地监管责任。" in html
    assert "不再有效" not in html


def test_repealed_policy_warns_the_reader(client, index):
    policy = PolicyFactory(parent=index, validity="repealed")
    assert "alert-warning" in client.get(policy.url).content.decode()


def test_related_policy_links_only_when_live(client, index):
    live = PolicyFactory(parent=index, title="现行办法")
    draft = PolicyFactory(parent=index, title="草稿办法", live=False)
    page = PolicyFactory(parent=index)
    page.related_policies.create(policy=live)
    page.related_policies.create(policy=draft)
    page.save_revision().publish()

    html = client.get(page.url).content.decode()
    assert f'href="{live.url}"' in html
    assert "草稿办法" not in html


def test_index_lists_newest_first_with_count(client, index):
    PolicyFactory(parent=index, title="旧文件", date_issued=datetime.date(2020, 1, 1))
    PolicyFactory(parent=index, title="新文件", date_issued=datetime.date(2025, 1, 1))
    PolicyFactory(parent=index, title="未发布文件", live=False)

    html = client.get(index.url).content.decode()
    assert html.index("新文件") < html.index("旧文件")
    assert "未发布文件" not in html
    assert 'role="status">共 2 条' in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("year=2020", "旧文件", "新文件"),
        ("validity=repealed", "旧文件", "新文件"),
        ("topic=benefits", "新文件", "旧文件"),
        ("region=全国", "新文件", "旧文件"),
    ],
)
def test_index_filters(client, index, query, shown, hidden):
    PolicyFactory(parent=index, title="旧文件", date_issued=datetime.date(2020, 1, 1), validity="repealed")
    PolicyFactory(parent=index, title="新文件", topic="benefits", region="全国")

    response = client.get(f"{index.url}?{query}")
    html = response.content.decode()
    assert shown in html and hidden not in html
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_invalid_filter_value_is_ignored_with_a_message(client, index):
    PolicyFactory(parent=index, title="新文件")
    response = client.get(f"{index.url}?validity=bogus&year=abc")

    assert response.status_code == 200
    html = response.content.decode()
    assert "新文件" in html
    assert "is-invalid" in html


def test_empty_index_and_empty_filter_result(client, index):
    assert "这里还没有发布内容。" in client.get(index.url).content.decode()
    PolicyFactory(parent=index, validity="valid")
    assert "没有符合筛选条件的内容。" in client.get(f"{index.url}?validity=expired").content.decode()


def test_pagination_keeps_filters(client, index):
    for n in range(25):
        PolicyFactory(parent=index, title=f"文件{n:02d}", topic="benefits")
    html = client.get(f"{index.url}?topic=benefits").content.decode()

    assert "?topic=benefits&amp;page=2" in html
    second = client.get(f"{index.url}?topic=benefits&page=2").content.decode()
    assert second.count('class="listing-item"') == 5
    assert "共 25 条" in second
