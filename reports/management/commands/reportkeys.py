"""Key management for the encrypted report intake: ``manage.py reportkeys <subcommand>``.

A rotation, start to finish (docs/architecture.md, "Report encryption (core)"; ``crypto.rotate``)::

    reportkeys rotate              # new key pair, saved first; rewraps every report's data key
    (copy <keyring>.public to every public node)
    reportkeys rotate --resume     # rewraps the reports the public nodes took meanwhile
    reportkeys check               # every report opens with the keyring
    reportkeys retire <old key id> # deletes the old private key

Content is never re-encrypted: only each report's ``staff_key_wrap`` (80 bytes) changes. Output
names report numbers, key ids and field names, never content; nothing here logs.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reports import crypto, keys
from reports.audit import record
from reports.models import EvidenceFile, Report, ReportMessage

DEFAULT_BATCH_SIZE = 500


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _label(number: str | None, pk) -> str:
    """How a report is named in output: its public number (or its id in the instant before it has
    one), never anything of its content."""
    return f"report {number}" if number else f"report without number (id {pk})"


class Command(BaseCommand):
    help = (
        "Manage the bureau's report keyring: generate it, rotate to a new key (rewrapping every report's "
        "data key), retire an old private key, and check that every report still opens."
    )

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", metavar="{generate,rotate,retire,check}")
        subcommands.required = True

        def common(subparser):
            subparser.add_argument(
                "--path", help="the keyring file (default: settings.PORTAL_KEYRING)", metavar="KEYRING"
            )
            subparser.add_argument(
                "--passphrase-file",
                metavar="FILE",
                help="file holding the keyring passphrase (default: settings.PORTAL_KEYRING_PASSPHRASE_FILE, "
                "else no passphrase)",
            )

        generate = subcommands.add_parser(
            "generate",
            help="create the keyring and its public export <path>.public; refuses to replace either",
        )
        common(generate)

        rotate = subcommands.add_parser(
            "rotate",
            help="add a new current key, save the keyring and its public export, then rewrap every report's "
            "data key to the new key",
        )
        common(rotate)
        rotate.add_argument(
            "--resume",
            action="store_true",
            help="add no key: rewrap the reports not yet wrapped to the current key (after an interrupted "
            "rotation, or for reports the public nodes took before they got the new public export)",
        )
        rotate.add_argument(
            "--batch-size",
            type=_positive,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"reports rewrapped per transaction (default {DEFAULT_BATCH_SIZE})",
        )

        retire = subcommands.add_parser(
            "retire",
            help="delete an old key's private half from the keyring; refused while any report is wrapped to it",
        )
        retire.add_argument("key_id", help="the key to retire (x25519-...)")
        common(retire)

        check = subcommands.add_parser(
            "check",
            help="open every sealed field and file of every report with the keyring; exits non-zero on any failure",
        )
        common(check)
        check.add_argument(
            "--batch-size",
            type=_positive,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"reports read from the database at a time (default {DEFAULT_BATCH_SIZE})",
        )

    # --- shared ------------------------------------------------------------------------------

    def handle(self, *args, subcommand, **options):
        if settings.PORTAL_ROLE == "public":
            raise CommandError(
                "PORTAL_ROLE is 'public': a public node never holds the bureau's private keys. Run reportkeys on "
                "the staff tier, then give public nodes only the <keyring>.public file."
            )
        self.path = Path(options["path"] or settings.PORTAL_KEYRING)
        self.passphrase = self._read_passphrase(options["passphrase_file"])
        # Every key operation leaves an audit event, whether it succeeded or not.
        try:
            getattr(self, f"_{subcommand}")(**options)
        except crypto.KeyringError as exc:
            self._audit(subcommand, ok=False)
            raise CommandError(str(exc)) from exc
        except CommandError:
            self._audit(subcommand, ok=False)
            raise
        self._audit(subcommand, ok=True)

    def _audit(self, subcommand: str, *, ok: bool) -> None:
        record(f"keys.{subcommand}", operator=getpass.getuser(), keyring=str(self.path), ok=ok)

    def _read_passphrase(self, option: str | None) -> str | None:
        source = option or getattr(settings, "PORTAL_KEYRING_PASSPHRASE_FILE", "")
        if not source:
            return None
        try:
            passphrase = Path(source).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CommandError(f"cannot read the passphrase file {source}: {exc.strerror}") from exc
        if not passphrase:
            raise CommandError(f"the passphrase file {source} is empty")
        return passphrase

    def _load(self) -> crypto.Keyring:
        return crypto.load_keyring(self.path, self.passphrase)

    # --- generate ----------------------------------------------------------------------------

    def _generate(self, **options):
        public_path = crypto.public_keyring_path(self.path)
        if public_path.exists():
            raise CommandError(f"{public_path} already exists; refusing to replace a public export")
        keyring = crypto.generate_keyring(self.path, self.passphrase)
        crypto.write_public_keyring(keyring, public_path)
        keys.forget_loaded_keys()
        self.stdout.write(f"Keyring created at {self.path} with key {keyring.current_id}.")
        if self.passphrase is None:
            self.stdout.write(
                self.style.WARNING(
                    "Its private key is NOT passphrase-protected: keep the file mode 0600 on the staff tier only."
                )
            )
        else:
            self.stdout.write("Its private key is protected by the passphrase.")
        self.stdout.write(f"Public export: {public_path}")
        self.stdout.write(
            "Public-role nodes get only the .public file (their PORTAL_KEYRING points to it); never copy the "
            "keyring itself to them."
        )

    # --- rotate ------------------------------------------------------------------------------

    def _rotate(self, *, resume, batch_size, **options):
        keyring = self._load()
        if resume:
            self.stdout.write(f"Resuming: rewrapping report keys to the current key {keyring.current_id}.")
        else:
            previous = keyring.current_id
            crypto.rotate(keyring)
            # The new keyring (old private keys still in it) is on disk before any report depends on it.
            crypto.save_keyring(keyring, self.path, passphrase=self.passphrase)
            crypto.write_public_keyring(keyring, crypto.public_keyring_path(self.path))
            keys.forget_loaded_keys()
            self.stdout.write(f"New current key {keyring.current_id} (previous: {previous}); keyring saved.")
            self.stdout.write(f"Public export updated: {crypto.public_keyring_path(self.path)}")

        try:
            rewrapped, current, failures = self._rewrap_all(keyring, batch_size)
        finally:
            keys.forget_loaded_keys()

        self.stdout.write(f"Rewrapped: {rewrapped}. Already wrapped to the current key: {current}.")
        if failures:
            for label, problem in failures:
                self.stderr.write(f"{label}: staff_key_wrap: {problem}")
            raise CommandError(
                f"{len(failures)} report key(s) could not be rewrapped (listed above); the others were. Run "
                "`reportkeys check`, and do not retire the old key until these are resolved."
            )
        self.stdout.write(
            "Next: copy the public export to every public node, run `reportkeys rotate --resume` once they use "
            "it (for reports they took meanwhile), then `reportkeys check`, then `reportkeys retire <old key id>`."
        )

    def _rewrap_all(self, keyring: crypto.Keyring, batch_size: int):
        """Rewrap every staff_key_wrap not yet wrapped to the current key, in batches of locked rows
        (keyset pagination by primary key, so each batch is one short transaction)."""
        target = keyring.current_id
        rewrapped = current = 0
        failures = []
        last_pk = None
        while True:
            with transaction.atomic():
                rows = Report.objects.select_for_update().only("id", "number", "staff_key_wrap").order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1].pk
                changed = []
                for report in batch:
                    wrapped = bytes(report.staff_key_wrap)
                    try:
                        if crypto.wrapped_key_id(wrapped) == target:
                            current += 1
                            continue
                        report.staff_key_wrap = crypto.rewrap(wrapped, keyring, keyring, report_id=report.report_id)
                    except crypto.KeyringError as exc:
                        failures.append((_label(report.number, report.pk), str(exc)))
                        continue
                    except crypto.DecryptionError:
                        failures.append((_label(report.number, report.pk), "damaged, or not this report's key"))
                        continue
                    changed.append(report)
                if changed:
                    # bulk_update leaves updated_at alone: the report did not change for its reader.
                    Report.objects.bulk_update(changed, ["staff_key_wrap"])
                    rewrapped += len(changed)
        return rewrapped, current, failures

    # --- retire ------------------------------------------------------------------------------

    def _still_wrapped_to(self, key_id: str) -> tuple[int, int]:
        """How many reports' data keys name ``key_id``, and how many wraps are unreadable (such a wrap
        opens with no key at all, so it does not hold a retirement back)."""
        count = unreadable = 0
        wraps = Report.objects.order_by().values_list("staff_key_wrap", flat=True)
        for wrapped in wraps.iterator(chunk_size=2000):
            try:
                if crypto.wrapped_key_id(wrapped) == key_id:
                    count += 1
            except crypto.DecryptionError:
                unreadable += 1
        return count, unreadable

    def _retire(self, *, key_id, **options):
        keyring = self._load()
        keyring.key(key_id)  # KeyringError if the keyring has no such key
        if key_id == keyring.current_id:
            raise CommandError(f"{key_id} is the current key; it cannot be retired (rotate first)")
        if not keyring.has_private_key(key_id):
            self.stdout.write(f"The private key of {key_id} was already retired; nothing to do.")
            return
        count, unreadable = self._still_wrapped_to(key_id)
        if count:
            raise CommandError(
                f"{count} report(s) are still wrapped to {key_id}; refusing to retire it. Run "
                "`reportkeys rotate --resume` (after every public node has the new public export), then "
                "`reportkeys check`."
            )
        if unreadable:
            self.stderr.write(
                f"Warning: {unreadable} report key wrap(s) are unreadable (they open with no key); "
                "see `reportkeys check`."
            )
        retired = self._load()  # a second copy: `keyring` keeps the private key in memory until the end
        retired.retire_private_key(key_id)
        crypto.save_keyring(retired, self.path, passphrase=self.passphrase)
        keys.forget_loaded_keys()
        # A public node still on an old public export may have taken a report while we counted.
        late, _ = self._still_wrapped_to(key_id)
        if late:
            crypto.save_keyring(keyring, self.path, passphrase=self.passphrase)
            keys.forget_loaded_keys()
            raise CommandError(
                f"{late} report(s) arrived wrapped to {key_id} while it was being retired; its private key was "
                "put back into the keyring. Make sure every public node uses the current public export, run "
                "`reportkeys rotate --resume`, then retire again."
            )
        self.stdout.write(f"Private key of {key_id} deleted from {self.path}; its public half stays as a record.")

    # --- check -------------------------------------------------------------------------------

    def _check(self, *, batch_size, **options):
        keyring = self._load()
        reports = checked = opened = 0
        failures = []
        rows = Report.objects.only("id", "number", "staff_key_wrap", "content", "identity").order_by(
            "received_at", "id"
        )
        for report in rows.iterator(chunk_size=batch_size):
            reports += 1
            label = _label(report.number, report.pk)
            problems, fields = self._check_report(keyring, report)
            opened += fields
            if problems:
                failures.extend((label, field, problem) for field, problem in problems)
            else:
                checked += 1
        self.stdout.write(
            f"Reports checked: {reports} ({checked} fully open). Sealed fields and files opened: {opened}. "
            f"Failures: {len(failures)}."
        )
        if failures:
            for label, field, problem in failures:
                self.stderr.write(f"{label}: {field}: {problem}")
            raise CommandError(f"{len(failures)} sealed value(s) did not open (listed above).")

    def _check_report(self, keyring: crypto.Keyring, report: Report) -> tuple[list[tuple[str, str]], int]:
        """The problems of one report as (field, what went wrong), and how many values opened."""
        rid = report.report_id
        try:
            dek = keyring.unwrap(report.staff_key_wrap, report_id=rid)
        except crypto.KeyringError as exc:
            return [("staff_key_wrap", str(exc))], 0
        except crypto.DecryptionError:
            return [("staff_key_wrap", "does not unwrap: damaged, or not this report's key")], 0

        problems = []
        opened = 0

        def attempt(field: str, sealed) -> bytes | None:
            nonlocal opened
            try:
                plaintext = crypto.open_sealed(dek, sealed, report_id=rid, field=field)
            except crypto.DecryptionError:
                problems.append((field, "does not open: damaged, or moved from another report or field"))
                return None
            opened += 1
            return plaintext

        attempt("content", report.content)
        if report.identity is not None:
            attempt("identity", report.identity)
        for message in ReportMessage.objects.filter(report_id=report.pk).only("id", "body").order_by("id"):
            attempt(message.sealed_field_name, message.body)
        # One file at a time: evidence can be tens of megabytes per report.
        evidence = EvidenceFile.objects.filter(report_id=report.pk).only("id", "meta", "data").order_by("id")
        for item in evidence.iterator(chunk_size=1):
            meta = attempt(item.sealed_meta_name, item.meta)
            data = attempt(item.sealed_data_name, item.data)
            if meta is not None and data is not None and not self._digest_matches(meta, data):
                problems.append((item.sealed_data_name, "opens, but does not match the digest in its meta"))
        return problems, opened

    @staticmethod
    def _digest_matches(meta: bytes, data: bytes) -> bool:
        try:
            recorded = json.loads(meta)["sha256"]
        except (ValueError, KeyError, TypeError):
            return False
        return isinstance(recorded, str) and hmac.compare_digest(recorded, hashlib.sha256(data).hexdigest())
