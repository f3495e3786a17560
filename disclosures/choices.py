"""Fixed vocabularies of the publications. Codes are stable (filters, exports); labels are
translated. Violation categories and measures are data (see models.taxonomy), not listed here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Validity(models.TextChoices):
    VALID = "valid", _("In force")
    EXPIRED = "expired", _("Expired")
    REPEALED = "repealed", _("Repealed")


class PolicyTopic(models.TextChoices):
    SUPERVISION = "supervision", _("Fund supervision")
    BENEFITS = "benefits", _("Benefits")
    MEDICINES = "medicines", _("Medicines and services")
    AGENCY = "agency", _("Agency services")
    GENERAL = "general", _("General")


class InstitutionType(models.TextChoices):
    HOSPITAL = "hospital", _("Designated medical institution")
    PHARMACY = "pharmacy", _("Designated retail pharmacy")
    AGENCY = "agency", _("Insurance agency")
    EMPLOYER = "employer", _("Insured employer")
    INDIVIDUAL = "individual", _("Insured individual")
    OTHER = "other", _("Other")


class InspectionOutcome(models.TextChoices):
    NO_PROBLEM = "no_problem", _("No problem found")
    PROBLEM = "problem", _("Problem found")


class FundType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee basic medical insurance")
    RESIDENT = "resident", _("Urban and rural residents' basic medical insurance")
    MATERNITY = "maternity", _("Maternity insurance")
    ASSISTANCE = "assistance", _("Medical assistance")
    CRITICAL_ILLNESS = "critical_illness", _("Critical illness insurance")
    CIVIL_SERVANT = "civil_servant", _("Civil servants' medical subsidy")
    LONG_TERM_CARE = "long_term_care", _("Long-term care insurance")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half year")
    YEAR = "year", _("Year")


class MoneyUnit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    TEN_THOUSAND = "wan", _("10,000 yuan")
    HUNDRED_MILLION = "yi", _("100 million yuan")
