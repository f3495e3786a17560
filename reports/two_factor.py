"""Second factor for the admin: a TOTP code from an authenticator app (django-otp).

Every superuser and every member of a group in reports.staff.TWO_FACTOR_GROUPS must, after signing
in with the password, either set up an authenticator (first time) or enter its current code, before
any other admin page opens. The session remembers the verified device (django_otp.login), so this
happens once per sign-in. Wrong codes are throttled by the device itself: after each failure the next
attempt must wait 1, 2, 4, 8… seconds (django-otp's ThrottlingMixin).

Setting PORTAL_REQUIRE_TWO_FACTOR (on by default, refused off in production) switches enforcement.
"""

import math
import re
from base64 import b32encode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.staff import TWO_FACTOR_GROUPS

SETUP_URL_NAME = "reports_two_factor_setup"
VERIFY_URL_NAME = "reports_two_factor_verify"
# Admin views an unverified user still reaches: the two pages above, signing in and out, and the
# assets every admin page loads (translations of its scripts, the icon sprite).
EXEMPT_URL_NAMES = frozenset(
    {
        SETUP_URL_NAME,
        VERIFY_URL_NAME,
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
    }
)


def needs_two_factor(user) -> bool:
    """Whether this user must pass the second factor to use the admin."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_portal_needs_two_factor", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name__in=TWO_FACTOR_GROUPS).exists()
        user._portal_needs_two_factor = cached
    return cached


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def _admin_prefix() -> str | None:
    try:
        return reverse("wagtailadmin_home")
    except NoReverseMatch:  # the public role mounts no admin
        return None


def _is_static(path: str) -> bool:
    return any(
        prefix and prefix.startswith("/") and path.startswith(prefix)
        for prefix in (settings.STATIC_URL, settings.MEDIA_URL)
    )


class RequireTwoFactorMiddleware:
    """Send a signed-in user who needs the second factor and has not passed it in this session to the
    verification page (or to the set-up page if they have no authenticator yet), from any admin page
    but those in EXEMPT_URL_NAMES. Must come after django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.PORTAL_REQUIRE_TWO_FACTOR or _is_static(request.path):
            return None
        prefix = _admin_prefix()
        if prefix is None or not request.path.startswith(prefix):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in EXEMPT_URL_NAMES:
            return None
        user = request.user
        # A session that passed the second factor goes on whoever the user is: asked first, it
        # spares a verified staff member the group lookup on every admin page.
        if user.is_authenticated and user.is_verified():
            return None
        if not needs_two_factor(user):
            return None
        target = reverse(VERIFY_URL_NAME if has_confirmed_device(user) else SETUP_URL_NAME)
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_otp_token(self):
        token = re.sub(r"\s+", "", self.cleaned_data["otp_token"])
        if not re.fullmatch(r"[0-9]{6}", token):
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))
        return token


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _with_next(url_name: str, next_url: str) -> str:
    return reverse(url_name) + "?" + urlencode({"next": next_url})


def _throttled_message(info) -> str:
    locked_until = (info or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return _("Too many wrong codes. Wait %(seconds)d s, then enter the code the app shows now.") % {"seconds": seconds}


def _wrong_code(request) -> None:
    messages.error(
        request, _("Wrong code. Check that your phone's clock is right, then enter the code the app shows now.")
    )


def _check(request, devices, token) -> TOTPDevice | None:
    """The device among devices that accepts token, under django-otp's throttling; None, with a message
    telling the user why, if none does."""
    allowed, throttle_info = [], None
    for device in devices:
        is_allowed, info = device.verify_is_allowed()
        if is_allowed:
            allowed.append(device)
        else:
            throttle_info = info
    if not allowed:
        messages.error(request, _throttled_message(throttle_info))
        return None
    for device in allowed:
        # Locks the device row for the check, so that concurrent guesses are throttled too; a wrong
        # code makes the device's next check wait.
        verified = django_otp.verify_token(request.user, device.persistent_id, token)
        if verified is not None:
            return verified
    _wrong_code(request)
    return None


def _qr_svg(data: str) -> str:
    # Imported here: only enrolment draws a QR code.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, border=4)
    # Made here from our own data alone (no user-supplied markup): safe to inline.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 # nosec B308 B703


def _group_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("otp_token")
def setup_view(request):
    """First time: make an authenticator for the user, show it as a QR code, an otpauth:// link and
    the secret as text, and confirm it with a first code."""
    user = request.user
    next_url = _next_url(request)
    if has_confirmed_device(user):
        # One authenticator per user through this page: adding another needs the first one.
        return redirect(next_url if user.is_verified() else _with_next(VERIFY_URL_NAME, next_url))

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)

    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        verified = _check(request, [device], form.cleaned_data["otp_token"])
        if verified is not None:
            verified.confirmed = True
            verified.save(update_fields=["confirmed"])
            django_otp.login(request, verified)
            messages.success(request, _("Your authenticator app is set up. Enter its code each time you sign in."))
            return redirect(next_url)

    secret = b32encode(device.bin_key).decode()
    return TemplateResponse(
        request,
        "reports/admin/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "config_url": device.config_url,
            "secret": _group_secret(secret),
            "qr_svg": _qr_svg(device.config_url),
        },
    )


@sensitive_post_parameters("otp_token")
def verify_view(request):
    """Every sign-in: the current code of one of the user's authenticators."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk"))
    if not devices:
        return redirect(_with_next(SETUP_URL_NAME, next_url))

    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        verified = _check(request, devices, form.cleaned_data["otp_token"])
        if verified is not None:
            django_otp.login(request, verified)
            return redirect(next_url)

    return TemplateResponse(request, "reports/admin/two_factor_verify.html", {"form": form, "next": next_url})
