"""Reset a staff member's second factor after a lost phone: their authenticator devices are deleted,
so the next sign-in asks them to set up a new one. Audited."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.audit import record


class Command(BaseCommand):
    help = "Delete a user's TOTP devices so that they set up a new authenticator at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        with transaction.atomic():
            deleted, _ = TOTPDevice.objects.filter(user=user).delete()
            record("account.reset_two_factor", actor=None, operator=getpass.getuser(), user=user.pk, devices=deleted)
        self.stdout.write(
            f"Deleted {deleted} authenticator(s) of {username}; they set up a new one at their next sign-in."
        )
