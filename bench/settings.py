"""Settings of the benchmark server: production settings (DEBUG off, PostgreSQL, Redis), served on
loopback over plain HTTP, plus one trivial view that is the ceiling to chase (bench/urls.py).

bench/run.py sets the environment production.py insists on (secrets generated per run, the bench
database, a Redis database of the bench's own) before any process imports this."""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Loopback HTTP: no TLS in front of gunicorn here.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# The load generators send every report and lookup from one loopback address, standing for
# thousands of reporters. The per-address throttles (reports/throttle.py) stay on and count in
# Redis as in production, with limits no bench run reaches (bench/load.py prints them).
BENCH_THROTTLE_FLOOR = 100_000_000
PORTAL_SUBMISSIONS_PER_HOUR = max(PORTAL_SUBMISSIONS_PER_HOUR, BENCH_THROTTLE_FLOOR)  # noqa: F405
PORTAL_LOOKUP_MAX_FAILURES = max(PORTAL_LOOKUP_MAX_FAILURES, BENCH_THROTTLE_FLOOR)  # noqa: F405
