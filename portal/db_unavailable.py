"""When the database cannot be reached, answer a clean 503 page instead of a server error.

``DatabaseUnavailableMiddleware`` turns a ``django.db.OperationalError`` or ``InterfaceError`` raised by
a view (a refused or dropped PostgreSQL connection) into ``templates/503.html`` with ``Retry-After``.
The page is stand-alone: it queries nothing, since the database is what failed. A POST is told that
what it sent was NOT received, so the reporter sends it again; a submission is atomic
(reports/intake.py), so nothing of it was kept, and if the commit did reach the database before the
connection dropped, the form's one-time intake token makes the retry show that same report.

The connection is given back by Django itself: a broken connection is closed at the end of the
request and persistent connections are health-checked before reuse (``conn_health_checks``,
portal/settings/base.py), so the next request reconnects once PostgreSQL answers again.

Errors of other kinds (integrity, programming) are bugs and stay 500s; with DEBUG on, so do these,
for the traceback. The log line names the exception class and SQLSTATE only: the message can hold
connection details, and the request carries reporter data.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30
#: The view whose POST is a report: its page says the report was not received.
REPORT_VIEW = "reports:submit"


def unavailable_response(request) -> HttpResponse:
    """The 503 page for ``request``; renders without the request, so without any context processor
    (they read the site settings from the database)."""
    match = getattr(request, "resolver_match", None)
    sent = request.method not in ("GET", "HEAD", "OPTIONS")
    context = {
        "sent_something": sent,
        "sent_report": sent and match is not None and match.view_name == REPORT_VIEW,
    }
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # An error page must never be kept by the page cache, a proxy or the browser.
    response["Cache-Control"] = "no-store, max-age=0"
    return response


def _is_outage(exception) -> bool:
    return isinstance(exception, OperationalError | InterfaceError) and not settings.DEBUG


def _log(exception) -> None:
    # psycopg's error, when there is one, says which: 08006 connection lost, 57P01 server shut
    # down, 40P01 deadlock...
    sqlstate = getattr(exception.__cause__, "sqlstate", None) or "-"
    logger.error("Database unavailable (%s, SQLSTATE %s): answered 503.", type(exception).__name__, sqlstate)


def server_error(request):
    """handler500: an outage that struck outside a view (a signed-in user's session loading in a
    middleware) still gets the 503 page; any other error Django's own 500 page."""
    exception = sys.exc_info()[1]
    if _is_outage(exception):
        _log(exception)
        return unavailable_response(request)
    return defaults.server_error(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _is_outage(exception):
            return None
        _log(exception)
        return unavailable_response(request)
