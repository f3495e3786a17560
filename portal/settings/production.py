"""Production settings. Refuse to start on a missing or insecure secret rather than run unsafely."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ALLOWED_HOSTS,
    DATABASES,
    DEV_SECRET_KEY,
    PORTAL_CODE_PEPPER,
    PORTAL_REQUIRE_TWO_FACTOR,
    PORTAL_ROLE,
    SECRET_KEY,
)
from .env import env_bool, env_int, env_str

DEBUG = False


def _refuse(message: str) -> None:
    raise ImproperlyConfigured(f"Refusing to start in production: {message}")


if not SECRET_KEY:
    _refuse("SECRET_KEY is not set. Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(64))'`.")
if SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    _refuse("SECRET_KEY is insecure (the development default, 'django-insecure…', or shorter than 50 characters).")
if len(set(SECRET_KEY)) < 5:
    _refuse("SECRET_KEY has fewer than 5 distinct characters.")
if not env_str("ALLOWED_HOSTS") or "*" in ALLOWED_HOSTS:
    _refuse("ALLOWED_HOSTS must list the portal's host names explicitly.")
if not env_str("DATABASE_URL") or DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    _refuse("DATABASE_URL must point at PostgreSQL (SQLite is for development only).")
if not env_str("REDIS_URL"):
    _refuse("REDIS_URL is not set; production needs Redis for the cache and the Celery broker.")
if not PORTAL_CODE_PEPPER:
    _refuse(
        "PORTAL_CODE_PEPPER is not set; every role needs it to look up tracking codes. Generate it once with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and never change it."
    )
if len(PORTAL_CODE_PEPPER) < 40 or len(set(PORTAL_CODE_PEPPER)) < 5 or PORTAL_CODE_PEPPER == SECRET_KEY:
    _refuse("PORTAL_CODE_PEPPER is insecure (shorter than 40 characters, fewer than 5 distinct, or SECRET_KEY).")
if not env_str("PORTAL_KEYRING"):
    _refuse(
        f"PORTAL_KEYRING is not set; the {PORTAL_ROLE!r} role needs the path of "
        + ("the keyring's public export (public keys only)." if PORTAL_ROLE == "public" else "the bureau's keyring.")
    )
if not env_str("PORTAL_RECEIPT_KEYS"):
    _refuse(
        "PORTAL_RECEIPT_KEYS is not set; every role needs the receipt signing keys (`manage.py receiptkeys generate`)."
    )
if not PORTAL_REQUIRE_TWO_FACTOR:
    _refuse("PORTAL_REQUIRE_TWO_FACTOR is off; staff and superusers must pass a second factor (TOTP) in production.")

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
