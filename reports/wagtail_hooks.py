from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from reports import admin_urls, case_views, identity_access, registration, statistics_views, two_factor
from reports.reward_models import RewardScheme, RewardSchemeVersion


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    # Under the admin: /admin/2fa/setup/ and /admin/2fa/verify/ (Wagtail adds its access check).
    return [
        path("2fa/setup/", two_factor.setup_view, name=two_factor.SETUP_URL_NAME),
        path("2fa/verify/", two_factor.verify_view, name=two_factor.VERIFY_URL_NAME),
    ]


class ShownTo(MenuItem):
    """A menu item shown to the users ``allowed(user)`` lets in; the views check again themselves."""

    def __init__(self, allowed, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def is_shown(self, request):
        return self.allowed(request.user)


_case_urls = [
    path("", case_views.queue, name="queue"),
    path("<uuid:report_id>/", case_views.case, name="case"),
    path("<uuid:report_id>/act/<slug:action>/", case_views.act, name="act"),
    path("<uuid:report_id>/evidence/<uuid:evidence_id>/", case_views.evidence, name="evidence"),
    *admin_urls.urlpatterns,
]


@hooks.register("register_admin_urls")
def register_case_urls():
    # /admin/cases/…; access is checked per report in the views (reports/case_views.py).
    return [path("cases/", include((_case_urls, "reports_admin"), namespace="reports_admin"))]


def _may_pay_rewards(user) -> bool:
    return user.has_perm("reports.export_reward_payments") or user.has_perm("reports.mark_reward_paid")


#: (who sees it, label, URL name, icon): each screen in the menu of the users who may use it.
_CASE_MENU = [
    (case_views.can_use_queue, _("Reports"), "reports_admin:queue", "warning"),
    (registration.may_register, _("Register a report"), "reports_admin:register", "edit"),
    (identity_access.may_decide, _("Identity requests"), "reports_admin:identity_requests", "user"),
    (statistics_views.can_view_statistics, _("Statistics"), "reports_admin:statistics", "table"),
    (_may_pay_rewards, _("Reward payments"), "reports_admin:reward_payments", "doc-full"),
]


def _menu_hook(allowed, label, url_name, icon, order):
    hooks.register(
        "register_admin_menu_item",
        lambda: ShownTo(allowed, label, reverse(url_name), icon_name=icon, order=order),
    )


for _order, _entry in enumerate(_CASE_MENU, start=150):
    _menu_hook(*_entry, _order)


class RewardSchemeViewSet(SnippetViewSet):
    """Reward schemes (reward reviewers: ``reports.change_rewardscheme``). The illustration note is a
    column of every listing, so an illustrative scheme is never taken for a real rule."""

    model = RewardScheme
    icon = "tasks"
    menu_label = _("Reward schemes")
    list_display = ["name", "slug", "region", "illustrative", "illustrative_note"]
    search_fields = ["name", "slug", "region"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("region"),
        FieldPanel("legal_basis"),
        FieldPanel("illustrative"),
        FieldPanel("illustrative_note"),
    ]


class RewardSchemeVersionViewSet(SnippetViewSet):
    """Versions are added, never changed: the model refuses a change of anything a decision depends on
    (reports/reward_models.py); adding one ends the version in force the day before it starts."""

    model = RewardSchemeVersion
    icon = "history"
    menu_label = _("Reward scheme versions")
    list_display = ["scheme", "number", "valid_from", "valid_until", "kind", "floor", "cap", "rounding"]
    list_filter = ["scheme", "kind"]
    panels = [
        FieldPanel("scheme"),
        FieldPanel("valid_from"),
        FieldPanel("valid_until"),
        FieldPanel("floor"),
        FieldPanel("cap"),
        FieldPanel("rounding"),
        FieldPanel("kind"),
        FieldPanel("rules"),
    ]


class RewardSchemeGroup(SnippetViewSetGroup):
    items = (RewardSchemeViewSet, RewardSchemeVersionViewSet)
    menu_icon = "tasks"
    menu_label = _("Reward schemes")
    menu_name = "reward_schemes"


register_snippet(RewardSchemeGroup)
