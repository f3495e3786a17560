"""The directories a random inspection draws from (一单两库): the inspection-item list, the
inspected-object directory (designated institutions) and the inspector directory.

Editors keep them in the admin (snippets, with CSV/XLSX import and export). A draw never reads
them again after its commitment: it works on a frozen snapshot of the rows in scope."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.search import index

from disclosures.choices import InstitutionType
from disclosures.uscc import normalise, validate_uscc


class InstitutionLevel(models.TextChoices):
    TERTIARY = "tertiary", _("Tertiary")
    SECONDARY = "secondary", _("Secondary")
    PRIMARY = "primary", _("Primary")
    UNGRADED = "ungraded", _("Ungraded or not applicable")


class CreditRating(models.TextChoices):
    """Credit ratings of designated institutions, lowest risk first."""

    A = "A", _("A (trustworthy)")
    B = "B", _("B (basically trustworthy)")
    C = "C", _("C (untrustworthy)")
    D = "D", _("D (seriously untrustworthy)")
    UNRATED = "", _("Not rated")


# Higher risk, higher chance: the default weights a plan may use (and publish) when weighting by risk.
DEFAULT_RISK_WEIGHTS = {"A": 1, "B": 2, "C": 3, "D": 4, "": 2}


class InspectionItem(index.Indexed, models.Model):
    """One entry of the inspection-item list (抽查事项清单)."""

    code = models.CharField(_("item code"), max_length=30, unique=True)
    name = models.CharField(_("item"), max_length=200)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    method = models.CharField(_("inspection method"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("active")]),
        FieldPanel("name"),
        FieldPanel("legal_basis"),
        FieldPanel("method"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("active")]

    class Meta:
        ordering = ["code"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")

    def __str__(self):
        return f"{self.code} {self.name}"


class InspectedInstitution(index.Indexed, models.Model):
    """A designated institution in the inspected-object directory (检查对象名录库)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    institution_type = models.CharField(_("institution type"), max_length=20, choices=InstitutionType.choices)
    region = models.CharField(_("region"), max_length=40)
    level = models.CharField(
        _("level"), max_length=20, choices=InstitutionLevel.choices, default=InstitutionLevel.UNGRADED
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=1, choices=CreditRating.choices, blank=True, default=CreditRating.UNRATED
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Only active institutions can be drawn."))

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("credit_code")]),
        FieldRowPanel([FieldPanel("institution_type"), FieldPanel("region")]),
        FieldRowPanel([FieldPanel("level"), FieldPanel("credit_rating")]),
        FieldPanel("active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("credit_code"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["region", "name"]
        verbose_name = _("designated institution")
        verbose_name_plural = _("designated institutions")
        indexes = [models.Index(fields=["active", "institution_type", "region"], name="institution_scope_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.credit_code = normalise(self.credit_code)

    def snapshot(self) -> dict:
        """The row as a draw freezes and publishes it."""
        return {
            "code": self.credit_code,
            "name": self.name,
            "type": self.institution_type,
            "region": self.region,
            "level": self.level,
            "credit_rating": self.credit_rating,
        }


class Inspector(index.Indexed, models.Model):
    """A person in the inspector directory (执法检查人员名录库). Names stay in the admin: a published
    draw names inspectors by certificate number and unit only."""

    name = models.CharField(_("full name"), max_length=40)
    unit = models.CharField(_("work unit"), max_length=100)
    region = models.CharField(_("region"), max_length=40)
    certificate_number = models.CharField(_("certificate number"), max_length=30, unique=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Only active inspectors can be drawn."))

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("certificate_number")]),
        FieldRowPanel([FieldPanel("unit"), FieldPanel("region")]),
        FieldPanel("active"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("unit"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    def clean(self):
        super().clean()
        self.certificate_number = (self.certificate_number or "").strip().upper()

    def snapshot(self) -> dict:
        return {"certificate": self.certificate_number, "unit": self.unit, "region": self.region}
