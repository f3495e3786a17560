"""Demo random-inspection plans and their results."""

import datetime
from decimal import Decimal

D = datetime.date


def _m(value):
    return Decimal(value)


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
