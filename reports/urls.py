from django.urls import path

from . import receipt_views, views

app_name = "reports"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("confirm/", views.confirm, name="confirm"),
    path("status/", views.status, name="status"),
    path("status/reply/", views.reply, name="reply"),
    path("status/identity/", views.withdraw_identity, name="withdraw_identity"),
    path("status/evidence/", views.evidence_download, name="evidence"),
    path("status/reward/claim/", views.reward_claim, name="reward_claim"),
    path("status/reward/waive/", views.reward_waive, name="reward_waive"),
    path("receipt/verify/", receipt_views.verify_receipt_view, name="receipt_verify"),
]
