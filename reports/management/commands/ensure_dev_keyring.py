from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.crypto import KeyringError, ensure_development_keyring, load_public_keyring, public_keyring_path


class Command(BaseCommand):
    help = "Create the development keyring under var/ on first start (DEBUG only); leave an existing one alone."

    def handle(self, *args, **options):
        existed = public_keyring_path(settings.PORTAL_KEYRING).exists()
        try:
            path = ensure_development_keyring()
        except KeyringError as exc:
            raise CommandError(str(exc)) from exc
        if existed:
            self.stdout.write(_("The development keyring is in place."))
            return
        current = load_public_keyring(public_keyring_path(path)).current_id
        self.stdout.write(_("Development keyring created (key %(key_id)s).") % {"key_id": current})
