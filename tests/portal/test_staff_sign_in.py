"""Staff sign-in: wrong passwords are throttled per client, a session ends after a working day or when
the browser closes, and every form needs its CSRF token."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def staff():
    return UserFactory(superuser=True, username="zhang.wei", password="correct horse battery staple")


def sign_in(client, password, address="198.51.100.7"):
    return client.post(LOGIN, {"username": "zhang.wei", "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_are_refused_for_a_while_after_the_limit(client, staff, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert sign_in(client, "guess").status_code == 200  # the form again, with its error

    refused = sign_in(client, "correct horse battery staple")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "登录失败次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session, "even the right password is not tried while refused"


def test_the_limit_counts_one_client_not_the_account(client, staff, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        sign_in(client, "guess", address="198.51.100.7")

    other = Client()
    response = sign_in(other, "correct horse battery staple", address="203.0.113.9")

    assert response.status_code == 302, "the real owner elsewhere still signs in"
    assert sign_in(Client(), "correct horse battery staple", address="198.51.100.7").status_code == 429


def test_signing_in_clears_the_count(client, staff, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES = 3
    sign_in(client, "guess")
    sign_in(client, "guess")
    assert sign_in(client, "correct horse battery staple").status_code == 302
    client.logout()

    sign_in(client, "guess")
    sign_in(client, "guess")

    assert sign_in(client, "correct horse battery staple").status_code == 302


def test_a_staff_session_ends_with_the_browser_and_after_eight_hours(client, staff):
    response = sign_in(client, "correct horse battery staple")

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"], "a session cookie, gone when the browser closes"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.session.get_expire_at_browser_close()
    assert 0 < client.session.get_expiry_age() <= 8 * 3600


def test_an_expired_session_signs_the_user_out(client, staff):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    Session.objects.update(expire_date=timezone.now())

    assert client.get("/admin/")["Location"].startswith(LOGIN)


def test_admin_forms_need_the_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)

    assert sign_in(client, "correct horse battery staple").status_code == 403
    client.force_login(staff)
    assert client.post("/admin/pages/add/home/homepage/2/", {"title": "x"}).status_code == 403


@pytest.mark.integration
def test_staff_still_sign_in_while_the_counters_redis_is_down(client, staff, settings):
    from tests.faults import private_redis

    with private_redis() as redis:
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis.url}}
        redis.stop()

        assert sign_in(client, "guess").status_code == 200
        response = sign_in(client, "correct horse battery staple")

    assert response.status_code == 302 and "_auth_user_id" in client.session
