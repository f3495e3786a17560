"""The public tier (PORTAL_ROLE=public) serves no admin URL at all, and no public route opens a report
to anyone but its reporter: the node does not even hold the bureau's private key.

The reporter's own tracking code does open their report on the status page (that is what it is for);
everything else asked of the public routes — report ids, numbers, wrong codes, staff paths — must not.
"""

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver

from reports import crypto, intake, keys
from tests.reports.builders import make_submission

ROOT = Path(__file__).resolve().parents[2]

# The routes the public tier serves; a new one fails this test until someone has looked at it.
PUBLIC_ROUTES = {
    "healthz",
    "elder-mode/",
    "search/",
    "robots.txt",
    "sitemap.xml",
    "open-data/",
    "report/",
    "report/confirm/",
    "report/status/",
    "report/status/reply/",
    "report/status/identity/",
    "report/status/evidence/",
    "report/status/reward/claim/",
    "report/status/reward/waive/",
    "report/receipt/verify/",
    "documents/^(\\d+)/(.*)$",
    "documents/authenticate_with_password/<int:restriction_id>/",
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
    "_util/login/",
    "^((?:[\\w\\-]+/)*)$",
}

# Prints every route of the URLconf of the role in the environment, with the module of its view.
LIST_ROUTES = """
import json, django
django.setup()
from django.urls import URLPattern, get_resolver

def walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLPattern):
            view = getattr(p.callback, "view_class", p.callback)
            yield route, view.__module__
        else:
            yield from walk(p.url_patterns, route)

print(json.dumps(sorted(set(walk(get_resolver().url_patterns)))))
"""

STAFF_MODULES = ("wagtail.admin", "wagtail.snippets", "wagtail.users", "wagtail.images.views")
STAFF_MODULES += (
    "wagtail.documents.views.documents",
    "wagtail.documents.views.multiple",
    "wagtail.documents.views.chooser",
)
STAFF_MODULES += ("reports.case_views", "reports.staff_views", "reports.reward_views", "reports.deadline_views")
STAFF_MODULES += (
    "reports.statistics_views",
    "reports.publication_views",
    "reports.two_factor",
    "disclosures.draw_admin",
)


def routes_of(role):
    env = {**os.environ, "PORTAL_ROLE": role, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", LIST_ROUTES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return [tuple(route) for route in json.loads(result.stdout.strip().splitlines()[-1])]


def test_the_public_tier_serves_exactly_the_public_routes_and_no_staff_view():
    routes = routes_of("public")

    assert {route for route, _ in routes} == PUBLIC_ROUTES
    staff = [(route, module) for route, module in routes if module.startswith(STAFF_MODULES)]
    assert staff == []


def test_the_staff_tier_has_the_admin_the_public_tier_lacks():
    staff_routes = {route for route, _ in routes_of("staff")}

    assert any(route.startswith("admin/cases/") for route in staff_routes)
    assert not any(route.startswith("admin/") for route in PUBLIC_ROUTES)


def _example_path(route, report):
    """A concrete path for a route of the staff URLconf, naming the report wherever an id fits."""
    path = re.sub(r"<uuid:\w+>", str(report.pk), route)
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<[^>]+>", "approve", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)|\([^)]*\)", "1", path)
    path = "/" + re.sub(r"[\^$\\?*+]", "", path)
    return path if path.endswith("/") else path + "/"  # the unslashed form only redirects here


@pytest.fixture
def public_tier(settings, report_keys, demo):
    """This process as a public-tier node: its URLconf rebuilt without the admin, the public export of the
    keyring instead of the keyring, and a report in the database it cannot open."""
    import portal.urls

    report = intake.submit(make_submission()).report
    staff_routes = [route for route, _ in walk(get_resolver().url_patterns) if route.startswith("admin/")]

    settings.PORTAL_ROLE = "public"
    settings.PORTAL_ADMIN_ENABLED = False
    settings.PORTAL_KEYRING = str(crypto.public_keyring_path(report_keys))
    keys.forget_loaded_keys()
    importlib.reload(portal.urls)
    clear_url_caches()
    yield report, staff_routes
    settings.PORTAL_ADMIN_ENABLED = True
    importlib.reload(portal.urls)
    clear_url_caches()


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLPattern):
            yield route, pattern
        elif isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)


@pytest.mark.django_db
def test_no_staff_path_answers_on_the_public_tier(client, public_tier):
    from tests.factories import UserFactory

    report, staff_routes = public_tier
    assert len(staff_routes) > 100, "the staff tier's admin routes were collected"
    client.force_login(UserFactory(superuser=True))  # even a signed-in superuser's session opens nothing

    for route in staff_routes:
        path = _example_path(route, report)
        assert client.get(path).status_code == 404, path
        if "<uuid:" in route:  # the screens that act on a report are also asked to act
            assert client.post(path, {"report_id": str(report.pk)}).status_code == 404, path


@pytest.mark.django_db
def test_no_public_route_opens_a_report_without_its_code(client, public_tier):
    report, _ = public_tier
    secrets = (make_submission().description, make_submission().party_name)
    guesses = {
        "id": str(report.pk),
        "pk": str(report.pk),
        "report": str(report.pk),
        "report_id": str(report.pk),
        "number": report.number,
        "q": report.number,
        "code": report.number,
    }
    with pytest.raises(keys.PrivateKeyUnavailable):
        intake.open_for_staff(report)

    for route in PUBLIC_ROUTES:
        path = _example_path(route, report)
        for response in (client.get(path, guesses), client.post(path, guesses)):
            assert response.status_code < 500, path
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert not [secret for secret in secrets if secret in body.decode("utf-8", "replace")], path
