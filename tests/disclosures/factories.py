import datetime
from decimal import Decimal

import factory

from disclosures.models import CaseIndexPage, CasePage, Measure, PolicyIndexPage, PolicyPage, ViolationCategory
from tests.factories import PublishedPageFactory


class PolicyIndexFactory(PublishedPageFactory):
    class Meta:
        model = PolicyIndexPage

    title = "政策文件"
    slug = factory.Sequence(lambda n: f"policies-{n}")


class PolicyFactory(PublishedPageFactory):
    class Meta:
        model = PolicyPage

    title = factory.Sequence(lambda n: f"关于加强医保基金监管的通知（第{n}号）")
    slug = factory.Sequence(lambda n: f"policy-{n}")
    document_number = factory.Sequence(lambda n: f"临医保发〔2025〕{n}号")
    issuing_body = "临沧市医疗保障局"
    region = "临沧市"
    date_issued = datetime.date(2025, 3, 1)
    topic = "supervision"
    validity = "valid"
    summary = "一份测试用的政策文件。"
    body = factory.LazyFunction(lambda: [("paragraph", "<p>正文内容。</p>")])


class CaseIndexFactory(PublishedPageFactory):
    class Meta:
        model = CaseIndexPage

    title = "典型案例曝光"
    slug = factory.Sequence(lambda n: f"cases-{n}")


def categories(*slugs):
    return list(ViolationCategory.objects.filter(slug__in=slugs))


def measures(*slugs):
    return list(Measure.objects.filter(slug__in=slugs))


class CaseFactory(PublishedPageFactory):
    class Meta:
        model = CasePage

    title = factory.Sequence(lambda n: f"某医院骗保案{n}")
    slug = factory.Sequence(lambda n: f"case-{n}")
    institution_name = "某医院"
    institution_type = "hospital"
    region = "临翔区"
    summary = "测试案例摘要。"
    facts = "<p>测试案例事实。</p>"
    amount_involved = Decimal("12345.67")
    amount_recovered = Decimal("12345.67")
    fine = Decimal("24691.34")
    decision_date = datetime.date(2025, 5, 1)
    categories = factory.LazyFunction(lambda: categories("phantom-inpatients"))
    measures = factory.LazyFunction(lambda: measures("recovery", "fine"))
    _relations = ("categories", "measures")
