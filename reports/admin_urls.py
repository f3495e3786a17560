"""Further staff screens under /admin/cases/ (reports/wagtail_hooks.py mounts this list with the queue
and case pages, in the ``reports_admin`` namespace)."""

urlpatterns = [
    # Each screen module adds its paths below this line.
]
