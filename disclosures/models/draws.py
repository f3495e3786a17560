"""The verifiable draw of one inspection plan: its committed inputs, its seed and its result.

Created at the commitment (inputs frozen, seed generated, both hashed) and completed once by the
draw (seed revealed, result stored). Nothing in it changes afterwards; the audit chain records both
steps with the hashes, so a changed row no longer matches what was recorded and published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from disclosures import draw as algorithm


class InspectionDraw(models.Model):
    plan = models.OneToOneField(
        "disclosures.InspectionPlanPage", related_name="draw", on_delete=models.CASCADE, verbose_name=_("plan")
    )
    inputs = models.JSONField(_("inputs"))
    inputs_sha256 = models.CharField(_("SHA-256 of the inputs"), max_length=64)
    seed = models.CharField(_("seed"), max_length=64)
    seed_sha256 = models.CharField(_("SHA-256 of the seed"), max_length=64)
    committed_at = models.DateTimeField(_("committed at"))
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    size = models.PositiveIntegerField(_("objects drawn"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("inspection draw")
        verbose_name_plural = _("inspection draws")

    def __str__(self):
        return str(self.plan)

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None

    def commitment(self) -> dict:
        return {"inputs_sha256": self.inputs_sha256, "seed_sha256": self.seed_sha256}

    def published(self) -> dict:
        """Everything anyone needs to re-run the draw; the seed only once it has been drawn."""
        return {
            "inputs": self.inputs,
            "commitment": self.commitment(),
            "committed_at": self.committed_at.isoformat(),
            "seed": self.seed if self.is_drawn else None,
            "drawn_at": self.drawn_at.isoformat() if self.is_drawn else None,
            "result": self.result,
        }

    def verify(self) -> list[tuple[str, bool]]:
        return algorithm.verify(self.published())

    def objects_by_code(self) -> dict:
        return {row["code"]: row for row in self.inputs["objects"]}

    def inspectors_by_certificate(self) -> dict:
        return {row["certificate"]: row for row in self.inputs["inspectors"]}

    def drawn_rows(self) -> list[dict]:
        """The drawn objects in order, each with its snapshot row and its inspectors' rows."""
        if not self.is_drawn:
            return []
        objects, inspectors = self.objects_by_code(), self.inspectors_by_certificate()
        return [
            {
                "position": position,
                "object": objects[row["code"]],
                "inspectors": [inspectors[c] for c in row["inspectors"]],
                "conflicts_left": row["conflicts_left"],
            }
            for position, row in enumerate(self.result["objects"], start=1)
        ]

    def drawn_codes(self) -> list[str]:
        return [row["code"] for row in self.result["objects"]] if self.is_drawn else []
