"""The public description of every download (/open-data/): which datasets exist, where to get
them, and what each column means. Column lists come from the export code itself, so the page
cannot drift from the files."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

COLUMN_DESCRIPTIONS = {
    "title": _("Title of the page"),
    "url": _("Address of the page on this site"),
    "region": _("Region"),
    "document_number": _("Document number (文号)"),
    "index_number": _("Index number (索引号)"),
    "issuing_body": _("Issuing body"),
    "date_issued": _("Date issued"),
    "date_written": _("Date written"),
    "topic": _("Topic"),
    "validity": _("Validity: in force, expired or repealed"),
    "institution": _("Institution or person concerned (a person's given name is masked)"),
    "institution_type": _("Type of institution"),
    "violation_categories": _("Violation categories, separated by semicolons"),
    "conduct_period": _("When the conduct took place"),
    "amount_involved": _("Amount involved, in yuan"),
    "amount_recovered": _("Amount recovered, in yuan (for a plan: the total of its results)"),
    "fine": _("Fine, in yuan (for a plan: the total of its results)"),
    "liquidated_damages": _("Liquidated damages, in yuan"),
    "measures": _("Measures taken, separated by semicolons"),
    "decision_date": _("Date of the decision"),
    "legal_basis": _("Legal basis"),
    "plan": _("Name of the inspection plan"),
    "year": _("Year"),
    "batch": _("Batch within the year"),
    "sampling_share": _("Share of the institutions in scope that were drawn, in percent"),
    "period_start": _("First day of the inspection period"),
    "period_end": _("Last day of the inspection period"),
    "objects_drawn": _("Number of institutions drawn"),
    "results_published": _("Number of results published"),
    "problems_found": _("Number of institutions where a problem was found"),
    "inspection_items": _("Inspection items, separated by semicolons"),
    "scope": _("Which institutions the draw was made from"),
    "inspecting_units": _("Inspecting units, separated by semicolons"),
    "inspection_date": _("Date of the inspection"),
    "items_checked": _("What was checked"),
    "outcome": _("Outcome: no problem found or problem found"),
    "findings": _("What was found"),
    "handling": _("Handling: measures taken and notes, separated by semicolons"),
    "follow_up": _("Follow-up status"),
    "period": _("Period code: 2025-Q3 (quarter), 2025-05 (month), 2025-H1 (half year), 2025 (year)"),
    "fund_type": _("Fund"),
    "income": _("Income of the period"),
    "expenditure": _("Expenditure of the period"),
    "current_balance": _("Current balance: income minus expenditure"),
    "cumulative_balance": _("Cumulative balance at the end of the period"),
    "unit": _("Unit of the amounts in the row"),
}


@dataclass(frozen=True)
class Dataset:
    title: str
    where: str
    columns: list[tuple[str, str]]


def datasets() -> list[Dataset]:
    from disclosures.models import CasePage, FundDisclosurePage, InspectionPlanPage, PolicyPage

    def described(columns):
        return [(column.key, COLUMN_DESCRIPTIONS[column.key]) for column in columns]

    return [
        Dataset(_("Policy documents"), _("The policy index"), described(PolicyPage.export_columns())),
        Dataset(_("Exposed cases"), _("The exposed case index"), described(CasePage.export_columns())),
        Dataset(
            _("Random inspection plans"),
            _("The random inspection index"),
            described(InspectionPlanPage.export_columns()),
        ),
        Dataset(
            _("Results of one inspection plan"),
            _("Each inspection plan page"),
            described(InspectionPlanPage().result_columns()),
        ),
        Dataset(
            _("Fund income and expenditure"),
            _("The fund disclosure index (all periods listed) and each disclosure page"),
            described(FundDisclosurePage.export_columns()),
        ),
    ]
