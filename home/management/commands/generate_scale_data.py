"""``manage.py generate_scale_data --pages N --reports M``: fake volume for benchmarks.

Pages (``home/scale_pages.py``): N published, searchable disclosure pages of every kind under the
existing index pages (the demo loader creates them when missing), and the inspection directories
they draw on. Reports (``reports/scale_reports.py``): M reports sealed with the real encryption
under the configured keyring, spread over every status, region, category and the years 2019 to
yesterday, with their case fields, deadlines and numbers.

Generated reports have NO tracking code: the scrypt wrap under a code costs over 100 ms a report
(hours for 100,000), so each gets a random, unique lookup digest that no code opens instead.
Staff open them with the keyring as any other report.

The run appends one audit event, ``scale_data.generate``, with the counts and the seed (not one
event per report: intake writes none either), so the trail shows that fake data was written.

It writes fake data: refused unless DEBUG is on or ``--i-know-this-is-not-production`` is given.
Running it again adds more (slugs, numbers and codes never clash). The same ``--seed`` on the same
database state and day gives the same content; keys, ids and digests are random every time.
Output is counts and times only, never content.
"""

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from home import scale_pages
from reports import audit, crypto, keys, receipts, scale_reports

SAFETY_FLAG = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = (
        "Generate fake scale data for benchmarks: --pages published disclosure pages (with inspection "
        "directories) and --reports encrypted reports over every status, region, category and year "
        "2019-now. Generated reports have no tracking code (a random lookup value that no code opens "
        "replaces the 100+ ms scrypt wrap per report); staff open them with the keyring. Writes one audit "
        "event with the counts. Refused unless DEBUG or " + SAFETY_FLAG + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=0, help="How many pages to publish (default 0).")
        parser.add_argument("--reports", type=int, default=0, help="How many reports to store (default 0).")
        parser.add_argument(
            "--seed",
            default=None,
            help="Seed of the fake content: the same seed gives the same content (default: a random seed, printed).",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per insert transaction (default 2000).")
        parser.add_argument(
            SAFETY_FLAG,
            action="store_true",
            dest="not_production",
            help="Run even with DEBUG off. Only on a database that is not production: this writes fake data.",
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or options["not_production"]):
            raise CommandError(
                f"This writes fake pages and reports. It runs only with DEBUG on, or with {SAFETY_FLAG} "
                "on a database that is not production."
            )
        pages, reports, batch_size = options["pages"], options["reports"], options["batch_size"]
        if pages < 0 or reports < 0:
            raise CommandError("--pages and --reports cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        seed = options["seed"] if options["seed"] is not None else str(secrets.randbelow(10**9))
        # Nothing is dated today or later: yesterday in Beijing is the last day with content.
        until = timezone.localdate() - timedelta(days=1)
        self.stdout.write(f"seed {seed}; content dated up to {until.isoformat()}")

        started = self.started = time.monotonic()
        if reports:
            self._check_keys()

        try:
            page_counts = scale_pages.generate_pages(
                pages, seed=seed, until=until, batch_size=batch_size, progress=self._progress
            )
        except scale_pages.ScaleDataError as exc:
            raise CommandError(str(exc)) from exc
        pages_done = time.monotonic()
        try:
            report_counts = scale_reports.generate_reports(
                reports, seed=seed, until=until, batch_size=batch_size, progress=self._progress
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        reports_done = time.monotonic()

        summary = {**page_counts.as_dict(), **report_counts.as_dict()}
        with transaction.atomic():
            audit.record("scale_data.generate", seed=str(seed), **summary)
        # Planner statistics for the new rows: autovacuum would gather them only later, and until
        # then PostgreSQL plans as if the tables were empty (a search read every page row by row).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        self.stdout.write("")
        for name, value in summary.items():
            self.stdout.write(f"{name:>24}: {value}")
        self.stdout.write(
            self.style.SUCCESS(
                f"done in {reports_done - started:.1f} s "
                f"(pages {pages_done - started:.1f} s, reports {reports_done - pages_done:.1f} s)"
            )
        )

    def _progress(self, label: str, done: int, total: int) -> None:
        # With DEBUG on, Django keeps the SQL of every query (9,000 at most): bulk inserts of sealed
        # blobs would hold hundreds of megabytes. Nothing here needs them.
        reset_queries()
        self.stdout.write(f"  {label}: {done}/{total} ({time.monotonic() - self.started:.1f} s)")
        self.stdout.flush()

    def _check_keys(self) -> None:
        """Reports need the keyring to wrap to and the receipt keys to sign with."""
        try:
            keys.intake_keyring()
            receipts.receipt_keys()
        except (OSError, crypto.KeyringError, receipts.ReceiptKeyError) as exc:
            raise CommandError(
                f"Reports need the keyring (PORTAL_KEYRING) and the receipt keys (PORTAL_RECEIPT_KEYS): {exc}. "
                "In development run `manage.py ensure_dev_keyring` first."
            ) from exc
