"""The random-inspection directories: items, institutions (with valid credit codes), inspectors."""

import factory

from disclosures.models import InspectedInstitution, InspectionItem, Inspector
from disclosures.uscc import check_character

REGIONS = ["临翔区", "凤庆县", "云县", "永德县", "镇康县"]


def credit_code(n: int) -> str:
    body = f"52530900{n:09d}"
    return body + check_character(body)


class InspectionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionItem

    code = factory.Sequence(lambda n: f"YB-{n:03d}")
    name = factory.Sequence(lambda n: f"抽查事项{n}")
    legal_basis = "《医疗保障基金使用监督管理条例》"


class InspectedInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectedInstitution

    name = factory.Sequence(lambda n: f"第{n}定点医疗机构")
    credit_code = factory.Sequence(credit_code)
    institution_type = "hospital"
    region = factory.Sequence(lambda n: REGIONS[n % len(REGIONS)])
    level = "primary"
    credit_rating = "B"


class InspectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspector

    name = factory.Sequence(lambda n: f"检查员{n}")
    unit = factory.Sequence(lambda n: f"{REGIONS[n % len(REGIONS)]}医疗保障局")
    region = factory.Sequence(lambda n: REGIONS[n % len(REGIONS)])
    certificate_number = factory.Sequence(lambda n: f"YB{n:06d}")
