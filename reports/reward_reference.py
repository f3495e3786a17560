"""The reward schemes the portal ships with (reference data, like the violation categories).

Migration reports/0007_reward_schemes loads them once with ``ensure_reference_schemes``; reward
reviewers then manage them in the admin (a change is a new version). Figures from shared/DOMAIN.md,
"Rewards (举报奖励)". Amounts and shares are strings: they are read as ``Decimal``, never as floats.
"""

from datetime import date

NATIONAL_BASIS = "《违法违规使用医疗保障基金举报奖励办法》（医保办发〔2022〕22号）"

ILLUSTRATIVE_NOTE = "示例方案，仅用于演示计算方法，不是任何地区的实际规定"

REFERENCE_SCHEMES = [
    {
        "slug": "guangdong-2022",
        "name": "广东省举报奖励（2022年征求意见稿）",
        "region": "广东省",
        "legal_basis": f"广东省医疗保障基金违法违规行为举报奖励实施细则（征求意见稿）2022；{NATIONAL_BASIS}",
        "illustrative": False,
        "illustrative_note": "",
        "version": {
            "valid_from": date(2022, 1, 1),
            "floor": "200",
            "cap": "200000",
            "rounding": "half_up",
            "kind": "grade",
            "rules": {
                "grades": [
                    {"grade": 1, "share": "0.03", "floor": "400"},
                    {"grade": 2, "share": "0.02", "floor": "300"},
                    {"grade": 3, "share": "0.01", "floor": "200"},
                ],
                "insider_bonus": "0.20",
            },
        },
    },
    {
        "slug": "hefei-2023",
        "name": "合肥市举报奖励（2023年）",
        "region": "安徽省合肥市",
        # DOMAIN.md names no document title or number for the Hefei rule; do not invent one.
        "legal_basis": f"合肥市2023年医疗保障基金举报奖励规定（文件全称和文号待核实）；{NATIONAL_BASIS}",
        "illustrative": False,
        "illustrative_note": "",
        "version": {
            "valid_from": date(2023, 1, 1),
            "floor": "500",
            "cap": "200000",
            "rounding": "half_up",
            "kind": "subject",
            "rules": {
                "institution": [
                    {"up_to": "500000", "share": "0.02", "floor": "500"},
                    {"up_to": None, "share": "0.04"},
                ],
                "individual": [
                    {"up_to": "10000", "share": "0.10", "floor": "500"},
                    {"up_to": None, "share": "0.10", "bonus": "500"},
                ],
                "floor": "500",
            },
        },
    },
    {
        "slug": "example-brackets",
        "name": "分段累计示例方案",
        "region": "示例",
        "legal_basis": (
            f"无（示例方案）。分段累计的计算方式见海南省2023年规定；本方案的分段和比例均为虚构。{NATIONAL_BASIS}"
        ),
        "illustrative": True,
        "illustrative_note": ILLUSTRATIVE_NOTE,
        "version": {
            "valid_from": date(2022, 1, 1),
            "floor": "200",
            "cap": "200000",
            "rounding": "half_up",
            "kind": "brackets",
            "rules": {
                "brackets": [
                    {"up_to": "100000", "share": "0.05"},
                    {"up_to": "500000", "share": "0.03"},
                    {"up_to": None, "share": "0.01"},
                ]
            },
        },
    },
]


def ensure_reference_schemes(apps, schemes=None):
    """Create each scheme that is missing (by slug) with its first version. Never changes or deletes an
    existing scheme or version, so running it again changes nothing and an administrator's changes
    stay. ``apps``: the historical registry in a migration (no custom ``save``), Django's otherwise."""
    RewardScheme = apps.get_model("reports", "RewardScheme")
    RewardSchemeVersion = apps.get_model("reports", "RewardSchemeVersion")
    for spec in REFERENCE_SCHEMES if schemes is None else schemes:
        fields = {key: value for key, value in spec.items() if key not in ("slug", "version")}
        scheme, created = RewardScheme.objects.get_or_create(slug=spec["slug"], defaults=fields)
        if created:
            RewardSchemeVersion.objects.create(scheme=scheme, number=1, valid_until=None, **spec["version"])
