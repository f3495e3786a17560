from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and site")

    def ready(self):
        from . import page_cache

        # Every change public pages are built from purges the shared page cache.
        page_cache.connect_signals()

        from . import privacy, site_lookup

        # The cached Site and settings are forgotten when they change; privacy is read once a request.
        site_lookup.connect_signals()
        privacy.connect_signals()
