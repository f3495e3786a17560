from datetime import UTC

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.receipts import ReceiptKeyError, generate_receipt_keys, load_receipt_keys, rotate_receipt_keys


class Command(BaseCommand):
    help = (
        "Manage the receipt signing keys (settings.PORTAL_RECEIPT_KEYS, or --path): generate the file, rotate "
        "to a new key (earlier public keys stay, so their receipts still verify), or show the public keys."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{generate,rotate,show}")
        for name, help_text in [
            ("generate", "create the file with one key pair; refuses to replace an existing file"),
            ("rotate", "add a new key pair and make it current; earlier keys keep only their public half"),
            ("show", "list the public keys: id, creation time (UTC), public key in Base64"),
        ]:
            action = actions.add_parser(name, help=help_text)
            action.add_argument("--path", help="the key file (default: settings.PORTAL_RECEIPT_KEYS)")

    def handle(self, *args, action, path=None, **options):
        path = path or settings.PORTAL_RECEIPT_KEYS
        try:
            if action == "generate":
                keys = generate_receipt_keys(path)
                self.stdout.write(
                    _("Receipt signing keys created at %(path)s (key %(key_id)s).")
                    % {"path": path, "key_id": keys.current_id}
                )
            elif action == "rotate":
                key_id = rotate_receipt_keys(path)
                self.stdout.write(
                    _(
                        "New receipt signing key %(key_id)s is now current. Earlier public keys stay in the file, "
                        "so the receipts they signed still verify. Give every node the new file."
                    )
                    % {"key_id": key_id}
                )
            else:
                keys = load_receipt_keys(path)
                for key in keys.public_keys():
                    marker = f"  {_('current')}" if key.key_id == keys.current_id else ""
                    created = key.created.astimezone(UTC).isoformat().replace("+00:00", "Z")
                    self.stdout.write(f"{key.key_id}  {created}  {key.public_key}{marker}")
        except ReceiptKeyError as exc:
            raise CommandError(str(exc)) from exc
