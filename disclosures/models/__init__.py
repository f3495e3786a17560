from .cases import CaseIndexPage, CasePage
from .directories import InspectedInstitution, InspectionItem, Inspector
from .draws import InspectionDraw
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
    "InspectedInstitution",
    "InspectionDraw",
    "InspectionIndexPage",
    "InspectionItem",
    "InspectionPlanPage",
    "InspectionResult",
    "Inspector",
    "Measure",
    "PolicyIndexPage",
    "PolicyPage",
    "RelatedPolicy",
    "ViolationCategory",
]
