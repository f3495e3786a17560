from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from reports import admin_urls, case_views, identity_access, registration, statistics_views, two_factor


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


@hooks.register("register_admin_menu_item")
def register_case_menu_item():
    return ShownTo(
        case_views.can_use_queue, _("Reports"), reverse("reports_admin:queue"), icon_name="warning", order=150
    )


@hooks.register("register_admin_menu_item")
def register_registration_menu_item():
    return ShownTo(
        registration.may_register,
        _("Register a report"),
        reverse("reports_admin:register"),
        icon_name="edit",
        order=151,
    )


@hooks.register("register_admin_menu_item")
def register_identity_requests_menu_item():
    return ShownTo(
        identity_access.may_decide,
        _("Identity requests"),
        reverse("reports_admin:identity_requests"),
        icon_name="user",
        order=152,
    )


@hooks.register("register_admin_menu_item")
def register_statistics_menu_item():
    return ShownTo(
        statistics_views.can_view_statistics,
        _("Statistics"),
        reverse("reports_admin:statistics"),
        icon_name="table",
        order=153,
    )
