"""Demo fund disclosures: eight quarters of consistent figures, invented and labelled as such on the page."""

from decimal import Decimal

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
