from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from home.demo_content import load_demo_content


class Command(BaseCommand):
    help = "Create the page tree and demo content; safe to run again (only what is missing is added)."

    def handle(self, *args, **options):
        created = load_demo_content()
        if not created:
            self.stdout.write(_("Demo content is already in place; nothing to add."))
            return
        for line in created:
            self.stdout.write(f"+ {line}")
        self.stdout.write(self.style.SUCCESS(_("Demo content loaded.")))
