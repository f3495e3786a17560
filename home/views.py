from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .elder import COOKIE_MAX_AGE, COOKIE_NAME


@require_GET
def elder_mode(request):
    """Switch elder mode on (?on=1) or off (?on=0) and go back where the reader was."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.GET.get("on") == "1":
        response.set_cookie(COOKIE_NAME, "1", max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")
    return response


@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in (
        ("database", health.check_database),
        ("cache", health.check_cache),
        ("broker", health.check_broker),
    ):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    healthy = all(item["ok"] for item in checks.values())
    age = health.worker_heartbeat_age()
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": checks,
        # Informational: the site serves readers and stores reports without a worker.
        "worker_heartbeat_age_seconds": None if age is None else round(age, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def robots_txt(request):
    """Keep crawlers out of the admin, the report pages and search results; point to the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /report/",
        "Disallow: /search/",
        "Disallow: /elder-mode/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
