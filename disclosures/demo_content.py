"""Demo publications for the embedded set-up. Titles, numbers, dates and figures come from the
bureau documents in shared/seeds and the regulations in shared/DOMAIN.md; the summaries, facts
and case stories are our own words, and cases name no real person or institution. Where a source
gives only the year of a document, the day shown is illustrative (the site footer says it is a demo)."""

import datetime
from decimal import Decimal

from django.apps import apps

D = datetime.date

INDEXES = [
    # (key, model label, slug, title, intro)
    ("policies", "disclosures.PolicyIndexPage", "policies", "政策文件", "医保基金监管方面的法规、规章和规范性文件。"),
    ("cases", "disclosures.CaseIndexPage", "cases", "典型案例曝光", "经查实的欺诈骗保典型案例，依法向社会公开。"),
    (
        "inspections",
        "disclosures.InspectionIndexPage",
        "inspections",
        "双随机抽查",
        "随机抽取检查对象、随机选派检查人员，抽查情况和查处结果全部公开。",
    ),
    ("funds", "disclosures.FundDisclosureIndexPage", "funds", "基金收支", "医保基金按季度公开的收入、支出和结余情况。"),
]

REGIONS = ["临翔区", "凤庆县", "云县", "永德县", "镇康县", "双江县", "耿马县", "沧源县"]


def _p(text):
    return ("paragraph", f"<p>{text}</p>")


POLICIES = [
    {
        "slug": "supervision-regulation-2021",
        "title": "医疗保障基金使用监督管理条例",
        "document_number": "国务院令第735号",
        "issuing_body": "国务院",
        "region": "全国",
        "date_issued": D(2021, 1, 15),
        "topic": "supervision",
        "validity": "valid",
        "summary": "医保基金使用监管的第一部行政法规，自2021年5月1日起施行。",
        "body": [
            ("heading", "要点"),
            _p(
                "条例明确了医保行政部门、经办机构、定点医药机构和参保人员各自的责任，"
                "规定了骗取医保基金的法律责任，并要求建立举报奖励制度。"
            ),
        ],
    },
    {
        "slug": "reporting-measures-2022",
        "title": "医疗保障基金使用监督管理举报处理暂行办法",
        "document_number": "国家医疗保障局令第5号",
        "issuing_body": "国家医疗保障局",
        "region": "全国",
        "date_issued": D(2022, 1, 29),
        "topic": "supervision",
        "validity": "valid",
        "summary": "规定了举报的渠道、受理、办理、告知和保密要求，自2022年3月1日起施行。",
        "body": [
            ("heading", "谁可以举报"),
            _p("任何个人和单位都可以通过网络、电话、传真、信件或当面等方式举报。电话和当面举报由工作人员如实记录。"),
            ("heading", "实名与匿名"),
            _p(
                "鼓励实名举报，匿名举报同样受理。举报人的身份和举报内容严格保密。"
                "对实名举报，在作出是否立案决定后5个工作日内告知举报人。"
            ),
        ],
    },
    {
        "slug": "reward-measures-2022",
        "title": "违法违规使用医疗保障基金举报奖励办法",
        "document_number": "医保办发〔2022〕22号",
        "issuing_body": "国家医疗保障局办公室、财政部办公厅",
        "region": "全国",
        "date_issued": D(2022, 11, 17),
        "topic": "supervision",
        "validity": "valid",
        "summary": "按查实案值的一定比例给予一次性奖励，每起案件最低200元、最高20万元。",
        "body": [
            ("heading", "奖励标准"),
            _p(
                "奖励以案值为基数按比例计算，每起案件不低于200元、不超过20万元；"
                "无法计算案值的，可以给予定额奖励。同一事实多人举报的，奖励最先举报的人。"
            ),
            ("heading", "匿名举报人领取奖励"),
            _p("匿名举报人能够证明自己是举报人的，也可以领取奖励；举报人也可以放弃奖励。"),
        ],
    },
    {
        "slug": "reward-measures-2018",
        "title": "欺诈骗取医疗保障基金行为举报奖励暂行办法",
        "document_number": "医保办发〔2018〕22号",
        "issuing_body": "国家医疗保障局办公室、财政部办公厅",
        "region": "全国",
        "date_issued": D(2018, 11, 29),
        "topic": "supervision",
        "validity": "repealed",
        "summary": "2018年的举报奖励办法，单案奖励最高10万元，已被2022年的新办法取代。",
        "body": [_p("本办法已废止，现行规定见2022年印发的《违法违规使用医疗保障基金举报奖励办法》。")],
    },
    {
        "slug": "lincang-responsibility-list-2024",
        "title": "临沧市人民政府办公室关于印发临沧市加强医疗保障基金使用常态化监管责任清单的通知",
        "document_number": "临政办发〔2024〕2号",
        "index_number": "LC-2024-00002",
        "issuing_body": "临沧市人民政府办公室",
        "region": "临沧市",
        "date_issued": D(2024, 2, 6),
        "date_written": D(2024, 1, 17),
        "topic": "supervision",
        "validity": "valid",
        "summary": "把医保基金常态化监管的任务逐项分到县区政府和市直部门，并要求每年1月底前报告落实情况。",
        "body": [
            ("heading", "为什么要列责任清单"),
            _p(
                "依照省里加强医保基金常态化监管的措施，市里把目标、任务和措施逐项落实到具体单位，"
                "让每一项监管工作都有人负责。"
            ),
            ("heading", "各方的责任"),
            _p(
                "县区政府承担属地监管责任，医疗保障部门承担监管主体责任，其他部门按职责分工配合。"
                "对推诿扯皮、失职渎职的，依法依纪追究责任。"
            ),
            ("heading", "报告要求"),
            _p("各县区和市直有关部门每年1月30日前向市医疗保障局书面报告上年度落实情况，由市医疗保障局汇总后报市政府。"),
        ],
    },
    {
        "slug": "jilin-special-rectification-2020",
        "title": "2020年全省医保基金监督检查专项治理工作方案",
        "document_number": "吉医保发〔2020〕22号",
        "issuing_body": "吉林省医疗保障局",
        "region": "吉林省",
        "date_issued": D(2020, 5, 8),
        "topic": "supervision",
        "validity": "expired",
        "summary": "2020年对经办机构和定点医疗机构开展专项治理，重点查处内外勾结骗保，实现定点医药机构检查全覆盖。",
        "body": [
            ("heading", "治理重点"),
            _p(
                "经办机构重点查数据修改、串换项目、内控缺失和违规支付；定点医疗机构重点查挂床住院、诱导住院、"
                "虚构服务、伪造文书票据、超标准收费、重复收费、分解收费和串换药品耗材诊疗项目；"
                "定点零售药店重点查进销存台账、串换药品和盗刷医保卡。"
            ),
            ("heading", "工作方式"),
            _p("检查全覆盖与抓重点相结合，自查自纠与抽查复查相结合，外部监管与内部控制相结合。"),
        ],
    },
    {
        "slug": "district-supervision-plan-2020",
        "title": "区医疗保障局2020年基金监管工作方案",
        "issuing_body": "区医疗保障局",
        "region": "临翔区",
        "date_issued": D(2020, 3, 20),
        "topic": "supervision",
        "validity": "expired",
        "summary": "以打击欺诈骗保为重点，强化协议管理和基金监管，建立违规约谈制度和长效机制。",
        "body": [
            ("heading", "协议管理"),
            _p(
                "按省里的协议范本重新评估定点医药机构，完善续签和退出机制；对违约机构采取约谈、限期整改、"
                "暂停拨付、拒付费用、暂停或解除协议等措施，并追回违规支付的费用。"
            ),
            ("heading", "基金监管"),
            _p("运用医保大数据开展日常监管和网上动态监管，逐一排查辖区内定点医药机构，问题严重的取消定点资格。"),
        ],
    },
    {
        "slug": "guangdong-reward-draft-2022",
        "title": "广东省违法违规使用医疗保障基金举报奖励实施细则（征求意见稿）",
        "issuing_body": "广东省医疗保障局",
        "region": "广东省",
        "date_issued": D(2022, 12, 1),
        "topic": "supervision",
        "validity": "expired",
        "summary": "按证据等级分三档计发奖励：一档3%、二档2%、三档1%，内部人员举报再加20%。征求意见已结束。",
        "body": [
            ("heading", "分档比例"),
            _p("一档按案值的3%计发，最低400元；二档2%，最低300元；三档1%，最低200元。单案最高20万元。"),
        ],
    },
    {
        "slug": "hefei-reward-rules-2023",
        "title": "合肥市违法违规使用医疗保障基金举报奖励实施细则",
        "issuing_body": "合肥市医疗保障局",
        "region": "合肥市",
        "date_issued": D(2023, 6, 1),
        "topic": "supervision",
        "validity": "valid",
        "summary": "按造成损失的主体分别计发奖励：机构按2%或4%，个人按10%，每案最低500元。",
        "body": [
            ("heading", "对机构的举报"),
            _p("案值50万元以下（含）的按2%计发，最低500元；超过50万元的按全部案值的4%计发。"),
            ("heading", "对个人的举报"),
            _p("案值1万元以下（含）的按10%计发，最低500元；超过1万元的按10%计发后再加500元。"),
        ],
    },
    {
        "slug": "tibet-report-handling-2019",
        "title": "西藏自治区欺诈骗取医疗保障基金行为举报受理办法",
        "issuing_body": "西藏自治区医疗保障局",
        "region": "西藏自治区",
        "date_issued": D(2019, 9, 10),
        "topic": "agency",
        "validity": "valid",
        "summary": "举报自收到之日起15个工作日内决定是否受理；当面举报由两名工作人员接待并做笔录。",
        "body": [_p("办法规定了举报的登记、受理期限、接待要求和保密纪律。")],
    },
]


def _m(value):
    return Decimal(value)


CASES = [
    {
        "slug": "county-hospital-phantom-inpatients",
        "title": "某县中医医院挂床住院、虚构诊疗骗取医保基金案",
        "institution_name": "某县中医医院",
        "institution_type": "hospital",
        "region": "凤庆县",
        "categories": ["phantom-inpatients", "fictitious-services"],
        "conduct_period": "2023年1月至2023年9月",
        "summary": "医院让不需要住院的患者挂名住院，并虚记检查和治疗费用。",
        "facts": "<p>飞行检查发现，该院部分住院患者长期不在病房，病历中却记有每日的检查和治疗。"
        "核对床位日志和患者行程后，认定挂床住院37人次，虚记诊疗费用。</p>",
        "amount_involved": _m("186400.00"),
        "amount_recovered": _m("186400.00"),
        "fine": _m("372800.00"),
        "measures": ["recovery", "fine", "suspend-agreement"],
        "decision_date": D(2024, 3, 12),
        "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条、第四十条",
    },
    {
        "slug": "private-hospital-induced-admission",
        "title": "某民营医院以免费体检为名诱导住院案",
        "institution_name": "某民营医院",
        "institution_type": "hospital",
        "region": "临翔区",
        "categories": ["induced-admission", "forged-records"],
        "conduct_period": "2022年6月至2023年5月",
        "summary": "医院以免费体检、包车接送为名招揽老年参保人住院，并伪造病历。",
        "facts": "<p>群众举报后核查发现，医院组织车辆接送老人，以免费体检为名办理住院，"
        "部分病历的症状和检查结果系事后补写。</p>",
        "amount_involved": _m("1256300.00"),
        "amount_recovered": _m("1256300.00"),
        "fine": None,
        "measures": ["recovery", "terminate-agreement", "refer-police"],
        "decision_date": D(2024, 6, 20),
        "legal_basis": "《医疗保障基金使用监督管理条例》第四十条；涉嫌犯罪部分移送公安机关",
    },
    {
        "slug": "pharmacy-substituted-drugs",
        "title": "某大药房串换药品、刷卡购买生活用品案",
        "institution_name": "某大药房",
        "institution_type": "pharmacy",
        "region": "云县",
        "categories": ["substitution"],
        "conduct_period": "2023年",
        "summary": "药店把日用品和保健品串换成医保目录内药品结算。",
        "facts": "<p>进销存台账与医保结算数据不符：结算的药品多于进货，卖出的却是洗护用品和保健品。</p>",
        "amount_involved": _m("48650.00"),
        "amount_recovered": _m("48650.00"),
        "fine": _m("48650.00"),
        "measures": ["recovery", "fine", "suspend-agreement"],
        "decision_date": D(2024, 8, 5),
        "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条；定点零售药店服务协议",
    },
    {
        "slug": "insured-person-impersonation",
        "title": "参保人张某某冒用他人医保凭证就医案",
        "institution_name": "张某某",
        "institution_type": "individual",
        "region": "永德县",
        "categories": ["impersonation"],
        "conduct_period": "2023年3月至2023年11月",
        "summary": "参保人借用亲属的医保凭证就医结算。",
        "facts": "<p>大数据筛查发现同一凭证在两地同时就诊，核实后认定张某某冒用亲属凭证就医12次。</p>",
        "amount_involved": _m("9360.50"),
        "amount_recovered": _m("9360.50"),
        "fine": None,
        "measures": ["recovery"],
        "decision_date": D(2024, 2, 28),
        "legal_basis": "《医疗保障基金使用监督管理条例》第四十一条",
    },
    {
        "slug": "clinic-split-and-duplicate-charging",
        "title": "某诊所分解收费、重复收费案",
        "institution_name": "某诊所",
        "institution_type": "hospital",
        "region": "镇康县",
        "categories": ["split-charging", "duplicate-charging"],
        "conduct_period": "2024年1月至2024年6月",
        "summary": "诊所把一次治疗拆成多次收费，并对同一项目重复收费。",
        "facts": "<p>“双随机、一公开”抽查中发现，诊所把一次针灸治疗拆分为多个项目计费，并重复收取注射费。</p>",
        "amount_involved": _m("15820.00"),
        "amount_recovered": _m("15820.00"),
        "fine": _m("7910.00"),
        "measures": ["interview", "rectification", "recovery", "fine"],
        "decision_date": D(2024, 10, 15),
        "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条",
    },
    {
        "slug": "hospital-over-standard-charging",
        "title": "某医院超标准收费案",
        "institution_name": "某县人民医院",
        "institution_type": "hospital",
        "region": "双江县",
        "categories": ["over-standard-charging"],
        "conduct_period": "2023年",
        "summary": "医院对部分护理和检查项目超过规定价格收费。",
        "facts": "<p>对照价格目录核查发现，等级护理和部分检验项目长期按高于标准的价格收费。</p>",
        "amount_involved": _m("236780.00"),
        "amount_recovered": _m("236780.00"),
        "fine": None,
        "measures": ["interview", "rectification", "recovery"],
        "decision_date": D(2025, 1, 18),
        "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条；医疗服务价格政策",
    },
    {
        "slug": "individual-drug-reselling",
        "title": "李某某倒卖医保药品案",
        "institution_name": "李某某",
        "institution_type": "individual",
        "region": "耿马县",
        "categories": ["drug-reselling"],
        "conduct_period": "2024年2月至2024年9月",
        "summary": "参保人频繁开取医保药品后转卖给非法收药人员。",
        "facts": "<p>李某某在多家医疗机构反复开取同类药品，远超正常用量，随后转卖获利。</p>",
        "amount_involved": _m("68240.00"),
        "amount_recovered": _m("68240.00"),
        "fine": None,
        "measures": ["recovery", "refer-police"],
        "decision_date": D(2025, 3, 6),
        "legal_basis": "《医疗保障基金使用监督管理条例》第四十一条；涉嫌犯罪部分移送公安机关",
    },
    {
        "slug": "health-centre-collusion",
        "title": "某乡镇卫生院与经办人员内外勾结骗取医保基金案",
        "institution_name": "某乡镇卫生院",
        "institution_type": "hospital",
        "region": "沧源县",
        "categories": ["collusion", "fictitious-services", "phantom-inpatients"],
        "conduct_period": "2022年至2024年",
        "summary": "卫生院与个别经办人员串通，虚构住院并通过审核结算。",
        "facts": "<p>专项治理中发现，部分住院结算单据由同一经办人员审核通过，而患者从未入院。</p>",
        "amount_involved": _m("602500.00"),
        "amount_recovered": _m("602500.00"),
        "fine": None,
        "measures": ["recovery", "terminate-agreement", "refer-discipline", "refer-police"],
        "decision_date": D(2025, 5, 22),
        "legal_basis": "《医疗保障基金使用监督管理条例》第四十条、第四十二条",
    },
]


_ITEMS = "医保基金使用情况\n医疗服务收费行为\n药品和医用耗材进销存"


def _result(name, kind, region, day, outcome, findings="", measures=(), recovered=None, fine=None, follow_up=""):
    return {
        "institution_name": name,
        "institution_type": kind,
        "region": region,
        "inspection_date": day,
        "items_checked": _ITEMS.replace("\n", "；"),
        "outcome": outcome,
        "findings": findings,
        "measures": list(measures),
        "amount_recovered": None if recovered is None else _m(recovered),
        "fine": None if fine is None else _m(fine),
        "follow_up": follow_up,
    }


INSPECTION_PLANS = [
    {
        "slug": "2024-batch-1",
        "title": "2024年第1批医保基金双随机抽查",
        "year": 2024,
        "batch": 1,
        "inspection_items": _ITEMS,
        "scope": "全市定点医疗机构和定点零售药店",
        "sampling_share": _m("5.00"),
        "period_start": D(2024, 4, 1),
        "period_end": D(2024, 6, 30),
        "legal_basis": "《医疗保障基金使用监督管理条例》第二十二条、第二十七条",
        "inspecting_units": "市医疗保障局\n市医疗保障基金监管中心",
        "objects_drawn": 5,
        "results": [
            _result("某县人民医院", "hospital", "凤庆县", D(2024, 4, 16), "no_problem", follow_up="无需整改"),
            _result(
                "某诊所",
                "hospital",
                "镇康县",
                D(2024, 4, 23),
                "problem",
                findings="分解收费、重复收取注射费",
                measures=("interview", "rectification", "recovery", "fine"),
                recovered="15820.00",
                fine="7910.00",
                follow_up="已整改，复查合格",
            ),
            _result("某大药房连锁门店", "pharmacy", "临翔区", D(2024, 5, 8), "no_problem", follow_up="无需整改"),
            _result(
                "某乡镇卫生院",
                "hospital",
                "云县",
                D(2024, 5, 21),
                "problem",
                findings="部分检验项目超标准收费",
                measures=("rectification", "recovery"),
                recovered="3260.00",
                follow_up="限期整改中",
            ),
            _result("某中医诊所", "hospital", "双江县", D(2024, 6, 12), "no_problem", follow_up="无需整改"),
        ],
    },
    {
        "slug": "2025-special-batch-1",
        "title": "2025年医保基金专项抽查（第1批）",
        "year": 2025,
        "batch": 1,
        "inspection_items": _ITEMS + "\n住院病历与床位管理",
        "scope": "全市二级及以上定点医疗机构",
        "sampling_share": _m("20.00"),
        "period_start": D(2025, 3, 10),
        "period_end": D(2025, 5, 31),
        "legal_basis": "《医疗保障基金使用监督管理条例》第二十二条；年度专项治理工作方案",
        "inspecting_units": "市医疗保障局\n市医疗保障基金监管中心\n特邀第三方审计机构",
        "objects_drawn": 4,
        "results": [
            _result(
                "某县中医医院",
                "hospital",
                "凤庆县",
                D(2025, 3, 18),
                "problem",
                findings="挂床住院，虚记诊疗费用",
                measures=("recovery", "fine", "suspend-agreement"),
                recovered="186400.00",
                fine="372800.00",
                follow_up="已移交立案查处",
            ),
            _result("某市人民医院", "hospital", "临翔区", D(2025, 4, 2), "no_problem", follow_up="无需整改"),
            _result(
                "某民营医院",
                "hospital",
                "临翔区",
                D(2025, 4, 15),
                "problem",
                findings="诱导参保人住院，病历事后补写",
                measures=("recovery", "terminate-agreement", "refer-police"),
                recovered="1256300.00",
                follow_up="已解除服务协议",
            ),
        ],
    },
]

# Demo figures in 10,000 yuan, quarter by quarter: (fund, income, expenditure). The current balance
# is income minus expenditure and the cumulative balance carries on from the previous quarter.
_QUARTERS = [
    (
        2024,
        1,
        [
            ("employee", "41250.36", "35872.10"),
            ("resident", "96318.75", "47106.42"),
            ("maternity", "2130.40", "1986.25"),
        ],
    ),
    (
        2024,
        2,
        [
            ("employee", "40892.18", "37215.64"),
            ("resident", "47462.30", "49873.15"),
            ("maternity", "2098.72", "2040.18"),
        ],
    ),
    (
        2024,
        3,
        [
            ("employee", "42106.55", "38460.27"),
            ("resident", "45875.60", "51240.88"),
            ("maternity", "2156.34", "2075.90"),
        ],
    ),
    (
        2024,
        4,
        [
            ("employee", "43318.92", "40125.36"),
            ("resident", "58210.05", "53012.47"),
            ("maternity", "2201.16", "2110.52"),
        ],
    ),
    (
        2025,
        1,
        [
            ("employee", "42780.44", "36945.21"),
            ("resident", "98620.18", "48517.36"),
            ("maternity", "2185.63", "2021.47"),
        ],
    ),
    (
        2025,
        2,
        [
            ("employee", "42315.07", "38602.95"),
            ("resident", "48105.42", "51264.80"),
            ("maternity", "2150.28", "2088.61"),
        ],
    ),
    (
        2025,
        3,
        [
            ("employee", "43690.81", "39718.46"),
            ("resident", "46240.36", "52870.14"),
            ("maternity", "2210.95", "2117.30"),
        ],
    ),
    (
        2025,
        4,
        [
            ("employee", "44862.29", "41350.72"),
            ("resident", "59802.63", "54406.25"),
            ("maternity", "2246.07", "2154.83"),
        ],
    ),
]
_OPENING = {"employee": Decimal("186520.40"), "resident": Decimal("142310.25"), "maternity": Decimal("5120.60")}


def _fund_periods():
    cumulative = dict(_OPENING)
    periods = []
    for year, quarter, rows in _QUARTERS:
        fund_rows = []
        for fund, income, expenditure in rows:
            current = Decimal(income) - Decimal(expenditure)
            cumulative[fund] += current
            fund_rows.append(
                {
                    "fund_type": fund,
                    "income": Decimal(income),
                    "expenditure": Decimal(expenditure),
                    "current_balance": current,
                    "cumulative_balance": cumulative[fund],
                }
            )
        periods.append(
            {
                "slug": f"{year}-q{quarter}",
                "title": f"临沧市{year}年第{quarter}季度医保基金收支情况",
                "period_year": year,
                "period_kind": "quarter",
                "period_number": quarter,
                "region": "临沧市",
                "unit": "wan",
                "summary": f"{year}年第{quarter}季度全市职工医保、城乡居民医保和生育保险基金的收入、支出和结余。",
                "source": "市医疗保障局、市财政局",
                "notes": "本页数字为演示数据。城乡居民医保的个人缴费集中在年初征收，因此各季度收入差别较大。",
                "rows": fund_rows,
            }
        )
    return periods


FUND_PERIODS = _fund_periods()


def _create_index(home, label, slug, title, intro):
    index = apps.get_model(label)(title=title, slug=slug, intro=intro, show_in_menus=True)
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _publish_children(index, model, specs, first_time, key, build) -> list[str]:
    created = []
    for spec in specs:
        if not first_time(f"{key}:{spec['slug']}") or index.get_children().filter(slug=spec["slug"]).exists():
            continue
        page = build(model, spec)
        index.add_child(instance=page)
        page.save_revision().publish()
        created.append(f"{key}: {spec['title']}")
    return created


def _policy(model, spec):
    return model(**spec)


def _case(model, spec):
    from disclosures.models import Measure, ViolationCategory

    fields = {k: v for k, v in spec.items() if k not in ("categories", "measures")}
    page = model(**fields)
    page.categories = list(ViolationCategory.objects.filter(slug__in=spec["categories"]))
    page.measures = list(Measure.objects.filter(slug__in=spec["measures"]))
    return page


def _plan(model, spec):
    from disclosures.models import InspectionResult, Measure

    page = model(**{k: v for k, v in spec.items() if k != "results"})
    results = []
    for item in spec["results"]:
        result = InspectionResult(**{k: v for k, v in item.items() if k != "measures"})
        result.measures = list(Measure.objects.filter(slug__in=item["measures"]))
        results.append(result)
    page.results = results
    return page


def _fund(model, spec):
    from disclosures.models import FundRow

    page = model(**{k: v for k, v in spec.items() if k != "rows"})
    page.rows = [FundRow(**row) for row in spec["rows"]]
    return page


BUILDERS = {
    "policies": ("disclosures.PolicyPage", POLICIES, _policy),
    "cases": ("disclosures.CasePage", CASES, _case),
    "inspections": ("disclosures.InspectionPlanPage", INSPECTION_PLANS, _plan),
    "funds": ("disclosures.FundDisclosurePage", FUND_PERIODS, _fund),
}


def _ensure_vocabularies():
    """The starting vocabularies come with migrations; a flushed database (browser tests) lacks them."""
    from disclosures.models import Measure, ViolationCategory
    from disclosures.vocabularies import MEASURES, VIOLATION_CATEGORIES

    for model, terms in ((ViolationCategory, VIOLATION_CATEGORIES), (Measure, MEASURES)):
        if not model.objects.exists():
            model.objects.bulk_create(
                model(slug=slug, name=name, sort_order=order) for order, (slug, name) in enumerate(terms)
            )


def load(home, first_time) -> list[str]:
    """Create the index pages under `home` and their demo children not loaded before."""
    _ensure_vocabularies()
    created = []
    for key, label, slug, title, intro in INDEXES:
        index = home.get_children().filter(slug=slug).specific().first()
        if index is None and first_time(f"index:{key}"):
            index = _create_index(home, label, slug, title, intro)
        if index is None:  # an editor deleted it: leave it deleted
            continue
        model_label, specs, build = BUILDERS[key]
        created += _publish_children(index, apps.get_model(model_label), specs, first_time, key, build)
    return created
