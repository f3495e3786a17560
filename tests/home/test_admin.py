import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

# Prints where /admin/ leads and whether the admin's URL names exist, for a given PORTAL_ROLE.
PROBE = """
import json, django
django.setup()
from django.urls import NoReverseMatch, resolve, reverse
match = resolve("/admin/")
try:
    reverse("wagtailadmin_home")
    named = True
except NoReverseMatch:
    named = False
print(json.dumps({"view": f"{match.func.__module__}.{match.func.__name__}", "admin_named": named}))
"""


@pytest.mark.django_db
def test_login_page_is_in_chinese(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_superuser_reaches_the_dashboard(client):
    client.force_login(UserFactory(superuser=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "<title>控制面板 - Wagtail</title>" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def _probe(role):
    env = {**os.environ, "PORTAL_ROLE": role, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_public_tier_does_not_mount_the_admin():
    probe = _probe("public")

    assert probe["view"] == "wagtail.views.serve"
    assert probe["admin_named"] is False


def test_staff_tier_mounts_the_admin():
    probe = _probe("staff")

    assert probe["view"].startswith("wagtail.admin.")
    assert probe["admin_named"] is True
