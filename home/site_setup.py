"""Put the portal's home page at the root of the default site, replacing Wagtail's
placeholder welcome page. Safe to call any number of times."""

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from .models import HomePage


@transaction.atomic
def ensure_home_page(title: str) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or _create_root()
        placeholder = root.get_children().filter(slug="home").exclude(content_type__model="homepage").first()
        if placeholder is not None:
            # Free the slug first; the site is re-pointed below.
            Site.objects.filter(root_page=placeholder).delete()
            placeholder.delete()
        home = root.add_child(instance=HomePage(title=title, slug="home"))
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=title)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def _create_root() -> Page:
    """Recreate the tree root that Wagtail's migrations make, for a database emptied by a flush."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    return Page.add_root(instance=Page(title="Root", slug="root"))
