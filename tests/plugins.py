"""Suite-wide pytest hooks: say which services a run really used, and leave out the tests whose
services are absent (REDIS_URL unset, no PostgreSQL for a second process, no Debian chromium) unless CI
demands them."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))


def _require(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST') or 'socket'}:{db.get('PORT') or ''}"
    lines = [f"portal database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})"]
    redis = "set: Redis cache and broker, integration tests run" if settings.REDIS_URL else "unset: eager Celery"
    lines.append(f"portal REDIS_URL: {redis}")
    lines.append(f"portal browser: {CHROMIUM if CHROMIUM.exists() else 'chromium not found, browser tests left out'}")
    return lines


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    absent = []
    if not settings.REDIS_URL:
        if _require("PORTAL_REQUIRE_INTEGRATION"):
            raise pytest.UsageError("PORTAL_REQUIRE_INTEGRATION=1 but REDIS_URL is not set.")
        absent.append("integration")
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A worker process cannot open the in-memory SQLite test database.
        absent.append("shared_database")
    if not CHROMIUM.exists():
        if _require("PORTAL_REQUIRE_BROWSER"):
            raise pytest.UsageError(f"PORTAL_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium).")
        absent.append("browser")
    if not absent:
        return
    kept, left_out = [], []
    for item in items:
        (left_out if any(item.get_closest_marker(m) for m in absent) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"portal: left out {len(left_out)} test(s) marked {' or '.join(absent)}: "
                "their services are not configured here (.ci/run runs them)."
            )
