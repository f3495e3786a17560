"""The admin screen of a plan's draw: choose the scope and commit, then draw, then follow results.

/admin/inspection-draws/<page id>/. Editors who may edit the plan page prepare and commit; the
draw itself needs the right to publish the page, as it makes the selection public."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from disclosures import draw_service
from disclosures.choices import InstitutionType
from disclosures.draw import sample_size
from disclosures.draw_service import DrawPlan, DrawRefused
from disclosures.models import InspectedInstitution, InspectionPlanPage, Inspector
from disclosures.models.directories import DEFAULT_RISK_WEIGHTS, CreditRating, InstitutionLevel
from home.form_fields import IdMultipleChoiceField

URL_NAME = "disclosures_draw"
_RATING_FIELDS = {rating: f"weight_{rating or 'unrated'}" for rating in DEFAULT_RISK_WEIGHTS}


class DrawForm(forms.Form):
    items = IdMultipleChoiceField(
        queryset=draw_service.items_in_use(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Inspection items"),
        error_messages={"required": gettext_lazy("Choose at least one inspection item.")},
    )
    institution_types = forms.MultipleChoiceField(
        choices=InstitutionType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Institution types"),
        help_text=gettext_lazy("None ticked: every type."),
    )
    regions = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Regions"),
        help_text=gettext_lazy("None ticked: every region."),
    )
    levels = forms.MultipleChoiceField(
        choices=InstitutionLevel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Levels"),
        help_text=gettext_lazy("None ticked: every level."),
    )
    credit_ratings = forms.MultipleChoiceField(
        choices=[(value or "unrated", label) for value, label in CreditRating.choices],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Credit ratings"),
        help_text=gettext_lazy("None ticked: every rating."),
    )
    share_percent = forms.DecimalField(
        label=gettext_lazy("Share to draw (%)"), max_digits=5, decimal_places=2, max_value=Decimal("100")
    )
    inspectors_per_object = forms.IntegerField(
        label=gettext_lazy("Inspectors per institution"), min_value=1, max_value=10, initial=2
    )
    weight_by_risk = forms.BooleanField(
        required=False,
        label=gettext_lazy("Weight by credit risk"),
        help_text=gettext_lazy("A higher weight gives a higher chance; the weights are published with the plan."),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        minimum = draw_service.minimum_share()
        self.fields["share_percent"].validators.append(
            # Django fills in limit_value itself.
            MinValueValidator(
                minimum, message=gettext_lazy("The share cannot be below the minimum of %(limit_value)s%%.")
            )
        )
        self.fields["share_percent"].help_text = _("At least %(minimum)s%%; at least one institution is drawn.") % {
            "minimum": minimum
        }
        self.fields["share_percent"].initial = max(plan.sampling_share or minimum, minimum)
        regions = InspectedInstitution.objects.filter(active=True).order_by("region").values_list("region", flat=True)
        self.fields["regions"].choices = [(region, region) for region in dict.fromkeys(regions)]
        labels = dict(CreditRating.choices)
        for rating, name in _RATING_FIELDS.items():
            self.fields[name] = forms.IntegerField(
                label=_("Weight of %(rating)s") % {"rating": labels[rating]},
                min_value=1,
                max_value=100,
                required=False,
                initial=DEFAULT_RISK_WEIGHTS[rating],
            )

    def weight_fields(self):
        return [self[name] for name in _RATING_FIELDS.values()]

    def scope_fields(self):
        return [self[name] for name in ("institution_types", "regions", "levels", "credit_ratings")]

    def choice(self) -> DrawPlan:
        data = self.cleaned_data
        weights = None
        if data["weight_by_risk"]:
            weights = {rating: data[name] or DEFAULT_RISK_WEIGHTS[rating] for rating, name in _RATING_FIELDS.items()}
        return DrawPlan(
            items=list(data["items"]),
            institution_types=data["institution_types"],
            regions=data["regions"],
            levels=data["levels"],
            credit_ratings=["" if r == "unrated" else r for r in data["credit_ratings"]],
            share_percent=data["share_percent"],
            inspectors_per_object=data["inspectors_per_object"],
            weights=weights,
        )


def _plan_for(request, page_id):
    plan = get_object_or_404(InspectionPlanPage, pk=page_id)
    permissions = plan.permissions_for_user(request.user)
    if not permissions.can_edit():
        raise PermissionDenied
    return plan, permissions


@require_http_methods(["GET", "POST"])
def draw_view(request, page_id):
    plan, permissions = _plan_for(request, page_id)
    draw = plan.current_draw()
    form, preview = None, None
    if draw is None:
        form = DrawForm(request.POST or None, plan=plan)
        if request.method == "POST" and form.is_valid():
            choice = form.choice()
            if request.POST.get("action") == "commit":
                try:
                    draw_service.commit(plan, choice, request.user)
                except DrawRefused as refusal:
                    form.add_error(None, str(refusal))
                else:
                    messages.success(request, _("The draw is committed. Publish the plan page to make it public."))
                    return redirect(URL_NAME, page_id=plan.pk)
            else:
                population = draw_service.objects_in_scope(choice).count()
                preview = {
                    "population": population,
                    "size": sample_size(population, str(choice.share_percent)),
                    "inspectors": draw_service.active_inspectors().count(),
                }
    elif request.method == "POST":
        if not permissions.can_publish():
            raise PermissionDenied
        try:
            draw_service.run(draw, request.user)
        except DrawRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The draw is made and published on the plan page."))
        return redirect(URL_NAME, page_id=plan.pk)
    return TemplateResponse(
        request,
        "disclosures/draw_admin.html",
        {
            "page_title": _("Draw of %(plan)s") % {"plan": plan.title},
            "header_icon": "list-ul",
            "plan": plan,
            "draw": draw,
            "form": form,
            "preview": preview,
            "can_draw": permissions.can_publish(),
            "rows": _staff_rows(draw) if draw is not None and draw.is_drawn else [],
            "results": set(plan.results.values_list("institution_code", flat=True)),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _staff_rows(draw):
    """The drawn rows with the inspectors' names, which only staff see."""
    rows = draw.drawn_rows()
    certificates = [person["certificate"] for row in rows for person in row["inspectors"]]
    names = dict(
        Inspector.objects.filter(certificate_number__in=certificates).values_list("certificate_number", "name")
    )
    for row in rows:
        for person in row["inspectors"]:
            person["name"] = names.get(person["certificate"], "")
    return rows


def urlpatterns():
    return [path("inspection-draws/<int:page_id>/", draw_view, name=URL_NAME)]


def draw_url(plan) -> str:
    return reverse(URL_NAME, kwargs={"page_id": plan.pk})
