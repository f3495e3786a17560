"""Settings shared by every environment. Values come from environment variables; the
defaults here are safe for local development only and production.py refuses them."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str
from .storage import media_storage

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
# Local state of the embedded set-up (SQLite file, media, development keyring); ignored by git.
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

# Refused by production.py: only ever a development key.
DEV_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # nosec B105
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# public: the internet-facing tier, never mounts the admin nor loads the private key;
# staff: the intranet tier with the admin; all: both, for the embedded set-up.
PORTAL_ROLES = ("public", "staff", "all")
PORTAL_ROLE = env_str("PORTAL_ROLE", "all")
if PORTAL_ROLE not in PORTAL_ROLES:
    raise ImproperlyConfigured(f"PORTAL_ROLE must be one of {', '.join(PORTAL_ROLES)}, got {PORTAL_ROLE!r}.")
PORTAL_ADMIN_ENABLED = PORTAL_ROLE in ("staff", "all")
# Path of the bureau's keyring file, kept outside the database and media: the keyring itself (private
# intake keys) for the staff and all roles, its public export (public keys only) for the public role.
PORTAL_KEYRING = env_str("PORTAL_KEYRING", str(VAR_DIR / "keyring"))
# Path of the receipt signing keys (reports/receipts.py), separate from the keyring: every role signs or
# checks receipts, so every role has this file, with its private key and readable by no one else.
PORTAL_RECEIPT_KEYS = env_str("PORTAL_RECEIPT_KEYS", str(VAR_DIR / "receipt-keys"))
# Secret under which tracking codes are hashed for lookup (reports/codes.py). Separate from SECRET_KEY
# so that rotating SECRET_KEY does not make every stored code unfindable; required in production, on
# every role, and never to be changed once reports exist. Unset: derived from SECRET_KEY (dev, tests).
PORTAL_CODE_PEPPER = env_str("PORTAL_CODE_PEPPER")
# A file holding the keyring's passphrase when it is protected (a mounted secret, never the env).
PORTAL_KEYRING_PASSPHRASE_FILE = env_str("PORTAL_KEYRING_PASSPHRASE_FILE")
# Who is told (by e-mail, number only) that a report awaits a decision: the members of this group
# plus these addresses.
PORTAL_INTAKE_GROUP = env_str("PORTAL_INTAKE_GROUP", "受理员")
PORTAL_INTAKE_NOTIFY_EMAILS = env_list("PORTAL_INTAKE_NOTIFY_EMAILS")
# The mail relay those notices (number only) and staff reminders go through.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Report status lookups: failures allowed per client in a window before it must wait.
PORTAL_LOOKUP_MAX_FAILURES = env_int("PORTAL_LOOKUP_MAX_FAILURES", 5)
PORTAL_LOOKUP_WINDOW_SECONDS = env_int("PORTAL_LOOKUP_WINDOW_SECONDS", 15 * 60)
# Submissions accepted per client per hour (a flood guard; a real reporter sends a few).
PORTAL_SUBMISSIONS_PER_HOUR = env_int("PORTAL_SUBMISSIONS_PER_HOUR", 10)
# Reverse proxies in front of the web nodes: the client address is taken that many hops from the
# right of X-Forwarded-For. 0 uses REMOTE_ADDR.
PORTAL_PROXY_COUNT = env_int("PORTAL_PROXY_COUNT", 0)
# Wrong staff passwords from one client before the sign-in form refuses it for the rest of the window.
PORTAL_LOGIN_MAX_FAILURES = env_int("PORTAL_LOGIN_MAX_FAILURES", 10)
PORTAL_LOGIN_WINDOW_SECONDS = env_int("PORTAL_LOGIN_WINDOW_SECONDS", 15 * 60)
# The county-level areas a report can name (reports/regions.py); empty: the demo bureau's.
PORTAL_REGIONS = env_list("PORTAL_REGIONS")
# Anonymous public pages are kept this many seconds in the default cache (home/page_cache.py), and
# purged on every publication or data change; 0 turns the page cache off.
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 600)
# Random inspection (双随机): no draw may take a smaller share of the objects in scope, in percent
# (DOMAIN.md: at least 5% of designated institutions a year).
PORTAL_INSPECTION_MIN_SHARE = env_str("PORTAL_INSPECTION_MIN_SHARE", "5")

INSTALLED_APPS = [
    "home",
    "disclosures",
    "reports",
    "crispy_forms",
    "crispy_bootstrap5",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.table_block",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content Security Policy and Permissions-Policy; above the page cache so cached pages get them too.
    "portal.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous public pages from the shared cache (home/page_cache.py). Before the session: a hit
    # skips everything below, and a stored page already carries the headers those add.
    "home.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Refuses the admin's sign-in form to a client after too many wrong passwords.
    "reports.login_throttle.LoginThrottleMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (TOTP).
    "django_otp.middleware.OTPMiddleware",
    # Staff and superusers must have passed it to use the admin (reports/two_factor.py).
    "reports.two_factor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so its process_exception sees a view's error first: PostgreSQL unreachable → 503 page.
    "portal.db_unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.elder_mode",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves as cache, Celery broker and result store when REDIS_URL is set; without it the
# portal runs self-contained: local-memory cache and Celery tasks executed in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, except that an outage reads as a miss (portal/cache.py).
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
            "TIMEOUT": 300,
            # A Redis that stops answering (host down, network cut) must not hold requests forever.
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_SOCKET_TIMEOUT", 2),
                "socket_timeout": env_int("CACHE_SOCKET_TIMEOUT", 2),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only once it has run, so a worker killed mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With Redis, a task taken by a worker that dies unacknowledged is handed out again once this many
# seconds have passed since it was taken (a worker restores such tasks at start and every ~100 s). It
# must exceed the longest task: one still running after it would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "home.tasks.record_worker_heartbeat", "schedule": 60.0},
    "publish-scheduled-pages": {"task": "home.tasks.publish_scheduled_pages", "schedule": 60.0},
    "sweep-reports": {"task": "reports.tasks.sweep_reports", "schedule": 120.0},
    # Hourly in office hours (Beijing): a report gets at most one reminder a day, and a run missed
    # while no worker was up is made good by the next one.
    "reward-claims": {"task": "reports.tasks_rewards.lapse_and_remind", "schedule": crontab(minute=30, hour=9)},
    "deadline-reminders": {
        "task": "reports.tasks_deadlines.send_deadline_reminders",
        "schedule": crontab(minute=0, hour="8-18"),
    },
}
# Task modules that autodiscovery (which looks for <app>.tasks only) does not find.
CELERY_IMPORTS = ["reports.tasks_deadlines", "reports.tasks_rewards"]

# Argon2 for every new or changed password; the others only verify older hashes, which are rehashed
# with Argon2 at the next successful login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first: the public site is served in Simplified Chinese; staff may pick English in the admin.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
# The filesystem, or an S3-compatible bucket shared by every node when PORTAL_S3_BUCKET is set
# (portal/settings/storage.py). Never report evidence: that is sealed in the database.
_MEDIA_STORAGE = media_storage(page_cache_seconds=PORTAL_PAGE_CACHE_SECONDS)
STORAGES = {
    "default": _MEDIA_STORAGE.storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Evidence files a reporter may attach (reports/evidence.py). The reverse proxy's request body
# limit must allow PORTAL_EVIDENCE_MAX_TOTAL_BYTES plus the rest of the form.
PORTAL_EVIDENCE_MAX_FILES = env_int("PORTAL_EVIDENCE_MAX_FILES", 10)
PORTAL_EVIDENCE_MAX_BYTES = env_int("PORTAL_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
PORTAL_EVIDENCE_MAX_TOTAL_BYTES = env_int("PORTAL_EVIDENCE_MAX_TOTAL_BYTES", 50 * 1024 * 1024)
# Width × height of one image: decoding a 50-megapixel photo takes about 150 MB. Pillow's own
# limit (about 89 megapixels, shared with Wagtail's images) caps it.
PORTAL_EVIDENCE_MAX_PIXELS = env_int("PORTAL_EVIDENCE_MAX_PIXELS", 50_000_000)
PORTAL_EVIDENCE_MAX_PDF_PAGES = env_int("PORTAL_EVIDENCE_MAX_PDF_PAGES", 500)

# Report-handling deadlines in Chinese working days (reports/deadlines.py). Deciding whether to accept
# a report: 15 from receipt (Tibet 2019; the national figure is unconfirmed). Telling a real-name
# reporter the decision: 5 from the decision (国家医保局令第5号).
PORTAL_ACCEPTANCE_WORKING_DAYS = env_int("PORTAL_ACCEPTANCE_WORKING_DAYS", 15)
PORTAL_NOTIFY_WORKING_DAYS = env_int("PORTAL_NOTIFY_WORKING_DAYS", 5)
# Finishing the investigation of an accepted report: 60 working days from the decision to accept.
# UNCONFIRMED: shared/DOMAIN.md has no national figure; 60 is a placeholder until the bureau confirms
# its rule (reports/case_deadlines.py).
PORTAL_INVESTIGATION_WORKING_DAYS = env_int("PORTAL_INVESTIGATION_WORKING_DAYS", 60)
# Reminders (reports/tasks_deadlines.py) start when the current step is due within this many working
# days, at most one a day per report, and continue daily once it is overdue.
PORTAL_REMINDER_WORKING_DAYS = env_int("PORTAL_REMINDER_WORKING_DAYS", 3)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Origins besides our own that serve media (object storage with its own host name), for the CSP.
PORTAL_CSP_MEDIA_ORIGINS = [*env_list("PORTAL_CSP_MEDIA_ORIGINS"), *_MEDIA_STORAGE.csp_origins]
# A staff session ends after 8 hours however busy it was, and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

WAGTAIL_SITE_NAME = env_str("WAGTAIL_SITE_NAME", "医疗保障基金监管公开与举报平台")
# Members of the staff and publishing groups, and superusers, must pass a second factor (a TOTP code
# from an authenticator app) before the admin lets them in (reports/two_factor.py). Production
# refuses to start without it; turning it off is for local experiments only.
PORTAL_REQUIRE_TWO_FACTOR = env_bool("PORTAL_REQUIRE_TWO_FACTOR", True)
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024

# Nothing about reporters is ever logged; request logs of the web server are configured by ops.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # These libraries read reporters' evidence (reports/evidence.py), and their messages can quote
    # it: Pillow logs EXIF values (GPS included) at DEBUG, pypdf quotes PDF objects in warnings.
    "loggers": {"PIL": {"level": "INFO"}, "pypdf": {"level": "CRITICAL"}},
}
