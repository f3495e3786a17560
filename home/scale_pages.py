"""Scale data, pages: thousands of published disclosure pages for benchmarks (``manage.py
generate_scale_data``). Fake content, written for load and search tests only.

What is made, under the existing index pages (created by the demo loader when missing):

- policies (``PolicyPage``), exposed cases (``CasePage``, with categories and measures from the
  editable vocabularies), random-inspection plans (``InspectionPlanPage``, each with 3–10
  ``InspectionResult`` rows about institutions of the directory) and fund disclosure periods
  (``FundDisclosurePage`` with its ``FundRow`` rows), in the proportions of ``KIND_SHARES``;
- the inspection directories the plans draw on: institutions with valid unified social credit
  codes, inspectors and inspection items, in proportion to the number of pages.

Titles and text are Chinese, built from vocabularies (violation terms, the regions of
``reports/regions.py``, years 2019 to the day before the run), so that search has something to
find. Every page is live and public, dated by what it publishes (issued, decided, inspected,
period end) and indexed for the site search.

Speed: treebeard's ``add_child`` locks, reads and updates the parent for every page, and a
revision and its publication double that again. Here each batch is inserted in one transaction:

1. the ``wagtailcore_page`` rows with ``bulk_create``, their materialised paths computed here:
   the parent's path plus a 4-character step in base 36 (treebeard's ``steplen`` and
   ``alphabet``), continuing after the parent's last child;
2. the rows of the concrete page model. Django's ``bulk_create`` refuses a multi-table inherited
   model, so its own table is written with the same low-level insert ``bulk_create`` uses
   (``QuerySet._insert``), each row pointing at its page through ``page_ptr_id``;
3. many-to-many rows, inline rows (results, fund rows) and their many-to-many rows;
4. the parent's ``numchild``;
5. the search index entries, through the backend's ``add_bulk`` (what saving a page does through
   a signal, and what ``update_index`` does in bulk), with what ``search_source()`` reads
   prefetched.

Kept consistent, so that ``Page.find_problems()`` finds nothing and Wagtail serves the pages:
path, depth, numchild, url_path (parent's + slug + ``/``; slugs unique among siblings), content
type, the parent's locale, a fresh translation key, ``draft_title`` = ``title``, live, not
expired, no unpublished changes, first and last published at the publication's own date.

Not made: revisions (the admin edits a page without one as stored), log entries and the reference
index (``manage.py rebuild_references_index`` fills it). Runs again without clashing: slugs,
credit codes, certificate numbers and item codes already taken are skipped. The same seed on the
same database state and day gives the same pages (translation keys excepted: they are random).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.db.models import F
from wagtail.models import Page
from wagtail.search.backends import get_search_backends

from disclosures.models import (
    CaseIndexPage,
    CasePage,
    FundDisclosureIndexPage,
    FundDisclosurePage,
    FundRow,
    InspectedInstitution,
    InspectionIndexPage,
    InspectionItem,
    InspectionPlanPage,
    InspectionResult,
    Inspector,
    Measure,
    PolicyIndexPage,
    PolicyPage,
    ViolationCategory,
)
from disclosures.models.funds import period_end
from disclosures.uscc import ALPHABET as USCC_ALPHABET
from disclosures.uscc import check_character
from reports.regions import region_names

CHINA = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2019

#: Share of each kind among the generated pages: many cases and policies, fewer plans and periods.
KIND_SHARES = (("policies", 0.25), ("cases", 0.40), ("inspections", 0.15), ("funds", 0.20))
INDEX_MODELS = {
    "policies": PolicyIndexPage,
    "cases": CaseIndexPage,
    "inspections": InspectionIndexPage,
    "funds": FundDisclosureIndexPage,
}

#: Directory sizes, in proportion to the number of pages, within bounds.
INSTITUTIONS_PER_PAGE, MAX_INSTITUTIONS, MIN_INSTITUTIONS = 0.5, 5_000, 20
INSPECTORS_PER_PAGE, MAX_INSPECTORS, MIN_INSPECTORS = 0.05, 1_000, 6
ITEMS_PER_PAGE, MAX_ITEMS, MIN_ITEMS = 0.002, 40, 6

ProgressCallback = Callable[[str, int, int], None]


class ScaleDataError(Exception):
    """The page tree is not ready for generated pages (an index page is missing)."""


# --- vocabularies ------------------------------------------------------------------------------

CITY = "临沧市"
SOURCES = ["飞行检查", "日常稽核", "智能监控系统筛查", "群众举报线索核查", "“双随机、一公开”抽查", "专项治理检查"]
LEGAL_BASES = [
    "《医疗保障基金使用监督管理条例》第三十八条",
    "《医疗保障基金使用监督管理条例》第四十条",
    "《医疗保障基金使用监督管理条例》第三十八条、第四十条",
    "《医疗保障基金使用监督管理条例》第四十一条",
    "《中华人民共和国社会保险法》第八十七条",
    "《医疗保障基金使用监督管理条例》第三十八条；《医疗保障行政处罚程序暂行规定》",
]
HOSPITAL_KINDS = ["民营医院", "中医医院", "人民医院", "骨科医院", "妇幼保健院", "中心卫生院", "社区卫生服务中心"]
HOSPITAL_KINDS += ["诊所", "口腔医院", "康复医院", "眼科医院", "肛肠医院"]
PHARMACY_KINDS = ["大药房", "医药连锁门店", "便民药店", "中西药店", "平价药房"]
GOOD_NAMES = ["康宁", "仁和", "博爱", "济民", "安康", "益民", "德仁", "华康", "同心", "惠民", "福寿", "永安"]
GOOD_NAMES += ["顺康", "健民", "长春", "百草", "普济", "怡康", "瑞和", "祥和"]
TOWNS = ["城关镇", "东城街道", "西城街道", "南郊", "北郊", "河西", "河东", "江边", "坝区", "太平镇", "永和镇"]
TOWNS += ["和平镇", "团结乡", "新华镇", "民族街", "胜利路", "红旗路", "中和镇", "平安镇", "大寨乡"]
SURNAMES = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何"]
SURNAMES += ["罗", "高", "林", "段", "杞", "鲁", "字", "俸"]
GIVEN_NAMES = ["建华", "志强", "秀英", "丽华", "国平", "文杰", "海燕", "明亮", "晓东", "红梅", "永春", "玉兰"]
GIVEN_NAMES += ["家顺", "云飞", "开林", "正荣", "春艳", "德明", "金凤", "宏伟", "学军", "绍华"]
POLICY_WORK = ["专项整治工作", "飞行检查工作", "日常监督检查工作", "违法违规使用问题自查自纠工作"]
POLICY_WORK += ["“双随机、一公开”监督检查工作", "医保基金使用常态化监管工作", "打击欺诈骗保集中宣传月活动"]
POLICY_STRENGTHEN = ["定点医药机构协议管理", "医保基金使用常态化监管", "医保基金智能监控", "医保信用体系建设"]
POLICY_STRENGTHEN += ["医保药品追溯码应用", "医保支付方式改革监管", "门诊共济保障监管", "长期护理保险基金监管"]
POLICY_RULES = ["欺诈骗取医疗保障基金行为举报奖励实施细则", "定点医药机构违规行为处理办法"]
POLICY_RULES += ["医疗保障基金监督检查规程", "医保基金使用信息公开办法", "定点医药机构信用评价管理办法"]
POLICY_RULES += ["医疗保障行政执法事项清单", "医保基金社会监督员管理办法"]
POLICY_ASPECTS = ["监管职责", "检查程序", "举报受理", "信息公开", "协议管理", "信用评价", "行政处罚", "奖励标准"]
POLICY_ASPECTS += ["智能监控规则", "结算审核", "追回和退回", "部门协同"]
PLAN_UNITS = ["医疗保障局", "医疗保障基金监管事务中心", "卫生健康局", "市场监督管理局"]
ITEM_NAMES = [
    ("医保基金使用情况", "现场检查、查阅票据和结算数据"),
    ("医疗服务收费行为", "核对收费清单与医嘱"),
    ("药品和医用耗材进销存", "核对进销存台账与结算记录"),
    ("住院病历与床位管理", "抽查在院病人和住院病历"),
    ("医保目录外项目串换", "比对诊疗项目与结算编码"),
    ("医保卡（码）使用与管理", "核对刷卡记录与实际购药"),
    ("检查检验项目收费", "核对检查报告与收费记录"),
    ("医用耗材使用与收费", "核对耗材条码与手术记录"),
    ("门诊慢特病待遇审核", "抽查门诊慢特病病历"),
    ("医保协议执行情况", "对照协议条款逐项检查"),
    ("医保信息系统与数据上传", "核对医保接口数据"),
    ("内部医保管理制度", "查阅制度文件和培训记录"),
    ("中药饮片与配方颗粒收费", "核对处方与结算记录"),
    ("康复理疗项目收费", "核对治疗记录与收费"),
    ("血液透析项目收费", "核对透析记录与结算"),
    ("医保药品追溯码上传", "比对追溯码与销售记录"),
]
FOLLOW_UPS = ["已整改", "已整改，违规费用已追回", "整改中", "已移交稽核部门跟踪", "已约谈并完成整改"]
FUND_SHARES = {
    # fund type: (chance of being published, income per quarter in units of 10,000 yuan, low–high)
    "employee": (1.0, (1_500, 9_000)),
    "resident": (1.0, (2_500, 12_000)),
    "maternity": (0.6, (80, 600)),
    "assistance": (0.5, (150, 900)),
    "critical_illness": (0.4, (200, 1_200)),
    "long_term_care": (0.15, (100, 500)),
}
FUND_NAMES = {
    "employee": "职工基本医疗保险基金",
    "resident": "城乡居民基本医疗保险基金",
    "maternity": "生育保险基金",
    "assistance": "医疗救助基金",
    "critical_illness": "城乡居民大病保险资金",
    "long_term_care": "长期护理保险基金",
}
PERIOD_SPECS = [("month", n) for n in range(1, 13)] + [("quarter", n) for n in range(1, 5)]
PERIOD_SPECS += [("half", 1), ("half", 2), ("year", None)]


# --- what the run made -------------------------------------------------------------------------


@dataclass
class PageCounts:
    policies: int = 0
    cases: int = 0
    inspections: int = 0
    inspection_results: int = 0
    funds: int = 0
    fund_rows: int = 0
    institutions: int = 0
    inspectors: int = 0
    inspection_items: int = 0

    @property
    def pages(self) -> int:
        return self.policies + self.cases + self.inspections + self.funds

    def as_dict(self) -> dict[str, int]:
        return {
            "pages": self.pages,
            "policies": self.policies,
            "cases": self.cases,
            "inspection_plans": self.inspections,
            "inspection_results": self.inspection_results,
            "fund_periods": self.funds,
            "fund_rows": self.fund_rows,
            "institutions": self.institutions,
            "inspectors": self.inspectors,
            "inspection_items": self.inspection_items,
        }


def split_pages(total: int) -> dict[str, int]:
    """``total`` spread over the kinds by ``KIND_SHARES`` (largest remainders), summing to ``total``."""
    exact = {kind: total * share for kind, share in KIND_SHARES}
    counts = {kind: int(value) for kind, value in exact.items()}
    left = total - sum(counts.values())
    for kind in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:left]:
        counts[kind] += 1
    return counts


def directory_sizes(total: int) -> dict[str, int]:
    if total <= 0:
        return {"institutions": 0, "inspectors": 0, "items": 0}

    def bounded(per_page, low, high):
        return max(low, min(high, round(total * per_page)))

    return {
        "institutions": bounded(INSTITUTIONS_PER_PAGE, MIN_INSTITUTIONS, MAX_INSTITUTIONS),
        "inspectors": bounded(INSPECTORS_PER_PAGE, MIN_INSPECTORS, MAX_INSPECTORS),
        "items": bounded(ITEMS_PER_PAGE, MIN_ITEMS, MAX_ITEMS),
    }


# --- small helpers -----------------------------------------------------------------------------


def _regions() -> list[str]:
    """The bureau's areas (no "don't know"): publications are about a real place."""
    return [name for name in region_names() if name != "不清楚"] or [CITY]


def _bureau(region: str) -> str:
    return f"{CITY}医疗保障局" if region in ("市本级", CITY) else f"{region}医疗保障局"


def _place(region: str) -> str:
    return CITY if region == "市本级" else region


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randint(start.toordinal(), max(start.toordinal(), end.toordinal())))


def _moment(rng: random.Random, day: date) -> datetime:
    """A time in office hours of ``day``, Beijing time."""
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)), tzinfo=CHINA)


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    """An amount spread log-uniformly between low and high, to the fen."""
    value = low * (high / low) ** rng.random()
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _sample(rng: random.Random, items: list, low: int, high: int) -> list:
    return rng.sample(items, min(len(items), rng.randint(low, high)))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _joined(names) -> str:
    return "、".join(names)


# --- page specifications -----------------------------------------------------------------------


@dataclass
class PageSpec:
    """One page to insert: its Page fields, its own fields and what hangs off it."""

    slug_stem: str
    title: str
    published: datetime
    fields: dict
    categories: list[int] = field(default_factory=list)
    measures: list[int] = field(default_factory=list)
    #: Inline rows: (field values, measure ids).
    children: list[tuple[dict, list[int]]] = field(default_factory=list)


@dataclass
class Vocabulary:
    categories: list[tuple[int, str]]
    measures: list[tuple[int, str, str]]
    regions: list[str]
    items: list[str]
    #: region -> active institutions as (credit code, name, type), and all of them.
    institutions_by_region: dict[str, list[tuple[str, str, str]]]
    institutions: list[tuple[str, str, str, str]]

    def measure_ids(self, *slugs) -> list[int]:
        return [pk for pk, slug, _name in self.measures if slug in slugs]


def _policy_spec(rng: random.Random, vocab: Vocabulary, until: date, serial: int) -> PageSpec:
    issued = _random_day(rng, date(FIRST_YEAR, 1, 1), until)
    year = issued.year
    level = rng.random()
    if level < 0.15:
        issuer, region, prefix = "国家医疗保障局", "全国", "医保发"
    elif level < 0.35:
        issuer, region, prefix = "云南省医疗保障局", "云南省", "云医保发"
    else:
        region = rng.choice(vocab.regions)
        issuer, region = _bureau(region), _place(region)
        prefix = "临医保发" if region == CITY else f"{region[:2]}医保发"
    if rng.random() < 0.2:
        issuer = f"{issuer} {issuer.replace('医疗保障局', '财政局')}"
    category = rng.choice(vocab.categories)[1]
    place = "" if region == "全国" else region
    title = rng.choice(
        [
            f"关于开展{year}年医疗保障基金{rng.choice(POLICY_WORK)}的通知",
            f"关于进一步加强{rng.choice(POLICY_STRENGTHEN)}的实施意见",
            f"关于印发《{place}{rng.choice(POLICY_RULES)}》的通知",
            f"关于严厉打击{category}等欺诈骗保行为的通告",
            f"{place}{year}年医疗保障基金监管工作要点",
            f"关于公布{year}年度{place}定点医药机构医保信用评价结果的公告",
        ]
    )
    aspects = _sample(rng, POLICY_ASPECTS, 2, 4)
    effective = issued + timedelta(days=rng.choice([0, 15, 30, 60]))
    summary = f"明确了{_joined(aspects)}等方面的要求，自{effective.year}年{effective.month}月{effective.day}日起施行。"
    categories = [name for _pk, name in _sample(rng, vocab.categories, 2, 4)]
    body = [
        ("heading", "主要内容"),
        (
            "paragraph",
            f"<p>为加强医疗保障基金监督管理，{issuer.split()[0]}依据《医疗保障基金使用监督管理条例》，"
            f"就{_joined(aspects)}作出规定。</p>",
        ),
        (
            "paragraph",
            f"<p>重点查处{_joined(categories)}等违法违规行为；对查实的问题，依法追回医保基金，"
            "并按协议采取约谈、暂停拨付、解除协议等措施。</p>",
        ),
    ]
    if rng.random() < 0.5:
        body += [
            ("heading", "工作要求"),
            (
                "paragraph",
                f"<p>各{rng.choice(['县（区）医疗保障局', '定点医药机构', '经办机构'])}要按要求落实，"
                f"于{year}年{rng.randint(1, 12)}月底前报送工作情况。</p>",
            ),
        ]
    old = issued.year < until.year - 3 and rng.random() < 0.3
    validity = rng.choice(["expired", "repealed"]) if old else "valid"
    published = _moment(rng, min(issued + timedelta(days=rng.randint(0, 10)), until))
    fields = {
        "document_number": f"{prefix}〔{year}〕{rng.randint(1, 120)}号",
        "issuing_body": issuer[:100],
        "region": region,
        "date_issued": issued,
        "date_written": issued - timedelta(days=rng.randint(1, 20)),
        "index_number": f"{rng.randint(10**8, 10**9 - 1)}/{year}-{serial:05d}",
        "topic": rng.choice(["supervision", "supervision", "benefits", "medicines", "agency", "general"]),
        "validity": validity,
        "summary": summary[:300],
        "body": body,
    }
    return PageSpec(f"policy-{issued:%Y%m%d}", title[:255], published, fields)


def _case_spec(rng: random.Random, vocab: Vocabulary, until: date) -> PageSpec:
    decided = _random_day(rng, date(FIRST_YEAR, 1, 1), until)
    region = rng.choice(vocab.regions)
    roll = rng.random()
    if roll < 0.55:
        kind, name = "hospital", f"{region}某{rng.choice(HOSPITAL_KINDS)}"
    elif roll < 0.8:
        kind, name = "pharmacy", f"{region}某{rng.choice(PHARMACY_KINDS)}"
    elif roll < 0.92:
        kind, name = "individual", f"{rng.choice(SURNAMES)}某某"
    else:
        kind, name = rng.choice([("agency", f"{region}某医保服务站"), ("employer", f"{region}某有限公司")])
    categories = _sample(rng, [c for c in vocab.categories if c[1] != "其他"] or vocab.categories, 1, 3)
    cat_names = [name for _pk, name in categories]
    start = decided - timedelta(days=rng.randint(120, 900))
    end = start + timedelta(days=rng.randint(30, max(31, (decided - start).days - 30)))
    period = f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    involved = _money(rng, 2_000, 3_000_000)
    recovered = involved if rng.random() < 0.8 else (involved * Decimal(rng.uniform(0.3, 1))).quantize(Decimal("0.01"))
    fine = (recovered * rng.choice([1, 1, 2, 3, 5])).quantize(Decimal("0.01")) if rng.random() < 0.6 else None
    penalty = (recovered * Decimal("0.1")).quantize(Decimal("0.01")) if rng.random() < 0.2 else None
    measure_slugs = {"recovery"} | set(
        rng.sample(["interview", "rectification", "suspend-payment", "refuse-payment", "suspend-agreement"], 2)
    )
    if fine is not None:
        measure_slugs.add("fine")
    if involved > 500_000 and rng.random() < 0.5:
        measure_slugs.add(rng.choice(["terminate-agreement", "refer-police", "refer-discipline"]))
    measures = [(pk, measure_name) for pk, slug, measure_name in vocab.measures if slug in measure_slugs]
    subject = f"参保人{name}" if kind == "individual" else name
    title = f"{subject}{_joined(cat_names)}骗取医保基金案"
    source = rng.choice(SOURCES)
    bureau = _bureau(region)
    facts = (
        f"<p>{source}发现，{subject}在{period}期间存在{_joined(cat_names)}等问题。"
        f"经调查核实，涉及医保基金{involved}元。</p>"
        f"<p>{bureau}依据有关规定，对其作出{_joined(n for _pk, n in measures)}的处理，"
        f"已追回医保基金{recovered}元。</p>"
    )
    summary = f"{subject}{_joined(cat_names)}，涉及医保基金{involved}元，已依法处理。"
    fields = {
        "institution_name": name[:100],
        "institution_type": kind,
        "region": region,
        "conduct_period": period,
        "summary": summary[:300],
        "facts": facts,
        "amount_involved": involved,
        "amount_recovered": recovered,
        "fine": fine,
        "penalty": penalty,
        "decision_date": decided,
        "legal_basis": rng.choice(LEGAL_BASES),
    }
    published = _moment(rng, min(decided + timedelta(days=rng.randint(3, 40)), until))
    return PageSpec(
        f"case-{decided:%Y%m%d}",
        title[:255],
        published,
        fields,
        categories=[pk for pk, _name in categories],
        measures=[pk for pk, _name in measures],
    )


def _plan_spec(rng: random.Random, vocab: Vocabulary, until: date) -> PageSpec:
    """A plan without its batch number and title: ``_number_batches`` gives them once every plan
    of the run is known, in the order of the inspection periods."""
    start = _random_day(rng, date(FIRST_YEAR, 3, 1), until - timedelta(days=1))
    end = min(start + timedelta(days=rng.randint(20, 90)), until)
    region = rng.choice(vocab.regions)
    place = _place(region)
    items = _sample(rng, vocab.items, 3, 5)
    pool = vocab.institutions_by_region.get(region) or []
    wanted = rng.randint(3, 10)
    if len(pool) < wanted:  # a small directory: fill up from the whole city
        pool = pool + [row[:3] for row in vocab.institutions if row[3] != region]
    drawn = rng.sample(pool, min(len(pool), wanted))
    share = Decimal(rng.choice(["5.00", "6.00", "8.00", "10.00", "12.50", "15.00", "20.00"]))
    results = []
    for code, name, kind in drawn:
        day = _random_day(rng, start, end)
        problem = rng.random() < 0.4
        checked = _sample(rng, items, 1, len(items))
        if problem:
            categories = [n for _pk, n in _sample(rng, vocab.categories, 1, 2)]
            recovered = _money(rng, 500, 200_000)
            fine = (recovered * rng.choice([1, 2])).quantize(Decimal("0.01")) if rng.random() < 0.3 else None
            findings = f"抽查发现{_joined(categories)}问题{rng.randint(1, 30)}例，涉及医保基金{recovered}元。"
            measure_ids = vocab.measure_ids("recovery", rng.choice(["interview", "rectification", "refuse-payment"]))
            if fine is not None:
                measure_ids += vocab.measure_ids("fine")
            follow_up = rng.choice(FOLLOW_UPS)
        else:
            recovered = fine = None
            findings, measure_ids, follow_up = "", [], ""
        row = {
            "institution_code": code,
            "institution_name": name[:100],
            "institution_type": kind,
            "region": region,
            "inspection_date": day,
            "items_checked": "\n".join(checked),
            "outcome": "problem" if problem else "no_problem",
            "findings": findings,
            "handling": "责令限期整改" if problem and rng.random() < 0.3 else "",
            "amount_recovered": recovered,
            "fine": fine,
            "follow_up": follow_up,
        }
        results.append((row, sorted(set(measure_ids))))
    units = [_bureau(region)] + [f"{place}{unit}" for unit in rng.sample(PLAN_UNITS[1:], rng.randint(0, 2))]
    fields = {
        "year": start.year,
        "batch": 0,
        "inspection_items": "\n".join(items),
        "scope": f"{place}辖区内定点医疗机构和定点零售药店",
        "sampling_share": share,
        "period_start": start,
        "period_end": end,
        "legal_basis": "《医疗保障基金使用监督管理条例》第二十二条、第二十七条；《医疗保障基金飞行检查管理暂行办法》",
        "inspecting_units": "\n".join(units),
        "objects_drawn": len(results) + rng.randint(0, 2),
    }
    published = _moment(rng, min(end + timedelta(days=rng.randint(5, 30)), until))
    return PageSpec(f"inspection-{start:%Y%m%d}", place, published, fields, children=results)


def _number_batches(specs: list[PageSpec]) -> None:
    """Batches count from 1 per year and place, in the order the inspections started; the title
    (which held the place until now) says year, place and batch."""
    batches = defaultdict(int)
    for spec in sorted(specs, key=lambda s: (s.fields["period_start"], s.published)):
        place, year = spec.title, spec.fields["year"]
        batches[(year, place)] += 1
        spec.fields["batch"] = batches[(year, place)]
        spec.title = f"{year}年{place}第{spec.fields['batch']}批医保基金“双随机、一公开”抽查计划及结果"


def _period_title(year: int, kind: str, number: int | None) -> str:
    if kind == "month":
        return f"{year}年{number}月"
    if kind == "quarter":
        return f"{year}年第{number}季度"
    if kind == "half":
        return f"{year}年{'上' if number == 1 else '下'}半年"
    return f"{year}年度"


def _fund_periods(rng: random.Random, vocab: Vocabulary, until: date) -> list[tuple[str, int, str, int | None]]:
    """Every (region, year, kind, number) that ended at least 20 days before ``until``, shuffled."""
    periods = [
        (region, year, kind, number)
        for region in vocab.regions
        for year in range(FIRST_YEAR, until.year + 1)
        for kind, number in PERIOD_SPECS
        if period_end(year, kind, number) + timedelta(days=20) <= until
    ]
    rng.shuffle(periods)
    return periods


def _fund_spec(rng: random.Random, period: tuple, until: date, correction: int) -> PageSpec:
    region, year, kind, number = period
    ends = period_end(year, kind, number)
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    place = _place(region)
    label = _period_title(year, kind, number)
    rows = []
    totals = Decimal(0)
    for fund, (chance, (low, high)) in FUND_SHARES.items():
        if rng.random() > chance:
            continue
        income = _money(rng, low * months / 3, high * months / 3)
        expenditure = (income * Decimal(str(round(rng.uniform(0.82, 1.08), 4)))).quantize(Decimal("0.01"))
        cumulative = (income * Decimal(rng.randint(2, 12))).quantize(Decimal("0.01"))
        rows.append(
            (
                {
                    "fund_type": fund,
                    "income": income,
                    "expenditure": expenditure,
                    "current_balance": income - expenditure,
                    "cumulative_balance": cumulative,
                },
                [],
            )
        )
        totals += income
    names = _joined(FUND_NAMES[row["fund_type"]] for row, _m in rows)
    title = f"{place}{label}医疗保障基金收支情况"
    fields = {
        "period_year": year,
        "period_kind": kind,
        "period_number": number,
        "period_end": ends,
        "region": place,
        "unit": "wan",
        "summary": f"{label}，{place}医保基金总收入{totals}万元，公开{names}的收支和结余。"[:300],
        "source": f"{_bureau(region)}、{place}财政局"[:200],
        "notes": "收入含个人缴费、单位缴费和财政补助；支出为医保基金实际支付的待遇。",
        "insured_employees": rng.randint(20_000, 250_000),
        "insured_residents": rng.randint(150_000, 2_400_000),
        "designated_institutions": rng.randint(80, 1_800),
    }
    published_day = min(ends + timedelta(days=rng.randint(15, 40)), until)
    if correction:
        title = f"{title}（更正）"
        corrected = min(published_day + timedelta(days=rng.randint(10, 60) * correction), until)
        fields.update(corrected_on=corrected, correction_note="更正了部分基金的支出和结余数据，其余数据不变。")
        published_day = corrected
    return PageSpec(f"fund-{ends:%Y%m%d}", title[:255], _moment(rng, published_day), fields, children=rows)


# --- directories -------------------------------------------------------------------------------


def _credit_code(rng: random.Random, region_index: int, kind: str) -> str:
    # Public institutions (12…) and enterprises (91…); 5309xx is the city's division code.
    head = ("12" if kind == "hospital" else "91") + f"5309{region_index:02d}"
    body = head + "".join(rng.choice(USCC_ALPHABET) for _ in range(17 - len(head)))
    return body + check_character(body)


def make_directories(rng: random.Random, sizes: dict[str, int], batch_size: int, progress) -> dict[str, int]:
    """Institutions, inspectors and inspection items; codes and names already taken are skipped.
    Replacements for taken ones come from a stream of their own, so that a clash on a database
    that already holds generated data changes only the clashing value, not everything after it."""
    regions = _regions()
    made = {"institutions": 0, "inspectors": 0, "inspection_items": 0}
    # Fake data, see generate_pages.
    retry = random.Random(rng.random())  # noqa: S311 # nosec B311

    taken = set(InspectedInstitution.objects.values_list("credit_code", flat=True))
    names = set(InspectedInstitution.objects.values_list("name", flat=True))
    institutions = []
    for _n in range(sizes["institutions"]):
        region_index = rng.randrange(len(regions))
        region = regions[region_index]
        kind = "hospital" if rng.random() < 0.55 else "pharmacy"
        code = _credit_code(rng, region_index + 1, kind)
        while code in taken:
            code = _credit_code(retry, region_index + 1, kind)
        taken.add(code)
        kinds = HOSPITAL_KINDS if kind == "hospital" else PHARMACY_KINDS
        name = f"{_place(region)}{rng.choice(TOWNS)}{rng.choice(GOOD_NAMES)}{rng.choice(kinds)}"
        attempts = 0
        while name in names:
            attempts += 1
            name = f"{_place(region)}{retry.choice(TOWNS)}{retry.choice(GOOD_NAMES)}{retry.choice(kinds)}"
            if attempts > 5:  # the combinations are running out: a branch number makes it unique
                name += f"（{retry.randint(2, 9999)}分店）"
        names.add(name)
        level = "ungraded" if kind == "pharmacy" else rng.choice(["tertiary", "secondary", "primary", "ungraded"])
        institutions.append(
            InspectedInstitution(
                name=name[:100],
                credit_code=code,
                institution_type=kind,
                region=region,
                level=level,
                credit_rating=rng.choice(["A", "A", "B", "B", "B", "C", "D", ""]),
                active=rng.random() < 0.96,
            )
        )
    made["institutions"] = _bulk_and_index(InspectedInstitution, institutions, batch_size, progress, "institutions")

    taken = set(Inspector.objects.values_list("certificate_number", flat=True))
    inspectors, serial = [], 0
    for _n in range(sizes["inspectors"]):
        serial += 1
        while f"YNJC{serial:07d}" in taken:
            serial += 1
        region = rng.choice(regions)
        inspectors.append(
            Inspector(
                name=_person(rng),
                unit=f"{_place(region)}{rng.choice(PLAN_UNITS[:2])}",
                region=region,
                certificate_number=f"YNJC{serial:07d}",
                active=rng.random() < 0.93,
            )
        )
    made["inspectors"] = _bulk_and_index(Inspector, inspectors, batch_size, progress, "inspectors")

    taken = set(InspectionItem.objects.values_list("code", flat=True))
    items, serial = [], 0
    for n in range(sizes["items"]):
        serial += 1
        while f"SC-{serial:03d}" in taken:
            serial += 1
        name, method = ITEM_NAMES[n % len(ITEM_NAMES)]
        if n >= len(ITEM_NAMES):
            name = f"{name}（专项{n // len(ITEM_NAMES)}）"
        items.append(
            InspectionItem(
                code=f"SC-{serial:03d}",
                name=name,
                legal_basis="《医疗保障基金使用监督管理条例》第二十二条",
                method=method,
            )
        )
    made["inspection_items"] = _bulk_and_index(InspectionItem, items, batch_size, progress, "inspection items")
    return made


def _bulk_and_index(model, objs: list, batch_size: int, progress, label: str) -> int:
    for start in range(0, len(objs), batch_size):
        chunk = objs[start : start + batch_size]
        with transaction.atomic():
            created = model.objects.bulk_create(chunk)
            _index(model, created)
        progress(label, start + len(chunk), len(objs))
    return len(objs)


def _index(model, objs) -> None:
    """What saving would have done through a signal: one index entry per object, in bulk."""
    if not objs:
        return
    for obj in objs:
        if hasattr(obj, "search_grams"):
            # The database backends read every search field three times (title, autocomplete and
            # body columns), and splitting a page's text is the slow part: split it once.
            obj.search_grams = _constant(obj.search_grams())
    for backend in get_search_backends():
        backend.add_bulk(model, objs)


def _constant(value):
    return lambda: value


# --- inserting pages ---------------------------------------------------------------------------

#: The columns of wagtailcore_page, written for every page (the id comes back from the insert).
_PAGE_FIELDS = [f for f in Page._meta.concrete_fields if not f.primary_key]


class _ChildWriter:
    """Appends pages of one model under one parent, batch by batch, keeping the tree consistent.
    One writer per parent and run: it carries the next path step and the slugs taken."""

    def __init__(self, parent: Page, model):
        self.parent = Page.objects.get(pk=parent.pk)
        self.model = model
        self.using = router.db_for_write(Page)
        last = self.parent.get_last_child()
        self.next_position = last._get_lastpos_in_path() + 1 if last else 1
        self.content_type_id = ContentType.objects.get_for_model(model).pk
        self.slugs = set(self.parent.get_children().values_list("slug", flat=True))
        self.serial = 0

    def _slug(self, stem: str) -> str:
        self.serial += 1
        slug = f"{stem}-{self.serial:05d}"
        suffix = 1
        while slug in self.slugs:
            suffix += 1
            slug = f"{stem}-{self.serial:05d}-{suffix}"
        self.slugs.add(slug)
        return slug

    def build(self, spec: PageSpec):
        path = Page._get_path(self.parent.path, self.parent.depth + 1, self.next_position)
        if len(path) > Page._meta.get_field("path").max_length:  # pragma: no cover - 1.6 million children
            raise ScaleDataError(f"no room for more children under page {self.parent.pk}")
        self.next_position += 1
        slug = self._slug(spec.slug_stem)
        return self.model(
            path=path,
            depth=self.parent.depth + 1,
            numchild=0,
            translation_key=uuid.uuid4(),
            locale_id=self.parent.locale_id,
            live=True,
            has_unpublished_changes=False,
            first_published_at=spec.published,
            last_published_at=spec.published,
            expired=False,
            locked=False,
            title=spec.title,
            draft_title=spec.title,
            slug=slug,
            content_type_id=self.content_type_id,
            url_path=f"{self.parent.url_path}{slug}/",
            show_in_menus=False,
            seo_title="",
            search_description="",
            **spec.fields,
        )

    def insert(self, pages: list) -> list[int]:
        """Insert ``pages`` (built by ``build``, in order) and their own rows; returns their ids."""
        rows = [Page(**{f.attname: getattr(page, f.attname) for f in _PAGE_FIELDS}) for page in pages]
        Page.objects.using(self.using).bulk_create(rows)
        for page, row in zip(pages, rows, strict=True):
            page.id = page.page_ptr_id = row.pk
        _insert_rows(self.model, pages, self.using)
        Page.objects.using(self.using).filter(pk=self.parent.pk).update(numchild=F("numchild") + len(pages))
        return [row.pk for row in rows]


def _insert_rows(model, objs: list, using: str) -> None:
    """Insert the model's own table rows of ``objs`` (their parent rows exist already): what
    ``bulk_create`` does, which Django refuses for a multi-table inherited model."""
    fields = list(model._meta.local_concrete_fields)
    size = max(connections[using].ops.bulk_batch_size(fields, objs), 1)
    queryset = model._base_manager.using(using)
    for start in range(0, len(objs), size):
        queryset._insert(objs[start : start + size], fields=fields, using=using)


def _m2m_rows(model, name: str, pairs: list[tuple[int, int]]) -> list:
    relation = model._meta.get_field(name)
    through = relation.remote_field.through
    source, target = relation.m2m_field_name() + "_id", relation.m2m_reverse_field_name() + "_id"
    return [through(**{source: a, target: b}) for a, b in pairs]


#: Per kind: page model, inline row model (if any) and what search_source() reads.
_KINDS = {
    "policies": (PolicyPage, None, ()),
    "cases": (CasePage, None, ("categories", "measures")),
    "inspections": (InspectionPlanPage, InspectionResult, ("results",)),
    "funds": (FundDisclosurePage, FundRow, ("rows",)),
}


def _insert_kind(kind: str, parent: Page, specs: list[PageSpec], batch_size: int, progress, counts: PageCounts):
    model, child_model, prefetch = _KINDS[kind]
    specs.sort(key=lambda spec: spec.published)  # the tree grows in publication order
    writer = _ChildWriter(parent, model)
    for start in range(0, len(specs), batch_size):
        chunk = specs[start : start + batch_size]
        with transaction.atomic():
            pages = [writer.build(spec) for spec in chunk]
            ids = writer.insert(pages)
            if kind == "cases":
                through = _m2m_rows(
                    model, "categories", [(pk, c) for pk, s in zip(ids, chunk, strict=True) for c in s.categories]
                )
                through += _m2m_rows(
                    model, "measures", [(pk, m) for pk, s in zip(ids, chunk, strict=True) for m in s.measures]
                )
                _bulk_through(through, batch_size)
            if child_model is not None:
                children = []
                for pk, spec in zip(ids, chunk, strict=True):
                    for order, (values, _measures) in enumerate(spec.children):
                        children.append(child_model(page_id=pk, sort_order=order, **values))
                child_model.objects.bulk_create(children, batch_size=batch_size)
                measures = [
                    (row.pk, m)
                    for row, (_values, ms) in zip(children, (c for s in chunk for c in s.children), strict=True)
                    for m in ms
                ]
                if measures:
                    _bulk_through(_m2m_rows(child_model, "measures", measures), batch_size)
                if kind == "inspections":
                    counts.inspection_results += len(children)
                else:
                    counts.fund_rows += len(children)
            _index(model, list(model.objects.filter(pk__in=ids).prefetch_related(*prefetch)))
        setattr(counts, kind, getattr(counts, kind) + len(chunk))
        progress(kind, start + len(chunk), len(specs))


def _bulk_through(rows: list, batch_size: int) -> None:
    by_model = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    for through, objs in by_model.items():
        through.objects.bulk_create(objs, batch_size=batch_size)


# --- the whole run -----------------------------------------------------------------------------


def find_indexes() -> dict[str, Page]:
    """The index page of each kind, created by the demo loader if any is missing."""

    def lookup():
        return {kind: model.objects.order_by("path").first() for kind, model in INDEX_MODELS.items()}

    indexes = lookup()
    if any(index is None for index in indexes.values()):
        from home.demo_content import load_demo_content

        load_demo_content()
        indexes = lookup()
    missing = [kind for kind, index in indexes.items() if index is None]
    if missing:
        raise ScaleDataError(
            f"No index page for {', '.join(missing)}: the demo loader did not create it (an editor deleted it?). "
            "Add the index page in the admin first."
        )
    return indexes


def _vocabulary(regions: list[str]) -> Vocabulary:
    institutions = list(
        InspectedInstitution.objects.filter(active=True)
        .order_by("credit_code")
        .values_list("credit_code", "name", "institution_type", "region")
    )
    by_region = defaultdict(list)
    for code, name, kind, region in institutions:
        by_region[region].append((code, name, kind))
    return Vocabulary(
        categories=list(ViolationCategory.objects.order_by("sort_order", "pk").values_list("pk", "name")),
        measures=list(Measure.objects.order_by("sort_order", "pk").values_list("pk", "slug", "name")),
        regions=regions,
        items=list(InspectionItem.objects.filter(active=True).order_by("code").values_list("name", flat=True))
        or [name for name, _method in ITEM_NAMES],
        institutions_by_region=dict(by_region),
        institutions=institutions,
    )


def generate_pages(
    total: int, *, seed, until: date, batch_size: int = 2000, progress: ProgressCallback | None = None
) -> PageCounts:
    """Make ``total`` published pages (and the directories they draw on); see the module docstring."""
    progress = progress or (lambda label, done, of: None)
    counts = PageCounts()
    if total <= 0:
        return counts
    # Seeded on purpose: fake content must come out the same for a seed. Nothing secret comes from it.
    rng = random.Random(f"scale-pages/{seed}")  # noqa: S311 # nosec B311
    indexes = find_indexes()
    made = make_directories(rng, directory_sizes(total), batch_size, progress)
    counts.institutions, counts.inspectors, counts.inspection_items = (
        made["institutions"],
        made["inspectors"],
        made["inspection_items"],
    )
    vocab = _vocabulary(_regions())
    if not vocab.categories or not vocab.measures:
        raise ScaleDataError("The violation categories and measures are empty: run the migrations first.")
    wanted = split_pages(total)

    specs = {kind: [] for kind in wanted}
    specs["policies"] = [_policy_spec(rng, vocab, until, n + 1) for n in range(wanted["policies"])]
    specs["cases"] = [_case_spec(rng, vocab, until) for _n in range(wanted["cases"])]
    specs["inspections"] = [_plan_spec(rng, vocab, until) for _n in range(wanted["inspections"])]
    _number_batches(specs["inspections"])
    periods = _fund_periods(rng, vocab, until)
    specs["funds"] = [
        _fund_spec(rng, periods[n % len(periods)], until, correction=n // len(periods))
        for n in range(wanted["funds"] if periods else 0)
    ]
    for kind, kind_specs in specs.items():
        _insert_kind(kind, indexes[kind], kind_specs, batch_size, progress, counts)
    return counts
