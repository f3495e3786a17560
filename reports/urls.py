from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_channels, name="submit"),
    path("status/", views.report_channels, {"checking": True}, name="status"),
]
