"""Staff sign-in guessing is slowed down: after PORTAL_LOGIN_MAX_FAILURES wrong passwords from one client
within the window, the admin's sign-in form refuses further attempts from it until the window ends.

Failures are counted by Django's ``user_login_failed`` signal (sent by every authentication the admin
does); the counters are the shared ones of reports/throttle.py, so the limit holds across web nodes.
Only the client is counted, not the account: a per-account lock would let anyone lock staff out.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from . import throttle


def login_failures() -> throttle.Throttle:
    # Fails open while Redis is down: staff must still reach open cases, and a password alone opens
    # nothing (argon2 makes each guess slow, and the second factor is still asked for).
    return throttle.Throttle(
        "login", settings.PORTAL_LOGIN_MAX_FAILURES, settings.PORTAL_LOGIN_WINDOW_SECONDS, fail_open=True
    )


@receiver(user_login_failed, dispatch_uid="reports.login_throttle.count")
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        login_failures().hit(request)


@receiver(user_logged_in, dispatch_uid="reports.login_throttle.reset")
def _forget_failures(sender, request=None, user=None, **kwargs):
    if request is not None:
        login_failures().reset(request)


def _login_path() -> str | None:
    try:
        return reverse("wagtailadmin_login")
    except NoReverseMatch:  # the public tier has no admin
        return None


class LoginThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info == _login_path():
            seconds = login_failures().wait_seconds(request)
            if seconds:
                response = render(
                    request,
                    "reports/admin/login_throttled.html",
                    {"minutes": throttle.minutes(seconds)},
                    status=429,
                )
                response["Retry-After"] = str(seconds)
                return response
        return self.get_response(request)
