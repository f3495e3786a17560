"""Site search (/search/?q=…): live public pages of this site, found by Chinese words.

The query is split into the same terms pages are indexed with (home/search_text.py) and all of
them must match. Queries are never logged or stored: readers search for things like a hospital's
name or their own illness, and Wagtail's search-promotion query log is not used.
"""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

from .search_text import MAX_QUERY_CHARS, query_terms

RESULTS_PER_PAGE = 10


def search_pages(query: str, site: Site | None):
    """Live public pages of `site` matching every term of `query`, best first; None for a query
    without any searchable term (empty, or only punctuation)."""
    terms = query_terms(query)
    if not terms:
        return None
    if site is None:
        return []
    return Page.objects.live().public().in_site(site).specific().search(" ".join(terms), operator="and")


@require_GET
def search(request):
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS]
    results = search_pages(query, Site.find_for_request(request))
    page_obj = None
    if results is not None:
        page_obj = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        for result in page_obj:
            result.page_type = (result.specific_class or Page)._meta.verbose_name
            # A publication is dated by what it is about (issued, decided, period end), not by
            # when the page went up.
            field = getattr(result, "listing_date_field", "first_published_at")
            result.listing_date = getattr(result, field, None) or result.first_published_at
    return TemplateResponse(
        request,
        "home/search.html",
        {
            "query": query,
            "searched": results is not None,
            "page_obj": page_obj,
            "result_count": page_obj.paginator.count if page_obj else 0,
            "max_query_chars": MAX_QUERY_CHARS,
        },
    )
