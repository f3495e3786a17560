"""Site search (/search/?q=…): live public pages of this site, found by Chinese words.

The query is split into the same terms pages are indexed with (home/search_text.py) and all of
them must match. Queries are never logged or stored: readers search for things like a hospital's
name or their own illness, and Wagtail's search-promotion query log is not used.
"""

from django.core.paginator import Paginator
from django.db.models import F
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

from .privacy import public
from .search_text import MAX_QUERY_CHARS, query_terms
from .site_lookup import site_for_request

RESULTS_PER_PAGE = 10


def search_pages(query: str, site: Site | None):
    """Live public pages of `site` matching every term of `query`, best first; None for a query
    without any searchable term (empty, or only punctuation). Each result is its specific page
    with only the common page fields loaded: one query whatever the page types found."""
    terms = query_terms(query)
    if not terms:
        return None
    if site is None:
        return []
    pages = public(Page.objects.live()).in_site(site).specific(defer=True)
    return pages.search(" ".join(terms), operator="and")


def listing_dates(pages) -> dict:
    """{page id: its own date} for the pages whose type has a `listing_date_field` of its own
    (issued, decided, period start or end), read in one query whatever their types."""
    fields = {}
    for page in pages:
        model = type(page)
        field = getattr(model, "listing_date_field", "first_published_at")
        if field != "first_published_at" and model not in fields:
            # The join from Page down to the page type's own table, e.g. "policypage".
            path = "__".join(step.join_field.name for step in model._meta.get_path_from_parent(Page))
            fields[model] = f"{path}__{field}"
    if not fields:
        return {}
    columns = {f"d{n}": F(lookup) for n, lookup in enumerate(fields.values())}
    rows = Page.objects.filter(pk__in=[page.pk for page in pages]).annotate(**columns).values_list("pk", *columns)
    return {pk: next((value for value in values if value is not None), None) for pk, *values in rows}


@require_GET
def search(request):
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS]
    results = search_pages(query, site_for_request(request))
    page_obj = None
    if results is not None:
        page_obj = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        found = list(page_obj)
        dates = listing_dates(found)
        for result in found:
            result.page_type = (result.specific_class or Page)._meta.verbose_name
            # A publication is dated by what it is about (issued, decided, period end), not by
            # when the page went up.
            result.listing_date = dates.get(result.pk) or result.first_published_at
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
