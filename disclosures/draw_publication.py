"""What the public plan page and the verification page show of a draw."""

from django.utils.translation import gettext_lazy as _

from disclosures import draw as algorithm
from disclosures.choices import InstitutionType
from disclosures.models.directories import CreditRating, InstitutionLevel

# Above this many institutions the frozen directory is a download only, not a table on the page.
LISTED_SNAPSHOT_ROWS = 500

CHECK_LABELS = {
    "inputs_sha256": _("The published directories and parameters match the hash published before the draw."),
    "seed_sha256": _("The revealed seed matches the hash published before the draw."),
    "same_result": _("Re-running the draw from them gives the published selection."),
}


def _labels(values, choices):
    names = dict(choices)
    return [str(names.get(value, value)) for value in values]


def parameters(draw) -> dict:
    inputs = draw.inputs
    scope = inputs["scope"]
    weights = inputs.get("weights")
    ratings = dict(CreditRating.choices)
    return {
        "items": inputs["items"],
        "institution_types": _labels(scope["institution_types"], InstitutionType.choices),
        "regions": scope["regions"],
        "levels": _labels(scope["levels"], InstitutionLevel.choices),
        "credit_ratings": _labels(scope["credit_ratings"], CreditRating.choices),
        "share": inputs["share_percent"],
        "minimum": inputs["minimum_share_percent"],
        "per_object": inputs["inspectors_per_object"],
        "weights": [(str(ratings.get(r, r)), w) for r, w in sorted(weights.items(), key=lambda i: i[0] or "Z")]
        if weights
        else None,
        "object_count": len(inputs["objects"]),
        "inspector_count": len(inputs["inspectors"]),
        "listed": len(inputs["objects"]) <= LISTED_SNAPSHOT_ROWS,
    }


def plan_context(plan, draw, results=None) -> dict:
    """`results`: all of the plan's results when already in hand (else they are read)."""
    if draw is None:
        return {"draw": None}
    if results is not None:
        published_codes = {result.institution_code for result in results}
    else:
        published_codes = set(plan.results.values_list("institution_code", flat=True)) if plan.pk else set()
    types, levels, ratings = dict(InstitutionType.choices), dict(InstitutionLevel.choices), dict(CreditRating.choices)
    snapshot = [
        {
            **row,
            "type_label": types.get(row["type"]),
            "level_label": levels.get(row["level"]),
            "rating_label": ratings.get(row["credit_rating"]),
        }
        for row in draw.inputs["objects"]
    ]
    return {
        "draw": draw,
        "draw_parameters": parameters(draw),
        "draw_objects": snapshot,
        "draw_rows": [
            {
                **row,
                "type_label": types.get(row["object"]["type"]),
                "published": row["object"]["code"] in published_codes,
            }
            for row in draw.drawn_rows()
        ],
    }


def verification_context(draw) -> dict:
    published = draw.published()
    checks = [(CHECK_LABELS[name], ok) for name, ok in algorithm.verify(published)]
    try:
        rerun = algorithm.run(published["inputs"], published["seed"])["objects"]
    except algorithm.DrawError:
        rerun = []
    stored = (published["result"] or {}).get("objects", [])
    names = draw.objects_by_code()
    comparison = []
    for position in range(max(len(stored), len(rerun))):
        was = stored[position] if position < len(stored) else None
        now = rerun[position] if position < len(rerun) else None
        code = (was or now)["code"]
        comparison.append(
            {
                "position": position + 1,
                "name": names.get(code, {}).get("name", ""),
                "published": was,
                "rerun": now,
                "same": was == now,
            }
        )
    return {"draw": draw, "checks": checks, "all_ok": all(ok for _, ok in checks), "comparison": comparison}
