"""``manage.py verify_audit``: walk the audit trail's hash chain (reports/audit.py).

Prints "Audit chain intact: N events." and the last event's sequence and hash (keep those elsewhere:
the chain alone cannot show events removed from its end), or exits non-zero naming the first bad
event by sequence, action and time, with the reason. Never prints an event's details.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import audit


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _action(action) -> str:
    # The action of a tampered row may hold anything: show it only if it still looks like an action.
    if isinstance(action, str) and len(action) <= audit.ACTION_MAX_LENGTH and audit.ACTION_PATTERN.fullmatch(action):
        return action
    return "invalid action name"


def _time(value) -> str:
    if value is None:
        return "(no time)"
    return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")


class Command(BaseCommand):
    help = (
        "Check the audit trail: recompute every event's hash and follow the chain; exit non-zero naming "
        "the first event that was changed, or that follows a removed one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=1000,
            help="events read from the database at a time (default: 1000)",
        )

    def handle(self, *args, **options):
        result = audit.verify_chain(batch_size=options["batch_size"])
        if not result.ok:
            raise CommandError(
                f"Audit chain broken at event {result.first_bad_sequence} "
                f"({_action(result.first_bad_action)}, {_time(result.first_bad_created_at)}): {result.reason}. "
                f"{result.checked} events checked."
            )
        self.stdout.write(f"Audit chain intact: {result.checked} events.")
        if result.last_sequence is not None:
            self.stdout.write(f"Last event: sequence {result.last_sequence}, hash {result.last_hash}.")
