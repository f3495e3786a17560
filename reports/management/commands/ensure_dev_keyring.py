from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.crypto import KeyringError, ensure_development_keyring, load_public_keyring, public_keyring_path
from reports.receipts import ReceiptKeyError, ensure_development_receipt_keys, load_receipt_keys


class Command(BaseCommand):
    help = (
        "Create the development keyring and receipt signing keys under var/ on first start (DEBUG only); "
        "leave existing ones alone."
    )

    def handle(self, *args, **options):
        existed = public_keyring_path(settings.PORTAL_KEYRING).exists()
        receipt_keys_existed = Path(settings.PORTAL_RECEIPT_KEYS).exists()
        try:
            path = ensure_development_keyring()
            receipt_keys_path = ensure_development_receipt_keys()
        except (KeyringError, ReceiptKeyError) as exc:
            raise CommandError(str(exc)) from exc
        if existed:
            self.stdout.write(_("The development keyring is in place."))
        else:
            current = load_public_keyring(public_keyring_path(path)).current_id
            self.stdout.write(_("Development keyring created (key %(key_id)s).") % {"key_id": current})
        if receipt_keys_existed:
            self.stdout.write(_("The development receipt signing keys are in place."))
        else:
            current = load_receipt_keys(receipt_keys_path).current_id
            self.stdout.write(_("Development receipt signing key created (key %(key_id)s).") % {"key_id": current})
