"""What every listing index shares: filtered, paginated listing; open-data exports; feeds.
A concrete index names its child model, FilterSet, export columns and listing date."""

from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Page
from wagtail.search import index

from disclosures.exports import FORMATS, export_response
from disclosures.feeds import AtomListingFeed, ListingFeed
from home.privacy import ReadsPrivacyOnce, public
from home.search_text import ChineseSearchable


class ListingIndexPage(ReadsPrivacyOnce, ChineseSearchable, RoutablePageMixin, Page):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("search_grams")]

    per_page = 20
    listing_model: type[Page]
    filterset_class = None
    export_name = "data"

    class Meta:
        abstract = True

    def get_export_columns(self):
        return self.listing_model.export_columns()

    def listed_pages(self):
        """Live, public children in listing order, with what their rows show fetched up front."""
        queryset = public(self.listing_model.objects.child_of(self).live())
        return self.listing_model.optimise_listing(queryset).order_by(
            f"-{self.listing_model.listing_date_field}", "-pk"
        )

    def route(self, request, path_components):
        """Wagtail's routing (this page's own routes first, then a child by its slug), reading a
        listed child as its page type at once: one query where Wagtail makes two (the page, then
        its specific page). Other children are found Wagtail's way."""
        if path_components and not self._serves_itself(path_components):
            model = self.listing_model
            try:
                child = model.detail_queryset().child_of(self).get(slug=path_components[0])
            except model.DoesNotExist:
                pass
            else:
                if child.specific_class is not type(child):  # a page type derived from the listed one
                    child = child.specific
                # As Wagtail's Page.route: the parent is known, get_parent() needs no query.
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def _serves_itself(self, path_components) -> bool:
        """Whether one of this page's own routes answers the path, as RoutablePageMixin.route tries."""
        if not self.live:
            return False
        try:
            self.resolve_subpage("/" + "/".join(path_components) + "/")
        except Http404:
            return False
        return True

    def filterset(self, request):
        return self.filterset_class(request.GET, queryset=self.listed_pages(), index=self)

    @path("")
    def listing(self, request):
        filterset = self.filterset(request)
        paginator = Paginator(filterset.qs, self.per_page)
        page_obj = paginator.get_page(request.GET.get("page"))
        context = self.get_context(request)
        context.update(
            filterset=filterset,
            page_obj=page_obj,
            items=page_obj.object_list,
            result_count=paginator.count,
            query_string=_filters_only(request),
        )
        return filtered_response(self, request, context)

    @path("export/<str:fmt>/", name="export")
    def export(self, request, fmt):
        if fmt not in FORMATS:
            raise Http404
        rows = self.listing_model.optimise_export(self.filterset(request).qs)
        return export_response(rows, self.get_export_columns(), fmt, self.export_name)

    @path("feed/", name="feed")
    def rss_feed(self, request):
        return ListingFeed(self, self.filterset(request).qs, request)(request)

    @path("feed/atom/", name="atom")
    def atom_feed(self, request):
        return AtomListingFeed(self, self.filterset(request).qs, request)(request)


def filtered_response(page, request, context):
    """Render a routable page whose list follows GET filters, with its export links. Filtered
    combinations are endless: only the unfiltered page belongs in search engines."""
    filtered = bool(_filters_only(request))
    context.update(is_filtered=filtered, export_links=export_links(page, request))
    response = TemplateResponse(request, page.get_template(request), context)
    if filtered:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def export_links(page, request, route="export"):
    """(format, URL) pairs of a routable page's exports, carrying the active filters."""
    base = page.get_url(request)
    query = _filters_only(request)
    suffix = f"?{query}" if query else ""
    return [(fmt, base + page.reverse_subpage(route, kwargs={"fmt": fmt}) + suffix) for fmt in FORMATS]


def _filters_only(request) -> str:
    """The active filters as a query string, without the page number."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ListedPage(ReadsPrivacyOnce, Page):
    """A page that a ListingIndexPage lists."""

    # The date it is listed and ordered by, newest first.
    listing_date_field = "first_published_at"

    class Meta:
        abstract = True

    @classmethod
    def optimise_listing(cls, queryset):
        return queryset

    @classmethod
    def optimise_export(cls, queryset):
        """What the download's columns read beyond the listing's rows (`optimise_listing`)."""
        return queryset

    @classmethod
    def detail_queryset(cls):
        """Where routing reads the page from (with what its own page shows, if that saves queries)."""
        return cls.objects.all()

    @classmethod
    def export_columns(cls):
        raise NotImplementedError

    def feed_summary(self) -> str:
        return getattr(self, "summary", "") or ""
