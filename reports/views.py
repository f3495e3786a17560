from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def report_channels(request, checking=False):
    """Until online intake opens, tell the reporter every channel that does work today."""
    return render(request, "reports/channels.html", {"checking": checking})
