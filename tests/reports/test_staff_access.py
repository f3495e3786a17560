"""Staff groups made by migration, Argon2 password hashing and the admin's second factor (TOTP)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import ERROR, get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from home.publishing import EDITORS_GROUP, MODERATORS_GROUP
from reports.staff import STAFF_GROUPS, TWO_FACTOR_GROUPS, ensure_staff_groups
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SETUP = "/admin/2fa/setup/"
VERIFY = "/admin/2fa/verify/"
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"

# The admin as the public role would have it: not mounted (see test_public_role_is_left_alone).
urlpatterns = [path("admin/", lambda request: HttpResponse("not the admin"))]


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    """Enforced here whatever the rest of the suite chooses for its own admin tests."""
    settings.PORTAL_REQUIRE_TWO_FACTOR = True


def _perms(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def _member(group_name, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _signed_in(user) -> Client:
    """A browser that signed in with the password, as a person does on /admin/login/."""
    browser = Client()
    assert browser.login(username=user.username, password=PASSWORD)
    return browser


def _now_code(device) -> str:
    return f"{totp(device.bin_key):06d}"


def _wrong_code(device) -> str:
    return f"{(totp(device.bin_key) + 500_000) % 1_000_000:06d}"


def _errors(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]


def _zh(msgid):
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


# --- Groups -------------------------------------------------------------------------------------


def test_staff_groups_exist_after_migrations_with_their_permissions():
    assert set(STAFF_GROUPS) == {"受理员", "核查员", "身份信息保管人", "奖励审核员", "奖励审批人", "财务", "统计查看"}
    for name, expected in STAFF_GROUPS.items():
        assert _perms(Group.objects.get(name=name)) == set(expected), name

    assert _perms(Group.objects.get(name="核查员")) == {
        "wagtailadmin.access_admin",
        "reports.investigate_report",
        "reports.request_identity",
        "reports.view_report",
    }
    assert _perms(Group.objects.get(name="统计查看")) == {
        "wagtailadmin.access_admin",
        "reports.view_report_statistics",
    }
    assert _perms(Group.objects.get(name="奖励审批人")) == {
        "wagtailadmin.access_admin",
        "reports.view_report",
        "reports.approve_reward",
    }
    assert _perms(Group.objects.get(name="财务")) == {
        "wagtailadmin.access_admin",
        "reports.view_report",
        "reports.export_reward_payments",
        "reports.mark_reward_paid",
    }
    # Reward reviewers also manage the reward schemes (issue 7): versions are added, never changed.
    assert _perms(Group.objects.get(name="奖励审核员")) == {
        "wagtailadmin.access_admin",
        "reports.view_report",
        "reports.view_rewardscheme",
        "reports.add_rewardscheme",
        "reports.change_rewardscheme",
        "reports.view_rewardschemeversion",
        "reports.add_rewardschemeversion",
        "reports.propose_reward",
        "reports.review_reward",
    }


def test_group_members_hold_exactly_their_permissions():
    investigator = _member("核查员")
    intake = _member("受理员")

    assert investigator.has_perm("reports.investigate_report")
    assert not investigator.has_perm("reports.decide_report")
    assert not investigator.has_perm("reports.view_all_reports")
    assert not investigator.has_perm("reports.grant_identity")
    assert intake.has_perm("reports.decide_report")
    assert intake.has_perm("reports.view_all_reports")
    assert not intake.has_perm("reports.investigate_report")


def test_every_staff_and_publishing_group_needs_the_second_factor():
    assert set(TWO_FACTOR_GROUPS) == {*STAFF_GROUPS, EDITORS_GROUP, MODERATORS_GROUP}
    for name in TWO_FACTOR_GROUPS:
        assert Group.objects.filter(name=name).exists(), name


def test_ensure_staff_groups_is_idempotent_and_restores_what_is_missing():
    groups_before = Group.objects.count()
    investigators = Group.objects.get(name="核查员")
    extra = Permission.objects.get(content_type__app_label="reports", codename="merge_report")
    investigators.permissions.add(extra)  # an administrator's addition
    investigators.permissions.remove(
        Permission.objects.get(content_type__app_label="reports", codename="request_identity")
    )
    Group.objects.filter(name="财务").delete()
    Permission.objects.filter(content_type__app_label="reports", codename="grant_identity").delete()

    ensure_staff_groups()
    ensure_staff_groups()

    assert Group.objects.count() == groups_before
    assert _perms(investigators) == {*STAFF_GROUPS["核查员"], "reports.merge_report"}
    assert _perms(Group.objects.get(name="财务")) == set(STAFF_GROUPS["财务"])
    assert _perms(Group.objects.get(name="身份信息保管人")) == set(STAFF_GROUPS["身份信息保管人"])
    assert Permission.objects.filter(content_type__app_label="reports", codename="grant_identity").count() == 1


# --- Second factor: setting up ------------------------------------------------------------------


def test_investigator_without_a_device_is_sent_to_set_up():
    browser = _signed_in(_member("核查员"))

    response = browser.get("/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == SETUP + "?next=%2Fadmin%2Fpages%2F"


def test_setup_shows_the_uri_and_secret_without_third_party_assets_then_lets_the_user_in():
    user = _member("核查员")
    browser = _signed_in(user)

    page = browser.get(SETUP + "?next=/admin/pages/")

    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert "otpauth://totp/" in html
    assert device.config_url.replace("&", "&amp;") in html
    secret = page.context["secret"].replace(" ", "")
    assert device.config_url.split("secret=")[1].split("&")[0] == secret
    assert page.context["secret"] in html
    assert "<svg" in html  # the QR code, drawn here
    # Nothing is loaded from elsewhere (no QR service, no third-party script, style or image).
    assert not re.search(r"<(?:script|img|link|iframe|object|embed)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", html)
    # Reloading shows the same secret rather than a new one.
    assert browser.get(SETUP).context["secret"] == page.context["secret"]

    done = browser.post(SETUP, {"otp_token": _now_code(device), "next": "/admin/pages/"})

    assert done.status_code == 302
    assert done["Location"] == "/admin/pages/"
    device.refresh_from_db()
    assert device.confirmed
    assert browser.get("/admin/").status_code == 200


def test_a_code_with_a_space_in_the_middle_is_accepted():
    user = _member("受理员")
    browser = _signed_in(user)
    browser.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    code = _now_code(device)

    response = browser.post(SETUP, {"otp_token": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_wrong_code_is_refused_and_the_device_throttled(settings):
    # Waits of 10, 20, 40… seconds after each failure (1, 2, 4… by default): long enough that a slow
    # run cannot outlast one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    user = _member("核查员")
    browser = _signed_in(user)
    browser.get(SETUP)
    device = TOTPDevice.objects.get(user=user)

    wrong = browser.post(SETUP, {"otp_token": _wrong_code(device)})

    assert wrong.status_code == 200
    assert _errors(wrong) == [
        _zh("Wrong code. Check that your phone's clock is right, then enter the code the app shows now.")
    ]
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1

    # Straight after a failure even the right code is refused, without counting as another failure.
    throttled_message = _zh("Too many wrong codes. Wait %(seconds)d s, then enter the code the app shows now.") % {
        "seconds": 10
    }
    for _ in range(3):
        throttled = browser.post(SETUP, {"otp_token": _now_code(device)})
        assert throttled.status_code == 200
        assert _errors(throttled) == [throttled_message]
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert not device.verify_is_allowed()[0]
    assert browser.get("/admin/")["Location"].startswith(SETUP)

    # The wait doubles with each failure.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=60))
    browser.post(SETUP, {"otp_token": _wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    assert device.verify_is_allowed()[1]["locked_until"] - device.throttling_failure_timestamp == timedelta(seconds=20)

    # Once the wait is over, the right code opens the admin.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=60))
    assert browser.post(SETUP, {"otp_token": _now_code(device)}).status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_malformed_code_is_refused_without_a_throttling_failure():
    user = _member("核查员")
    browser = _signed_in(user)
    browser.get(SETUP)

    response = browser.post(SETUP, {"otp_token": "12ab56"})

    assert response.status_code == 200
    assert response.context["form"].errors["otp_token"] == [_zh("Enter the six digits your authenticator app shows.")]
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


# --- Second factor: every sign-in ---------------------------------------------------------------


def test_user_with_a_device_must_enter_its_code_at_every_sign_in():
    user = _member("受理员")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    browser = _signed_in(user)

    assert browser.get("/admin/")["Location"] == VERIFY + "?next=%2Fadmin%2F"
    # No second authenticator can be set up without the first one.
    assert browser.get(SETUP)["Location"].startswith(VERIFY)

    wrong = browser.post(VERIFY, {"otp_token": _wrong_code(device)})
    assert wrong.status_code == 200
    assert len(_errors(wrong)) == 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))

    done = browser.post(VERIFY, {"otp_token": _now_code(device), "next": "/admin/"})
    assert done["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200

    # A new sign-in is a new session: the code is asked for again.
    assert _signed_in(user).get("/admin/")["Location"].startswith(VERIFY)


def test_verified_user_cannot_replay_the_code_in_another_session():
    user = _member("核查员")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = _now_code(device)
    first = _signed_in(user)
    assert first.post(VERIFY, {"otp_token": code}).status_code == 302

    second = _signed_in(user)
    response = second.post(VERIFY, {"otp_token": code})

    assert response.status_code == 200
    assert second.get("/admin/")["Location"].startswith(VERIFY)


def test_next_must_stay_on_this_site():
    user = _member("核查员")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    browser = _signed_in(user)

    response = browser.post(VERIFY, {"otp_token": _now_code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("group", [EDITORS_GROUP, MODERATORS_GROUP, "统计查看", "财务"])
def test_publishing_and_other_staff_groups_are_forced_too(group):
    response = _signed_in(_member(group)).get("/admin/")

    assert response["Location"].startswith(SETUP)


def test_superuser_is_forced_too():
    response = _signed_in(UserFactory(superuser=True)).get("/admin/")

    assert response["Location"].startswith(SETUP)


def test_user_in_no_staff_group_is_not_forced():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))

    response = _signed_in(user).get("/admin/")

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_sign_out_and_the_pages_assets_stay_reachable_before_the_second_factor():
    browser = _signed_in(_member("核查员"))

    assert browser.get("/admin/jsi18n/").status_code == 200
    assert browser.get("/admin/sprite/").status_code == 200
    assert browser.get("/admin/login/").status_code in (200, 302)
    signed_out = browser.post("/admin/logout/")
    assert signed_out.status_code == 302
    assert not signed_out["Location"].startswith(("/admin/2fa/", SETUP))
    assert browser.get("/admin/")["Location"].startswith("/admin/login/")


def test_anonymous_visitor_still_goes_to_login():
    response = Client().get("/admin/")

    assert response["Location"].startswith("/admin/login/")


def test_switched_off_it_is_not_enforced(settings):
    settings.PORTAL_REQUIRE_TWO_FACTOR = False

    assert _signed_in(_member("核查员")).get("/admin/").status_code == 200


def test_public_role_is_left_alone(settings):
    """Without the admin mounted (public role) there is nothing to guard, and no error."""
    settings.ROOT_URLCONF = __name__

    response = _signed_in(_member("核查员")).get("/admin/")

    assert response.status_code == 200
    assert response.content == b"not the admin"


# --- Passwords ----------------------------------------------------------------------------------


def test_argon2_is_the_first_hasher_in_base_settings():
    import portal.settings.base as base

    assert base.PASSWORD_HASHERS[0] == ARGON2
    # Older hashes still verify (and are upgraded at the next sign-in).
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS[1:]


def test_argon2_is_installed_and_upgrades_an_old_hash(settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [ARGON2, "django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="md5")
    user.save(update_fields=["password"])

    assert user.check_password(PASSWORD)

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
