"""Random-inspection plans and their results. Pages are published under the default site's root
(or `parent`); results are saved straight to the live page, as publishing would leave them."""

import datetime
from decimal import Decimal

import factory

from disclosures.choices import InspectionOutcome, InstitutionType
from disclosures.models import InspectionIndexPage, InspectionPlanPage, InspectionResult, Measure
from tests.factories import PublishedPageFactory


class InspectionIndexPageFactory(PublishedPageFactory):
    class Meta:
        model = InspectionIndexPage

    title = "双随机抽查结果"
    slug = factory.Sequence(lambda n: f"inspections-{n}")
    intro = "医保基金双随机、一公开抽查计划和结果。"


class InspectionPlanPageFactory(PublishedPageFactory):
    """A plan; pass parent=<InspectionIndexPage>. The `low_share` trait gives a batch below the
    yearly 5%, `special` a campaign that draws a fifth of the institutions."""

    class Meta:
        model = InspectionPlanPage

    title = factory.LazyAttribute(lambda p: f"{p.year}年第{p.batch}批医保基金双随机抽查")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    year = 2025
    batch = factory.Sequence(lambda n: n % 9 + 1)
    inspection_items = "医保基金使用情况\n医疗服务收费行为\n药品和耗材进销存"
    scope = "全市定点医疗机构和定点零售药店"
    sampling_share = Decimal("5.00")
    period_start = factory.LazyAttribute(lambda p: datetime.date(p.year, 4, 1))
    period_end = factory.LazyAttribute(lambda p: datetime.date(p.year, 6, 30))
    legal_basis = "《医疗保障基金使用监督管理条例》第二十二条"
    inspecting_units = "市医疗保障局\n市医疗保障基金监管中心"
    objects_drawn = 4

    class Params:
        low_share = factory.Trait(sampling_share=Decimal("3.00"))
        special = factory.Trait(sampling_share=Decimal("20.00"))


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure
        # By name: the vocabulary may already hold it (names are unique).
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"措施{n}")
    slug = factory.Sequence(lambda n: f"test-measure-{n}")


class InspectionResultFactory(factory.django.DjangoModelFactory):
    """A result without problems; pass page=<InspectionPlanPage>. The `problem` trait gives one with
    findings, money and a follow-up; pass measures=[…] to attach measures taken."""

    class Meta:
        model = InspectionResult
        skip_postgeneration_save = True

    institution_name = factory.Sequence(lambda n: f"测试第{n}医院")
    institution_type = InstitutionType.HOSPITAL
    region = "临翔区"
    inspection_date = datetime.date(2025, 5, 12)
    items_checked = "住院病历、收费清单"
    outcome = InspectionOutcome.NO_PROBLEM
    findings = ""
    handling = ""
    amount_recovered = None
    fine = None
    follow_up = ""

    class Params:
        problem = factory.Trait(
            outcome=InspectionOutcome.PROBLEM,
            findings="超标准收费、重复收费",
            handling="已约谈医院负责人",
            amount_recovered=Decimal("12345.60"),
            fine=Decimal("24691.20"),
            follow_up="已整改到位",
        )

    @factory.post_generation
    def measures(self, create, extracted, **kwargs):
        if create and extracted:
            self.measures.set(extracted)
            self.save()
