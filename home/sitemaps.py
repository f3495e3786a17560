"""sitemap.xml: Wagtail's sitemap in a constant number of queries."""

from wagtail.contrib.sitemaps import Sitemap

from .privacy import public


class PortalSitemap(Sitemap):
    """Wagtail's Sitemap, reading the pages in one query: each is its specific page with only the
    common page fields loaded (Wagtail loads every page type's own table in a query of its own).
    ``get_sitemap_urls`` reads the URL and the publication dates, which are common fields; a page
    type that overrides it to read a field of its own would read it with a query per page."""

    def items(self):
        pages = self.get_wagtail_site().root_page.get_descendants(inclusive=True).live()
        return public(pages).order_by("path").specific(defer=True)
