"""Committing and running the draw of an inspection plan, as the admin and the tests do it."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosures import draw as algorithm
from disclosures.models import InspectedInstitution, InspectionDraw, InspectionItem, Inspector
from reports import audit


class DrawRefused(Exception):
    """A step the draw cannot take now; the message is for the editor, in their language."""


@dataclass
class DrawPlan:
    """What an editor chooses before the commitment."""

    items: list = field(default_factory=list)  # InspectionItem instances
    institution_types: list[str] = field(default_factory=list)  # empty: every type
    regions: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    credit_ratings: list[str] = field(default_factory=list)
    share_percent: Decimal = Decimal("5")
    inspectors_per_object: int = 2
    weights: dict | None = None  # credit rating → weight, or None for equal chances


def minimum_share() -> Decimal:
    return Decimal(str(settings.PORTAL_INSPECTION_MIN_SHARE))


def objects_in_scope(choice: DrawPlan):
    queryset = InspectedInstitution.objects.filter(active=True)
    for name, values in (
        ("institution_type__in", choice.institution_types),
        ("region__in", choice.regions),
        ("level__in", choice.levels),
        ("credit_rating__in", choice.credit_ratings),
    ):
        if values:
            queryset = queryset.filter(**{name: values})
    return queryset.order_by("credit_code")


def active_inspectors():
    return Inspector.objects.filter(active=True).order_by("certificate_number")


def build_inputs(plan, choice: DrawPlan) -> dict:
    """The canonical inputs of a draw: parameters and frozen directory snapshots, sorted by key."""
    return {
        "format": algorithm.FORMAT,
        "plan": {"id": plan.pk, "title": plan.title, "year": plan.year, "batch": plan.batch},
        "items": [{"code": item.code, "name": item.name} for item in sorted(choice.items, key=lambda i: i.code)],
        "scope": {
            "institution_types": sorted(choice.institution_types),
            "regions": sorted(choice.regions),
            "levels": sorted(choice.levels),
            "credit_ratings": sorted(choice.credit_ratings),
        },
        "share_percent": str(choice.share_percent),
        "minimum_share_percent": str(minimum_share()),
        "inspectors_per_object": choice.inspectors_per_object,
        "weights": dict(choice.weights) if choice.weights else None,
        "exclusions": ["same_region", "own_unit"],
        "objects": [row.snapshot() for row in objects_in_scope(choice)],
        "inspectors": [row.snapshot() for row in active_inspectors()],
    }


def commit(plan, choice: DrawPlan, user) -> InspectionDraw:
    """Freeze the inputs, generate the seed and record both hashes. The seed stays unpublished
    until ``run``; the commitment is public as soon as the plan page is live."""
    if not choice.items:
        raise DrawRefused(_("Choose at least one inspection item."))
    inputs = build_inputs(plan, choice)
    try:
        algorithm.check_inputs(inputs)
    except algorithm.DrawError as error:
        raise DrawRefused(_refusal(error, inputs)) from error
    seed = algorithm.new_seed()
    promised = algorithm.commitment(inputs, seed)
    try:
        with transaction.atomic():
            draw = InspectionDraw.objects.create(
                plan=plan,
                inputs=inputs,
                seed=seed,
                committed_at=timezone.now(),
                committed_by=user,
                **promised,
            )
            audit.record(
                "inspection.draw.commit",
                actor=user,
                plan=plan.pk,
                objects=len(inputs["objects"]),
                inspectors=len(inputs["inspectors"]),
                **promised,
            )
    except IntegrityError as error:
        raise DrawRefused(_("This plan already has a committed draw.")) from error
    return draw


def run(draw: InspectionDraw, user) -> InspectionDraw:
    """Reveal the seed and draw. Only once, and only after the commitment has been public."""
    with transaction.atomic():
        draw = InspectionDraw.objects.select_for_update().select_related("plan").get(pk=draw.pk)
        if draw.is_drawn:
            raise DrawRefused(_("This plan has already been drawn."))
        if not draw.plan.live:
            raise DrawRefused(_("Publish the plan page first: its commitment must be public before the draw."))
        if algorithm.commitment(draw.inputs, draw.seed) != draw.commitment():
            raise DrawRefused(_("The stored inputs or seed no longer match the commitment. Do not draw; report it."))
        result = algorithm.run(draw.inputs, draw.seed)
        draw.result, draw.size = result, result["size"]
        draw.drawn_at, draw.drawn_by = timezone.now(), user
        draw.save(update_fields=["result", "size", "drawn_at", "drawn_by"])
        audit.record(
            "inspection.draw.run",
            actor=user,
            plan=draw.plan_id,
            seed=draw.seed,
            inputs_sha256=draw.inputs_sha256,
            result_sha256=algorithm.sha256_hex(algorithm.canonical(result)),
            size=draw.size,
        )
    return draw


def _refusal(error: algorithm.DrawError, inputs: dict) -> str:
    messages = {
        "below_minimum": _("The share cannot be below the minimum of %(minimum)s%%.")
        % {"minimum": inputs["minimum_share_percent"]},
        "share": _("The share is a percentage: more than 0 and at most 100."),
        "per_object": _("Each object needs at least one inspector."),
        "no_objects": _("No active institution is in this scope: widen it or update the directory."),
        "too_few_inspectors": _(
            "%(needed)s inspectors per object are needed, but only %(count)s active inspectors are in the directory."
        )
        % {"needed": inputs["inspectors_per_object"], "count": len(inputs["inspectors"])},
        "weights": _("Every credit rating needs a whole-number weight of at least 1."),
    }
    return messages.get(error.code, str(error))


def items_in_use():
    return InspectionItem.objects.filter(active=True).order_by("code")
