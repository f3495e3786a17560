from .cases import CaseIndexPage, CasePage
from .funds import FundDisclosureIndexPage, FundDisclosurePage, FundRow
from .inspections import InspectionIndexPage, InspectionPlanPage, InspectionResult
from .policy import PolicyIndexPage, PolicyPage, RelatedPolicy
from .taxonomy import Measure, ViolationCategory

__all__ = [
    "CaseIndexPage",
    "CasePage",
    "FundDisclosureIndexPage",
    "FundDisclosurePage",
    "FundRow",
    "InspectionIndexPage",
    "InspectionPlanPage",
    "InspectionResult",
    "Measure",
    "PolicyIndexPage",
    "PolicyPage",
    "RelatedPolicy",
    "ViolationCategory",
]
