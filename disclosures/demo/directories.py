"""Demo directories (一单两库) and one plan drawn by the portal. The regions are the demo bureau's
(临沧市, from shared/seeds); every institution and inspector is invented and says so in its name."""

import datetime
from decimal import Decimal

from disclosures.uscc import check_character

COUNTIES = ["临翔区", "凤庆县", "云县", "永德县", "镇康县", "双江县", "耿马县", "沧源县"]

ITEMS = [
    ("YB-01", "医保基金使用情况", "《医疗保障基金使用监督管理条例》第二十二条", "现场检查、查阅票据和结算数据"),
    ("YB-02", "医疗服务收费行为", "《医疗保障基金使用监督管理条例》第十五条", "核对收费清单与医嘱"),
    ("YB-03", "药品和医用耗材进销存", "《医疗保障基金使用监督管理条例》第十五条", "核对进销存台账与结算记录"),
    ("YB-04", "住院病历与床位管理", "《医疗保障基金使用监督管理条例》第十五条", "抽查在院病人和住院病历"),
]

# (name pattern, type, level): each county has one of each.
_KINDS = [
    ("{county}演示人民医院", "hospital", "secondary"),
    ("{county}演示中医医院", "hospital", "secondary"),
    ("{county}演示镇卫生院", "hospital", "primary"),
    ("{county}演示社区诊所", "hospital", "ungraded"),
    ("{county}演示大药房", "pharmacy", "ungraded"),
    ("{county}演示便民药店", "pharmacy", "ungraded"),
]
_RATINGS = ["A", "B", "B", "A", "C", "B", "D", "A", ""]


def _code(n: int) -> str:
    body = f"12530900MB{n:07d}"
    return body + check_character(body)


def institutions() -> list[dict]:
    rows = []
    for c, county in enumerate(COUNTIES):
        for k, (pattern, kind, level) in enumerate(_KINDS):
            n = c * len(_KINDS) + k
            rows.append(
                {
                    "name": pattern.format(county=county),
                    "credit_code": _code(n + 1),
                    "institution_type": kind,
                    "region": county,
                    "level": level,
                    "credit_rating": _RATINGS[n % len(_RATINGS)],
                }
            )
    rows.append(
        {
            "name": "临沧市演示第一人民医院",
            "credit_code": _code(99),
            "institution_type": "hospital",
            "region": "市本级",
            "level": "tertiary",
            "credit_rating": "A",
        }
    )
    return rows


def inspectors() -> list[dict]:
    units = [("临沧市医疗保障局", "市本级")] + [(f"{county}医疗保障局", county) for county in COUNTIES[:5]]
    rows = []
    for n in range(12):
        unit, region = units[n % len(units)]
        rows.append(
            {
                "name": f"演示检查员{n + 1:02d}",
                "unit": unit,
                "region": region,
                "certificate_number": f"YNYB{2026000 + n + 1}",
            }
        )
    return rows


DRAWN_PLAN = {
    "slug": "2026-batch-1",
    "title": "2026年第1批医保基金双随机抽查",
    "year": 2026,
    "batch": 1,
    "inspection_items": "医保基金使用情况\n医疗服务收费行为\n药品和医用耗材进销存",
    "scope": "全市在册的定点医疗机构和定点零售药店（按信用风险加权抽取）",
    "sampling_share": Decimal("10.00"),
    "period_start": datetime.date(2026, 3, 1),
    "period_end": datetime.date(2026, 5, 31),
    "legal_basis": "《医疗保障基金使用监督管理条例》第二十二条、第二十七条",
    "inspecting_units": "市医疗保障局\n各县（区）医疗保障局",
}


def load(index, first_time) -> list[str]:
    """The directories, then a plan committed, drawn and with its first results, as an editor would."""
    from disclosures.draw_service import DrawPlan, commit, run
    from disclosures.models import InspectedInstitution, InspectionItem, InspectionPlanPage, InspectionResult, Inspector
    from disclosures.models.directories import DEFAULT_RISK_WEIGHTS

    created = []
    if first_time("directories"):
        for code, name, basis, method in ITEMS:
            InspectionItem.objects.get_or_create(
                code=code, defaults={"name": name, "legal_basis": basis, "method": method}
            )
        for row in institutions():
            InspectedInstitution.objects.get_or_create(credit_code=row["credit_code"], defaults=row)
        for row in inspectors():
            Inspector.objects.get_or_create(certificate_number=row["certificate_number"], defaults=row)
        created.append("inspection directories: items, institutions, inspectors")
    if index is None or not first_time(f"drawn-plan:{DRAWN_PLAN['slug']}"):
        return created
    if index.get_children().filter(slug=DRAWN_PLAN["slug"]).exists():
        return created
    plan = InspectionPlanPage(**DRAWN_PLAN)
    index.add_child(instance=plan)
    plan.save_revision().publish()
    items = list(InspectionItem.objects.filter(code__in=["YB-01", "YB-02", "YB-03"]))
    draw = commit(plan, DrawPlan(items=items, share_percent=Decimal("10"), weights=DEFAULT_RISK_WEIGHTS), None)
    draw = run(draw, None)
    plan = InspectionPlanPage.objects.get(pk=plan.pk)
    first, second = draw.drawn_rows()[:2]
    plan.results = [
        _drawn_result(
            InspectionResult, first["object"], datetime.date(2026, 3, 17), "no_problem", follow_up="无需整改"
        ),
        _drawn_result(
            InspectionResult,
            second["object"],
            datetime.date(2026, 4, 8),
            "problem",
            findings="个别项目超标准收费",
            amount_recovered=Decimal("4820.00"),
            follow_up="已退回违规费用，限期整改中",
        ),
    ]
    plan.save_revision().publish()
    created.append(f"inspections: {plan.title} (drawn by the portal)")
    return created


def _drawn_result(model, row, day, outcome, **fields):
    return model(
        institution_code=row["code"],
        institution_name=row["name"],
        institution_type=row["type"],
        region=row["region"],
        inspection_date=day,
        items_checked="医保基金使用情况；医疗服务收费行为；药品和医用耗材进销存",
        outcome=outcome,
        **fields,
    )
