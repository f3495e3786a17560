"""Re-run a plan's published draw and check it: ``manage.py verify_draw <plan>``.

<plan> is the plan page's id or slug, or, with ``--file``, a draw downloaded from the portal
(draw.json), so that the check does not have to trust this database either."""

import json

from django.core.management.base import BaseCommand, CommandError

from disclosures import draw as algorithm
from disclosures.models import InspectionDraw

NAMES = {
    "inputs_sha256": "inputs match the committed hash",
    "seed_sha256": "seed matches the committed hash",
    "same_result": "re-run gives the published selection",
}


class Command(BaseCommand):
    help = "Re-run a published random-inspection draw and check it against its commitment."

    def add_arguments(self, parser):
        parser.add_argument("plan", nargs="?", help="plan page id or slug")
        parser.add_argument("--file", help="a downloaded draw.json to check instead of the database")

    def handle(self, *args, plan=None, file=None, **options):
        if bool(plan) == bool(file):
            raise CommandError("Name a plan (id or slug) or give --file, not both.")
        published = self._from_file(file) if file else self._from_database(plan)
        if not published.get("seed"):
            raise CommandError("This plan is committed but not drawn yet: there is nothing to verify.")
        checks = algorithm.verify(published)
        for name, ok in checks:
            self.stdout.write(f"{'OK  ' if ok else 'FAIL'} {NAMES[name]}")
        if not all(ok for _, ok in checks):
            raise CommandError("The draw does not verify.")
        size = len(published["result"]["objects"])
        self.stdout.write(self.style.SUCCESS(f"Verified: the same {size} institutions and their inspectors."))

    def _from_file(self, file):
        try:
            with open(file, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error

    def _from_database(self, plan):
        lookup = {"plan_id": int(plan)} if plan.isdigit() else {"plan__slug": plan}
        draws = list(InspectionDraw.objects.filter(**lookup)[:2])
        if not draws:
            raise CommandError(f"No draw for plan {plan!r}.")
        if len(draws) > 1:
            raise CommandError(f"More than one plan has the slug {plan!r}: give its id.")
        return draws[0].published()
