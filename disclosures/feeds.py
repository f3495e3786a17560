"""RSS and Atom feeds of a listing index, with the same filters as the listing."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

FEED_LENGTH = 50


class ListingFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, index, items, request):
        super().__init__()
        self.index = index
        self.items_list = list(items[:FEED_LENGTH])
        self.request = request

    def title(self):
        return self.index.title

    def link(self):
        return self.index.get_url(self.request)

    def description(self):
        return self.index.intro or self.index.title

    def items(self):
        return self.items_list

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return item.get_url(self.request)

    def item_description(self, item):
        return item.feed_summary()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at


class AtomListingFeed(ListingFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
