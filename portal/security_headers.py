"""Security headers Django 5.2 does not set itself: a Content Security Policy and a Permissions-Policy.

Public pages get a strict policy: scripts and styles only from our own origin, no inline script, no
framing, nothing from a third party (the portal uses no CDN, web font or analytics). The Wagtail admin
ships inline scripts and styles of its own, so its policy keeps everything else but allows those.
A view that sets its own policy (the report channel, evidence previews) keeps it.
"""

from __future__ import annotations

from django.conf import settings

# No feature a page of the portal needs; a compromised script or an embedded page gets none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
        "interest-cohort",
    )
)


def _policy(*, inline: bool) -> str:
    # Media may live on object storage under another origin (PORTAL_CSP_MEDIA_ORIGINS).
    media = " ".join(["'self'", "data:", *settings.PORTAL_CSP_MEDIA_ORIGINS])
    scripts = "'self' 'unsafe-inline'" if inline else "'self'"
    styles = "'self' 'unsafe-inline'" if inline else "'self'"
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; img-src {media}; media-src {media}; "
        "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'"
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public_policy = _policy(inline=False)
        self.admin_policy = _policy(inline=True)
        self.admin_prefix = "/admin/"

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path_info.startswith(self.admin_prefix) and settings.PORTAL_ADMIN_ENABLED
            response["Content-Security-Policy"] = self.admin_policy if admin else self.public_policy
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
