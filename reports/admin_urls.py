"""Further staff screens under /admin/cases/ (reports/wagtail_hooks.py mounts this list with the queue
and case pages, in the ``reports_admin`` namespace)."""

from django.urls import path

from . import deadline_views, publication_views, reward_views, staff_views, statistics_views

urlpatterns = [
    # Each screen module adds its paths below this line.
    path("register/", staff_views.register, name="register"),
    path("<uuid:report_id>/merge/", staff_views.merge, name="merge"),
    path("<uuid:report_id>/identity/request/", staff_views.request_identity, name="request_identity"),
    path("identity-requests/", staff_views.identity_requests, name="identity_requests"),
    path("identity-requests/<int:request_id>/decide/", staff_views.decide_identity, name="decide_identity"),
    path("<uuid:report_id>/extend/", deadline_views.extend_deadline, name="extend_deadline"),
    path("<uuid:report_id>/draft-case/", publication_views.draft_case, name="draft_case"),
    path("statistics/", statistics_views.dashboard, name="statistics"),
    path("<uuid:report_id>/reward/propose/", reward_views.propose, name="reward_propose"),
    path("rewards/<int:decision_id>/<str:action>/", reward_views.step, name="reward_step"),
    path("rewards/payments/", reward_views.payments, name="reward_payments"),
    path("rewards/payments/export/", reward_views.export_payments, name="reward_payments_export"),
    path("rewards/payments/<int:decision_id>/paid/", reward_views.mark_paid, name="reward_mark_paid"),
]
