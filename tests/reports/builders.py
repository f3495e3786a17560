"""Reports and files for the intake tests."""

from tests.reports.test_evidence import photo, simple_pdf

__all__ = ["make_submission", "photo", "simple_pdf"]


def make_submission(**overrides):
    """A complete anonymous submission with every text field filled."""
    from disclosures.models import ViolationCategory
    from reports.intake import Submission

    values = {
        "party_type": "institution",
        "party_name": "某县第一人民医院",
        "region": "临翔区",
        "category_ids": list(ViolationCategory.objects.filter(slug="phantom-inpatients").values_list("pk", flat=True)),
        "description": "住院部有多名病人白天不在病房，只在夜间回来签字，怀疑挂床住院。",
    }
    values.update(overrides)
    return Submission(**values)
