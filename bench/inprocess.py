"""Measurements taken inside one Django process on the bench database: SQL queries per public
page, and the server time and queries of the staff queue and statistics dashboard. Run by
bench/run.py with the bench environment; prints one JSON object.

    DJANGO_SETTINGS_MODULE=bench.settings … .venv/bin/python bench/inprocess.py <paths.json>
"""

import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reports import case_views, statistics_views  # noqa: E402

RUNS = 15


def page_queries(paths: dict) -> dict:
    """Queries of an anonymous, uncached request, after one warm-up request per path, and the
    median time one process takes to answer it (database included, no network, no other load)."""
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        # Read now: every request starts by emptying the connection's query log.
        queries = captured.captured_queries
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        counts[name] = {
            "status": response.status_code,
            "queries": len(queries),
            "median_ms": round(statistics.median(timings), 1),
            "db_ms": round(sum(float(query["time"]) for query in queries) * 1000, 1),
        }
    return counts


def _staff_request(path, user):
    request = RequestFactory(HTTP_HOST="127.0.0.1").get(path)
    request.user = user
    request.session = {}
    request._messages = []
    # The view is timed on its own; the second factor is checked by middleware, not here.
    user.is_verified = lambda: True
    return request


def timed_view(view, path, user) -> dict:
    timings, queries, status = [], 0, None
    for run in range(RUNS + 1):
        request = _staff_request(path, user)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = view(request)
            if hasattr(response, "render"):
                response.render()
            elapsed = (time.perf_counter() - start) * 1000
        status = response.status_code
        if run:  # the first run warms the process up
            timings.append(elapsed)
            queries = len(captured)
    timings.sort()
    return {
        "status": status,
        "queries": queries,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
    }


def sample_paths() -> dict:
    from disclosures.models import CaseIndexPage, CasePage, FundDisclosurePage, InspectionPlanPage, PolicyPage

    def newest(model):
        return model.objects.live().order_by("-pk").first().url

    case = CasePage.objects.live().order_by("-pk").first()
    return {
        "home": "/",
        "index": newest(CaseIndexPage),
        "index_page_2": newest(CaseIndexPage) + "?page=2",
        "index_filtered": f"{newest(CaseIndexPage)}?year={case.decision_date.year}&region={quote(case.region)}",
        "article": newest(PolicyPage),
        "case": newest(CasePage),
        "inspection_plan": newest(InspectionPlanPage),
        "fund_period": newest(FundDisclosurePage),
        "search": "/search/?q=%E6%8C%82%E5%BA%8A",  # 挂床
    }


def main():
    if sys.argv[1] == "--paths":
        print("PATHS " + json.dumps(sample_paths()))
        return
    paths = json.loads(Path(sys.argv[1]).read_text())
    user, _ = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"is_superuser": True, "is_staff": True}
    )
    from reports.models import Report

    region = Report.objects.exclude(region="").values_list("region", flat=True).first() or ""
    result = {
        "pages": page_queries(paths),
        "queue": timed_view(case_views.queue, "/admin/cases/", user),
        "queue_filtered": timed_view(case_views.queue, f"/admin/cases/?status=investigating&region={region}", user),
        "queue_page_5": timed_view(case_views.queue, "/admin/cases/?p=5", user),
        "statistics": timed_view(statistics_views.dashboard, "/admin/cases/statistics/", user),
        "reports": Report.objects.count(),
    }
    print("BENCH " + json.dumps(result))


if __name__ == "__main__":
    main()
