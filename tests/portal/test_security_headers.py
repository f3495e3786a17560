"""Every public page tells the browser to run only the portal's own scripts and styles, never to be
framed, and to grant no device feature; its HTML has no inline script for that policy to block."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Page, Site

from home.demo_content import load_demo_content
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROUTES = [
    "/search/",
    "/search/?q=挂床",
    "/open-data/",
    "/report/",
    "/report/status/",
    "/report/receipt/verify/",
    "/no-such-page/",
]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def public_urls():
    site = Site.objects.get(is_default_site=True)
    pages = [page.get_url(current_site=site) for page in Page.objects.live().public().filter(depth__gt=1).specific()]
    return [url for url in pages if url] + ROUTES


@pytest.fixture
def demo_site(db, report_keys):
    load_demo_content()


def test_every_public_page_carries_a_strict_policy_and_no_inline_script(client, demo_site):
    urls = public_urls()
    assert len(urls) > 30, "the demo content has pages of every type"

    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["object-src"] == ["'none'"], url
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer"), url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url

        html = BeautifulSoup(response.content, "html.parser")
        inline = [
            tag for tag in html.find_all("script") if not tag.get("src") and tag.get("type") != "application/json"
        ]
        assert not inline, (url, inline[:1])
        handlers = [(tag.name, name) for tag in html.find_all(True) for name in tag.attrs if name.startswith("on")]
        assert not handlers, (url, handlers[:3])
        styled = [tag.name for tag in html.find_all(style=True)]
        assert not styled, (url, styled[:3])
        assert not [a["href"] for a in html.find_all("a", href=True) if a["href"].lower().startswith("javascript:")]


def test_a_page_from_the_cache_carries_the_same_headers(client, demo_site, settings):
    from home import page_cache

    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    page_cache.purge()
    first = client.get("/")
    second = client.get("/")

    assert second["X-Cache"] == "HIT"
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert second[header] == first[header]


def test_the_report_channel_keeps_its_own_stricter_policy(client, demo_site):
    response = client.get(reverse("reports:submit"))

    assert directives(response)["base-uri"] == ["'none'"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_admin_may_run_its_inline_scripts_but_is_never_framed(client, demo_site):
    client.force_login(UserFactory(superuser=True))
    response = client.get("/admin/")

    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_media_on_object_storage_is_allowed_as_images_only(client, demo_site, settings):
    from django.test import override_settings

    with override_settings(PORTAL_CSP_MEDIA_ORIGINS=["https://media.example.cn"]):
        # The policy is built when the middleware is; a new handler builds it again.
        from django.test import Client

        policy = directives(Client().get("/"))

    assert "https://media.example.cn" in policy["img-src"]
    assert policy["script-src"] == ["'self'"]
