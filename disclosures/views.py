from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from .open_data import datasets


@require_GET
def open_data(request):
    return TemplateResponse(request, "disclosures/open_data.html", {"datasets": datasets()})
