"""Page privacy (Wagtail view restrictions), read once per request.

Wagtail reads the view restrictions again for every ``.public()`` queryset (the menu, each listing,
each home-page block, search, the sitemap) and twice for every page it serves (the page's ancestors,
then their restrictions). During a request they are read here once: from ``request_started`` to
``request_finished`` the list is kept in a context variable, dropped again at once when a
restriction is saved or deleted or a page moves. Never across requests: a page made private must be
private on the next request. Outside a request (commands, tasks, views called directly in tests) every
call reads the database, as Wagtail does.

- ``view_restrictions()``: every restriction, with its page.
- ``public(queryset)``: ``queryset.public()`` with them.
- ``ReadsPrivacyOnce``: a page mixin whose ``get_view_restrictions()`` answers "none" without a query
  when the site has no restriction at all, and is Wagtail's own otherwise.
"""

from __future__ import annotations

import contextvars

from django.db.models import Q

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("portal_view_restrictions", default=None)


def _read():
    from wagtail.models import PageViewRestriction

    return list(PageViewRestriction.objects.select_related("page"))


def view_restrictions() -> list:
    memo = _memo.get()
    if memo is None:
        return _read()
    if "restrictions" not in memo:
        memo["restrictions"] = _read()
    return memo["restrictions"]


def public(queryset):
    """Pages of `queryset` outside every private section: PageQuerySet.public(), same condition."""
    condition = Q()
    for restriction in view_restrictions():
        condition |= queryset.descendant_of_q(restriction.page, inclusive=True)
    # As Wagtail: with no private section, exclude nothing.
    return queryset.exclude(condition if condition else Q(pk__in=[]))


class ReadsPrivacyOnce:
    """Mixin for page models (before Page in the bases)."""

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        if not view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def start_of_request(**kwargs):
    """Read the restrictions once from now on, until end_of_request (request_started; tests call it too)."""
    _memo.set({})


def end_of_request(**kwargs):
    """Back to reading the database on every call (request_finished; tests call it too)."""
    _memo.set(None)


def _forget(**kwargs):
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def connect_signals() -> None:
    """Called from HomeConfig.ready()."""
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.signals import post_page_move

    request_started.connect(start_of_request, dispatch_uid="home.privacy:begin")
    request_finished.connect(end_of_request, dispatch_uid="home.privacy:end")
    post_save.connect(_forget, sender=PageViewRestriction, dispatch_uid="home.privacy:save")
    post_delete.connect(_forget, sender=PageViewRestriction, dispatch_uid="home.privacy:delete")
    post_page_move.connect(_forget, dispatch_uid="home.privacy:move")
