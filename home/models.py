from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import ContentStreamBlock, HomeStreamBlock
from .privacy import ReadsPrivacyOnce
from .routing import specific_child
from .search_text import ChineseSearchable, stream_text


class HomePage(ReadsPrivacyOnce, ChineseSearchable, Page):
    """The portal's front page: report actions first, then what the bureau publishes."""

    intro = models.CharField(_("introduction"), max_length=200, blank=True)
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("search_grams")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def search_source(self):
        # Listings and the fund summary show other pages, which search finds on their own.
        return [self.title, self.intro, stream_text(self.body, exclude=("latest_pages", "fund_summary"))]

    def route(self, request, path_components):
        """Wagtail's Page.route, reading the child as its specific page in one query instead of
        two (home/routing.py): every public URL below the home page starts here."""
        if not path_components:
            return super().route(request, path_components)
        try:
            child = specific_child(self, path_components[0])
        except Page.DoesNotExist as missing:
            raise Http404 from missing
        # As Wagtail: the parent is known, so get_parent() needs no query.
        child._cached_parent_obj = self
        return child.route(request, path_components[1:])


class StandardPage(ReadsPrivacyOnce, ChineseSearchable, Page):
    """A plain content page (about the bureau, reporting guidance, contact)."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    # Title, intro and body, split for Chinese (home/search_text.py).
    search_fields = Page.search_fields + [index.SearchField("search_grams")]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """Who runs the site and how to reach them, shown in the header and footer."""

    bureau_name = models.CharField(_("bureau name"), max_length=60, default="医疗保障局")
    hotline = models.CharField(_("reporting hotline"), max_length=30, default="12393")
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=100, blank=True)
    icp_record = models.CharField(
        _("ICP record number"), max_length=60, blank=True, help_text=_("Shown in the footer, e.g. 滇ICP备…号.")
    )
    footer_note = models.CharField(_("footer note"), max_length=200, blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("bureau_name"), FieldPanel("hotline")], heading=_("Identity")),
        MultiFieldPanel(
            [FieldPanel("address"), FieldPanel("postcode"), FieldPanel("office_hours")], heading=_("Contact")
        ),
        MultiFieldPanel([FieldPanel("icp_record"), FieldPanel("footer_note")], heading=_("Footer")),
    ]

    class Meta:
        verbose_name = _("portal settings")

    @classmethod
    def for_request(cls, request):
        # Every public page reads these for its header and footer: from the shared cache
        # (home/site_lookup.py), not the database. for_site(), which editing uses, is Wagtail's.
        from .site_lookup import cached_settings

        return cached_settings(cls, request)


class DemoContentRecord(models.Model):
    """One row per piece of demo content ever loaded, so that reloading adds only new pieces
    and never brings back what an editor deleted or cleared."""

    key = models.CharField(max_length=100, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demo content record")

    def __str__(self):
        return self.key
