"""One FilterSet per index, used by its listing, its exports and its feeds alike. Every filter is
a plain GET parameter, so the forms work without JavaScript."""

import django_filters
from django.db.models import IntegerField, Value
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from .choices import InspectionOutcome, InstitutionType, PeriodKind, PolicyTopic, Validity
from .models.taxonomy import ViolationCategory


class IndexFilterSet(django_filters.FilterSet):
    """Year and region choices come from what the index actually lists."""

    year_field: str = ""

    year = django_filters.ChoiceFilter(label=_("Year"), method="filter_year", empty_label=_("All years"))
    region = django_filters.ChoiceFilter(label=_("Region"), empty_label=_("All regions"))

    def __init__(self, data=None, queryset=None, *, index=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        years, regions = self._years_and_regions(queryset.order_by())
        self.filters["year"].extra["choices"] = [(str(y), str(y)) for y in years]
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]

    def _years_and_regions(self, base):
        """The years (newest first) and the non-empty regions (in the database's order) of what the
        index lists, from one query of their distinct pairs."""
        year = ExtractYear(self.year_field) if self.year_field else Value(None, output_field=IntegerField())
        pairs = base.annotate(listed_year=year).values_list("listed_year", "region").distinct().order_by("region")
        years, regions = set(), {}
        for listed_year, region in pairs:
            if listed_year is not None:
                years.add(listed_year)
            if region:
                regions.setdefault(region, None)
        return sorted(years, reverse=True), list(regions)

    def filter_year(self, queryset, name, value):
        return queryset.filter(**{f"{self.year_field}__year": int(value)})


class PolicyFilterSet(IndexFilterSet):
    year_field = "date_issued"
    topic = django_filters.ChoiceFilter(label=_("Topic"), choices=PolicyTopic.choices, empty_label=_("All topics"))
    validity = django_filters.ChoiceFilter(label=_("Validity"), choices=Validity.choices, empty_label=_("Any validity"))


class CaseFilterSet(IndexFilterSet):
    year_field = "decision_date"
    institution_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=InstitutionType.choices, empty_label=_("All types")
    )
    # By the category's code, among the categories of the vocabulary: read once as a list (a
    # ModelChoiceFilter would count them, then read them, then look the chosen one up again).
    category = django_filters.ChoiceFilter(
        label=_("Violation"), field_name="categories__slug", empty_label=_("All violations")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = ViolationCategory.objects.values_list("slug", "name")
        self.filters["category"].extra["choices"] = list(categories)


class InspectionFilterSet(django_filters.FilterSet):
    """Random-inspection plans by plan year and by the region of their results: a plan covers the
    whole jurisdiction, its results say where the inspected institutions are. Same parameters and
    labels as IndexFilterSet, whose choices assume a date field and a region column on the page."""

    year = django_filters.ChoiceFilter(label=_("Year"), empty_label=_("All years"))
    region = django_filters.ChoiceFilter(label=_("Region"), method="filter_region", empty_label=_("All regions"))

    def __init__(self, data=None, queryset=None, *, index=None, **kwargs):
        from .models.inspections import InspectionResult

        super().__init__(data, queryset, **kwargs)
        base = queryset.order_by()
        years = base.values_list("year", flat=True).distinct().order_by("-year")
        self.filters["year"].extra["choices"] = [(str(y), str(y)) for y in years]
        regions = (
            InspectionResult.objects.filter(page__in=base.values("pk"))
            .exclude(region="")
            .values_list("region", flat=True)
            .distinct()
            .order_by("region")
        )
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]

    def filter_region(self, queryset, name, value):
        # A subquery, not a join: a join would repeat a plan once per matching result.
        from .models.inspections import InspectionResult

        return queryset.filter(pk__in=InspectionResult.objects.filter(region=value).values("page_id"))


class InspectionResultFilterSet(django_filters.FilterSet):
    """The results table of one plan page, its downloads too. Region choices come from the plan's
    own results; types and outcomes are the fixed vocabularies."""

    region = django_filters.ChoiceFilter(label=_("Region"), empty_label=_("All regions"))
    institution_type = django_filters.ChoiceFilter(
        label=_("Institution type"), choices=InstitutionType.choices, empty_label=_("All types")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=InspectionOutcome.choices, empty_label=_("All outcomes")
    )

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        regions = sorted({region for region in queryset.values_list("region", flat=True) if region})
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]

    def filter_queryset(self, queryset):
        # In a preview the rows are unsaved, in modelcluster's in-memory FakeQuerySet, which
        # filters alike but is not a QuerySet, as django-filter's own version insists on.
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class FundFilterSet(IndexFilterSet):
    year_field = "period_end"
    period_kind = django_filters.ChoiceFilter(
        label=_("Period type"), choices=PeriodKind.choices, empty_label=_("All period types")
    )
