"""What public pages read once (home/site_lookup.py, home/privacy.py, home/routing.py) must never show
stale or wrong pages: a change of settings, site or privacy shows on the very next request, and
routing finds exactly the pages Wagtail's own routing finds."""

import pytest
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction, Site

from disclosures.models import PolicyPage
from disclosures.models.base import ListingIndexPage
from home.models import HomePage, PortalSettings
from tests.disclosures.factories import PolicyFactory, PolicyIndexFactory
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # The shared page cache would answer the repeated requests below with its stored copy.
    settings.PORTAL_PAGE_CACHE_SECONDS = 0


def _password_protect(page):
    return PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )


def test_changed_settings_show_on_the_next_request(client, portal_settings):
    assert portal_settings.bureau_name in client.get("/").content.decode()

    portal_settings.bureau_name = "改名后的医疗保障局"
    portal_settings.save()

    assert "改名后的医疗保障局" in client.get("/").content.decode()


def test_a_new_site_root_is_served_on_the_next_request(client, demo):
    assert client.get("/").context["page"].pk == demo.pk
    other = StandardPageFactory(title="新首页", slug="new-root", parent=Page.get_first_root_node())
    site = Site.objects.get(is_default_site=True)
    site.root_page = other
    site.save()

    assert client.get("/").context["page"].pk == other.pk


def test_a_page_made_private_is_private_on_the_next_request(client, demo):
    page = StandardPageFactory(title="内部栏目", slug="internal", show_in_menus=True)
    index = PolicyIndexFactory(show_in_menus=False)
    policy = PolicyFactory(parent=index, title="内部政策")
    assert "内部栏目" in client.get("/").content.decode()
    assert "内部政策" in client.get(index.url).content.decode()
    assert page.url in client.get("/sitemap.xml").content.decode()

    _password_protect(page)
    _password_protect(policy)

    assert "内部栏目" not in client.get("/").content.decode(), "left out of the menu"
    assert "内部栏目" not in client.get(page.url).content.decode(), "asks for the password instead"
    assert 'name="password"' in client.get(page.url).content.decode()
    assert "内部政策" not in client.get(index.url).content.decode(), "left out of the listing"
    assert "内部政策" not in client.get(f"{index.url}export/csv/").getvalue().decode()
    assert page.url not in client.get("/sitemap.xml").content.decode()
    assert 'name="password"' in client.get(policy.url).content.decode()


def test_a_restriction_made_during_a_request_applies_in_that_request(demo):
    """Within one request the restrictions are read once, and read again after any change."""
    from home import privacy

    page = StandardPageFactory(title="内部栏目", slug="internal")
    # privacy's own request receivers, not the signals: Django's receivers of those would close the
    # test's database connection (CONN_MAX_AGE) in the middle of its transaction.
    privacy.start_of_request()
    try:
        assert privacy.public(Page.objects.filter(pk=page.pk)).exists()
        _password_protect(page)
        assert not privacy.public(Page.objects.filter(pk=page.pk)).exists()
    finally:
        privacy.end_of_request()


def _route(path):
    request = RequestFactory().get(path)
    page = Site.objects.get(is_default_site=True).root_page.specific
    return page.route(request, [part for part in path.split("/") if part])


def _outcome(route, path):
    from django.http import Http404

    try:
        result = route(path)
    except Http404:
        return "404"
    page, args, kwargs = result
    view = args[0].__name__ if args else None
    return (type(page), page.pk, view, args[1:] if args else (), kwargs)


def test_routing_finds_what_wagtails_routing_finds(demo, monkeypatch):
    index = PolicyIndexFactory(slug="policies")
    PolicyFactory(parent=index, slug="plain")
    PolicyFactory(parent=index, slug="feed")  # a child named like one of the index's own routes
    PolicyFactory(parent=index, slug="draft", live=False)
    about = StandardPageFactory(slug="our-team")
    StandardPageFactory(slug="team", parent=about)

    paths = [
        "/",
        "/our-team/",
        "/our-team/team/",
        "/our-team/missing/",
        "/policies/",
        "/policies/plain/",
        "/policies/feed/",
        "/policies/feed/atom/",
        "/policies/export/csv/",
        "/policies/draft/",
        "/policies/missing/",
        "/policies/plain/extra/",
        "/missing/",
    ]
    portal = {path: _outcome(_route, path) for path in paths}
    assert isinstance(_route("/policies/plain/")[0], PolicyPage)

    # Wagtail's own routing: without the portal's overrides (Page.route, RoutablePageMixin.route).
    monkeypatch.delattr(HomePage, "route")
    monkeypatch.delattr(ListingIndexPage, "route")
    assert {path: _outcome(_route, path) for path in paths} == portal


def test_routing_reads_a_page_once(demo, django_assert_num_queries):
    index = PolicyIndexFactory(slug="policies")
    PolicyFactory(parent=index, slug="plain")
    home = Site.objects.get(is_default_site=True).root_page.specific
    request = RequestFactory().get("/policies/plain/")
    home.route(request, ["policies", "plain"])  # the process learns the index's page type

    # The index, then the policy: one query each (Wagtail: two each).
    with django_assert_num_queries(2):
        page, _args, _kwargs = home.route(request, ["policies", "plain"])
    assert page.slug == "plain" and page.get_parent().pk == index.pk


def test_routing_follows_a_slug_to_a_page_of_another_type(demo):
    index = PolicyIndexFactory(slug="policies")
    home = Site.objects.get(is_default_site=True).root_page.specific
    request = RequestFactory().get("/policies/")
    assert home.route(request, ["policies"])[0].pk == index.pk

    # The slug goes to a standard page: routing finds it, not the remembered policy index type.
    index.slug = "old-policies"
    index.save_revision().publish()
    page = StandardPageFactory(slug="policies")
    routed = home.route(request, ["policies"])[0]
    assert type(routed) is type(page) and routed.pk == page.pk
    assert home.route(request, ["old-policies"])[0].pk == index.pk


def test_settings_are_read_from_the_cache_after_the_first_request(client, portal_settings):
    client.get("/")
    request = RequestFactory().get("/")
    first = PortalSettings.for_request(request)
    assert PortalSettings.for_request(request) is first  # cached on the request too
    assert first.pk == portal_settings.pk


def test_a_settings_change_made_by_another_process_shows_on_the_next_request(client, portal_settings):
    from django.core.cache import cache

    from home import site_lookup

    portal_settings.hotline = "0000-1111111"
    portal_settings.save()
    assert "0000-1111111" in client.get("/").content.decode()  # now remembered in this process too

    # Another node saves the settings: the row changes and that node moves the shared generation on;
    # nothing runs in this process.
    PortalSettings.objects.filter(pk=portal_settings.pk).update(hotline="0000-2222222")
    assert "0000-1111111" in client.get("/").content.decode(), "served from memory until the generation moves"
    cache.incr(site_lookup.GENERATION_KEY)
    assert "0000-2222222" in client.get("/").content.decode()
