from django.conf import settings
from django.urls import URLPattern, include, path
from wagtail import urls as wagtail_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from disclosures import views as disclosures_views
from home import search_views
from home import views as home_views
from home.site_lookup import with_site
from home.sitemaps import PortalSitemap

urlpatterns = [
    path("healthz", home_views.healthz, name="healthz"),
    path("elder-mode/", home_views.elder_mode, name="elder_mode"),
    path("search/", search_views.search, name="search"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", with_site(sitemap), {"sitemaps": {"wagtail": PortalSitemap}}, name="sitemap"),
    path("open-data/", disclosures_views.open_data, name="open_data"),
    path("report/", include("reports.urls")),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.PORTAL_ADMIN_ENABLED:
    from wagtail.admin import urls as wagtailadmin_urls

    urlpatterns.insert(0, path("admin/", include(wagtailadmin_urls)))

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def _serving_with_cached_site(patterns):
    """Wagtail's URL patterns, its page-serving view finding the request's Site in the cache first
    (home/site_lookup.py) instead of asking the database on every request."""
    return [
        URLPattern(p.pattern, with_site(p.callback), p.default_args, p.name) if p.name == "wagtail_serve" else p
        for p in patterns
    ]


# A database outage outside a view (a session loading in a middleware) is a 503 too.
handler500 = "portal.db_unavailable.server_error"

# Wagtail serves every other path from the page tree; keep it last.
urlpatterns += [path("", include(_serving_with_cached_site(wagtail_urls.urlpatterns)))]
