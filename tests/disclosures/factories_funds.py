"""Fund income and expenditure disclosures. Pages are published under the default site's root
(or `parent`) with their fund rows, as the admin would publish them."""

from decimal import Decimal

import factory

from disclosures.choices import FundType, MoneyUnit, PeriodKind
from disclosures.models import FundDisclosureIndexPage, FundDisclosurePage, FundRow
from tests.factories import PublishedPageFactory

D = Decimal

# Employee and residents' funds of one quarter, in 万元; each balance is income minus expenditure.
DEFAULT_ROWS = [
    {
        "fund_type": FundType.EMPLOYEE,
        "income": D("123456.78"),
        "expenditure": D("100000.50"),
        "current_balance": D("23456.28"),
        "cumulative_balance": D("456789.01"),
    },
    {
        "fund_type": FundType.RESIDENT,
        "income": D("98765.40"),
        "expenditure": D("99000.00"),
        "current_balance": D("-234.60"),
        "cumulative_balance": D("12345.67"),
    },
]


def fund_row(fund_type=FundType.EMPLOYEE, income="100.00", expenditure="60.00", current_balance=None, **extra):
    """Field values of one row; the balance adds up unless given."""
    income, expenditure = D(income), D(expenditure)
    balance = income - expenditure if current_balance is None else D(current_balance)
    return {
        "fund_type": fund_type,
        "income": income,
        "expenditure": expenditure,
        "current_balance": balance,
        "cumulative_balance": D(extra.pop("cumulative_balance", "1000.00")),
        **extra,
    }


class FundDisclosureIndexPageFactory(PublishedPageFactory):
    class Meta:
        model = FundDisclosureIndexPage

    title = "基金收支信息披露"
    slug = factory.Sequence(lambda n: f"funds-{n}")
    intro = "医保基金收入、支出和结余情况。"


class FundDisclosurePageFactory(PublishedPageFactory):
    """A disclosure; pass parent=<FundDisclosureIndexPage> and rows=[fund_row(...), ...]
    (DEFAULT_ROWS unless given). Traits: `monthly`, `half_year`, `yearly`."""

    class Meta:
        model = FundDisclosurePage

    title = factory.Sequence(lambda n: f"医保基金收支情况公示{n}")
    slug = factory.Sequence(lambda n: f"fund-disclosure-{n}")
    period_year = 2025
    period_kind = PeriodKind.QUARTER
    period_number = 3
    region = "临沧市"
    unit = MoneyUnit.TEN_THOUSAND
    summary = "全市医保基金运行平稳。"
    source = "临沧市医疗保障局、临沧市财政局"
    rows = factory.LazyFunction(lambda: [dict(row) for row in DEFAULT_ROWS])
    _relations = ("rows",)

    @classmethod
    def relate(cls, page, rows=None):
        if rows is not None:
            page.rows = [FundRow(sort_order=i, **row) for i, row in enumerate(rows)]

    class Params:
        monthly = factory.Trait(period_kind=PeriodKind.MONTH, period_number=5)
        half_year = factory.Trait(period_kind=PeriodKind.HALF, period_number=1)
        yearly = factory.Trait(period_kind=PeriodKind.YEAR, period_number=None)
