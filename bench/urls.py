"""The portal's URLs plus /bench/trivial/: the least a Django view can do on this server, the
ceiling for cached pages (issue 9: cached pages at no less than half its requests per second)."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from portal.urls import urlpatterns as portal_urlpatterns


@require_GET
def trivial(request):
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>", content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/trivial/", trivial), *portal_urlpatterns]
