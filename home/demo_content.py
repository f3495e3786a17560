"""Demo content for the embedded set-up. Facts and figures come from the bureau documents in
shared/seeds (bureau name, violation categories, inspection figures); every sentence is ours.
Loading is additive: each piece is loaded once (DemoContentRecord remembers it), so a reload adds
only new pieces and never undoes an editor's change or deletion."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from wagtail.models import Site

from disclosures.demo import ensure_vocabularies

from .models import DemoContentRecord, HomePage, PortalSettings, StandardPage
from .site_setup import ensure_home_page

BUREAU_NAME = "临沧市医疗保障局"
SITE_TITLE = "医保基金监管公开与举报平台"

SETTINGS = {
    "bureau_name": BUREAU_NAME,
    "hotline": "12393",
    "office_hours": "工作日 9:00—12:00、14:30—17:30",
    "footer_note": "本站为演示站点，页面内容为根据公开资料编写的示例。",
}

# Violation categories named in the seeds (Jilin 2020 special rectification plan and others).
VIOLATION_CATEGORIES = [
    "分解收费",
    "超标准收费",
    "重复收费",
    "串换药品、耗材或诊疗项目",
    "挂床住院",
    "诱导住院",
    "虚构医疗服务",
    "伪造医疗文书或票据",
    "盗刷医保卡、医保码",
    "冒名就医",
    "倒卖医保药品",
    "内外勾结骗取医保基金",
]


def _rich_list(items):
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


HOME_BODY = [
    (
        "report_actions",
        {
            "heading": "举报欺诈骗保",
            "text": "发现医院、药店或个人骗取医保基金，可以实名举报，也可以匿名举报。"
            "我们对举报人和举报内容严格保密；线索查实后按规定给予奖励，每起案件最高二十万元。",
        },
    ),
    ("latest_pages", {"heading": "政策文件", "kind": "policies", "count": 5}),
    ("latest_pages", {"heading": "双随机抽查结果", "kind": "inspections", "count": 5}),
    ("latest_pages", {"heading": "典型案例曝光", "kind": "cases", "count": 5}),
    ("fund_summary", {"heading": "基金收支情况"}),
    (
        "key_figures",
        {
            "heading": "基金监管成效一览",
            "source": "某市医保部门公开的年度基金监管工作方案中列出的上年度检查结果",
            "figures": [
                {"label": "检查定点医药机构", "value": Decimal("3746"), "unit": "家"},
                {"label": "处理违规机构", "value": Decimal("1600"), "unit": "家"},
                {"label": "暂停医保协议", "value": Decimal("8"), "unit": "家"},
                {"label": "解除医保协议", "value": Decimal("2"), "unit": "家"},
                {"label": "追回医保基金", "value": Decimal("3190"), "unit": "万元以上"},
            ],
        },
    ),
]


@dataclass(frozen=True)
class DemoPage:
    slug: str
    title: str
    intro: str
    body: list
    show_in_menus: bool = True


PAGES = [
    DemoPage(
        slug="how-to-report",
        title="举报须知",
        intro="哪些行为可以举报、怎样举报、举报人享有哪些保障，这里一次说清楚。",
        body=[
            ("heading", "可以举报哪些行为"),
            (
                "paragraph",
                "<p>凡是违法违规使用医疗保障基金的行为都可以举报，被举报的可以是定点医疗机构、定点零售药店、"
                "医保经办机构，也可以是参保人员。常见的有：</p>" + _rich_list(VIOLATION_CATEGORIES),
            ),
            ("heading", "怎样举报"),
            (
                "paragraph",
                "<p>您可以拨打全国统一的医保举报电话 12393，也可以来信、来访。举报时请写明被举报的单位或个人，"
                "并尽量提供具体的事实、时间和线索；有票据、病历、照片等材料的，一并提供更有助于核查。</p>",
            ),
            ("heading", "保密与奖励"),
            (
                "paragraph",
                "<p>举报人的身份和举报内容均严格保密，匿名举报同样受理。实名举报的，我们会在作出是否立案的决定后"
                "告知您结果。经查实的举报，按所在地的奖励办法计发一次性奖励：按查实的案值比例计算，"
                "每起案件不低于二百元、不超过二十万元；同一事实由多人举报的，奖励最先举报的人。</p>",
            ),
        ],
    ),
    DemoPage(
        slug="supervision-overview",
        title="基金监管工作概况",
        intro="用公开的数字说明医保基金监管做了什么、查处了多少。",
        body=[
            ("heading", "检查全覆盖"),
            (
                "paragraph",
                "<p>医保部门对定点医药机构开展日常检查、专项治理和“双随机、一公开”抽查，每年随机抽查的比例不低于"
                "定点机构总数的百分之五，抽查结果全部向社会公开。</p>",
            ),
            (
                "key_figures",
                {
                    "heading": "某区一年的专项治理",
                    "source": "某区医保局打击欺诈骗保年度工作总结",
                    "figures": [
                        {"label": "检查定点医药机构", "value": Decimal("143"), "unit": "家"},
                        {"label": "处理违规机构", "value": Decimal("39"), "unit": "家"},
                        {"label": "追回医保基金", "value": Decimal("60.25"), "unit": "万元"},
                    ],
                },
            ),
            (
                "key_figures",
                {
                    "heading": "某直辖市医保监督所多年执法累计",
                    "source": "该市医保监督所负责人接受采访时介绍的数据",
                    "figures": [
                        {"label": "查处定点医药机构", "value": Decimal("502"), "unit": "家"},
                        {"label": "追回医保基金", "value": Decimal("5156.26"), "unit": "万元"},
                        {"label": "罚款", "value": Decimal("3030.59"), "unit": "万元"},
                        {"label": "移送公安机关的案件", "value": Decimal("5"), "unit": "起"},
                    ],
                },
            ),
        ],
    ),
    DemoPage(
        slug="about",
        title="关于我们",
        intro=f"{BUREAU_NAME}负责本市医疗保障基金的监督管理。",
        body=[
            (
                "paragraph",
                "<p>我们的职责包括：管理定点医药机构的服务协议，监督医保基金的使用，受理和查处欺诈骗保举报，"
                "依法公开抽查结果、典型案例和基金收支情况。对违反协议的机构，可以采取约谈、限期整改、暂停拨付、"
                "拒付费用、暂停或解除协议等措施，并追回违规支付的费用。</p>",
            ),
        ],
    ),
]


@transaction.atomic
def load_demo_content(publications: bool = True) -> list[str]:
    """Load the demo pieces not loaded before; return a line per piece, for the command to print.
    `publications=False` leaves out the disclosures (policies, cases, inspections, funds)."""
    loaded = set(DemoContentRecord.objects.values_list("key", flat=True))
    created: list[str] = []

    def first_time(key: str) -> bool:
        if key in loaded:
            return False
        DemoContentRecord.objects.create(key=key)
        return True

    home = ensure_home_page(SITE_TITLE)
    ensure_vocabularies()  # the report form needs them, publications or not
    if first_time("home-body"):
        home.title = SITE_TITLE
        home.intro = "公开医保基金监管信息，受理欺诈骗保举报。"
        home.body = HOME_BODY
        home.save_revision().publish()
        created.append(f"home page: {home.title}")

    site = Site.objects.get(is_default_site=True)
    if first_time("site-settings"):
        portal_settings = PortalSettings.for_site(site)
        for field, value in SETTINGS.items():
            setattr(portal_settings, field, value)
        portal_settings.save()
        if not site.site_name:
            site.site_name = SITE_TITLE
            site.save()
        created.append(f"site settings: {', '.join(SETTINGS)}")

    home = HomePage.objects.get(pk=home.pk)
    for spec in PAGES:
        if not first_time(f"page:{spec.slug}") or home.get_children().filter(slug=spec.slug).exists():
            continue
        page = StandardPage(
            title=spec.title, slug=spec.slug, intro=spec.intro, body=spec.body, show_in_menus=spec.show_in_menus
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        created.append(f"page: {spec.title}")

    if publications:
        from disclosures import demo as disclosures_demo

        created += disclosures_demo.load(home, first_time)
    return created
