"""Test settings: fast hashing, in-memory SQLite unless DATABASE_URL points elsewhere."""

from .base import *  # noqa: F403
from .base import REDIS_URL
from .env import env_str

DEBUG = False
# Tests only.
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # nosec B105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker process started by an integration test has no outbox the test can read: the test
# names a directory in PORTAL_TEST_EMAIL_DIR and the worker writes its mails there as files. Only the
# file backend can be chosen this way, never one that sends.
if env_str("PORTAL_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env_str("PORTAL_TEST_EMAIL_DIR")
if REDIS_URL:
    # Keep test keys apart from anything else on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX", "portal-test")  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405

# Serve static files straight from the finders; no collectstatic outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Between transactional tests Django empties the tables with TRUNCATE, which the audit trigger
    # refuses unless the session opts in (reports/migrations/0003_audit_events.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c portal.audit_allow_truncate=on"  # noqa: F405
