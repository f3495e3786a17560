"""The reward a scheme gives, for staff answering telephone questions (issue 7).

    manage.py reward_quote --scheme hefei-2023 --case-value 20000 --subject individual
    manage.py reward_quote --scheme guangdong-2022 --case-value 100000 --grade 2 --insider --json

The version in force on ``--date`` (a Beijing date, today by default) applies. The same calculation as
every decision: ``reports.rewards.calculate_reward``. Reads only; writes nothing, audits nothing.
"""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.deadlines import local_date
from reports.reward_models import NoVersionInForce, RewardScheme
from reports.rewards import RewardInputError, SchemeRules, Subject, calculate_reward


def _case_value(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise CommandError(f"--case-value: {text!r} is not an amount in yuan.") from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date: {text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Print the reward a scheme gives for a case value, with its reasoning."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", required=True, help="The scheme's code (slug), e.g. hefei-2023.")
        parser.add_argument("--case-value", required=True, type=_case_value, help="Confirmed loss in yuan.")
        parser.add_argument("--grade", type=int, help="Evidence grade (grade-based schemes).")
        parser.add_argument("--subject", choices=Subject.ALL, help="Who caused the loss (subject-based schemes).")
        parser.add_argument(
            "--insider", action="store_true", help="The reporter is or was staff of the reported party."
        )
        parser.add_argument("--date", type=_day, help="Date the report was received (Beijing), default today.")
        parser.add_argument("--json", action="store_true", help="Print JSON; the amount is a string.")

    def handle(self, *args, **options):
        try:
            scheme = RewardScheme.objects.get(slug=options["scheme"])
        except RewardScheme.DoesNotExist:
            known = ", ".join(RewardScheme.objects.values_list("slug", flat=True))
            raise CommandError(f"No scheme {options['scheme']!r} (known: {known or 'none'}).") from None
        day = options["date"] or local_date(timezone.now())
        try:
            version = scheme.version_on(day)
            quote = calculate_reward(
                SchemeRules.from_version(version),
                options["case_value"],
                grade=options["grade"],
                subject_type=options["subject"],
                insider=options["insider"],
            )
        except (NoVersionInForce, RewardInputError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            data = {**quote.as_dict(), "date": day.isoformat(), "illustrative": scheme.illustrative}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{quote.amount}")
        for line in quote.lines:
            self.stdout.write(f"  {line}")
