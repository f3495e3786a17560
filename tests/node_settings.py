"""Settings of the web nodes, worker and beat that tests/nodes.py starts: production settings (DEBUG
off, PostgreSQL, Redis, second factor, every refusal of portal/settings/production.py) served over
plain HTTP on loopback, as bench/settings.py does, plus what a test needs to observe them.

tests/nodes.py sets the environment production.py insists on before any process imports this;
nothing here is for a real deployment."""

from portal.settings.env import env_str
from portal.settings.production import *  # noqa: F403

# Loopback HTTP: no TLS in front of gunicorn here, so no secure-only cookies either.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Static files from the finders: no collectstatic for a test run.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True

# Mails (intake notices) become files the test reads.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env_str("PORTAL_TEST_EMAIL_DIR")

# A queue of this run's own on the shared broker, so its worker takes only the tasks its nodes and
# its beat send.
CELERY_TASK_DEFAULT_QUEUE = env_str("PORTAL_TEST_CELERY_QUEUE", "celery")

# Beat runs the heartbeat and the sweep every few seconds instead of every minute or two, and
# nothing else (the daily and hourly jobs would mail at whatever hour the test runs).
_BEAT_SECONDS = float(env_str("PORTAL_TEST_BEAT_SECONDS", "0") or 0)
if _BEAT_SECONDS:
    CELERY_BEAT_SCHEDULE = {
        name: {**CELERY_BEAT_SCHEDULE[name], "schedule": _BEAT_SECONDS}  # noqa: F405
        for name in ("worker-heartbeat", "sweep-reports")
    }
