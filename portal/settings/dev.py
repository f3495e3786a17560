"""Embedded development set-up: SQLite under var/, in-process Celery unless REDIS_URL is set."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The SQLite file, media and the development keyring live here; created on first use.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Serve static files straight from the finders; no collectstatic outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
