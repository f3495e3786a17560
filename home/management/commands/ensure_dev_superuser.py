import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the development superuser once and print its password once (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(_("The development superuser is only created when DEBUG is on."))
        User = get_user_model()
        if User.objects.filter(username=USERNAME).exists():
            self.stdout.write(
                _(
                    "The development account '%(username)s' already exists; its password was printed when it was "
                    "created. To set a new one: .venv/bin/python manage.py changepassword %(username)s"
                )
                % {"username": USERNAME}
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(USERNAME, email="", password=password)
        self.stdout.write(self.style.WARNING(_("Development account created (shown only this once):")))
        self.stdout.write(_("  Username: %(username)s") % {"username": USERNAME})
        self.stdout.write(_("  Password: %(password)s") % {"password": password})
        self.stdout.write(
            _(
                "  The admin asks for a second step at first sign-in: scan its QR code with an authenticator app "
                "(any TOTP app)."
            )
        )
