"""The inspection directories in the admin (双随机名录库): the inspection-item list, the designated
institutions and the inspectors, as snippets grouped under one menu item, with Wagtail's CSV/XLSX
export and an import screen per directory (the checks are in directory_import.py).

Registered here; disclosures/wagtail_hooks.py imports this module so that Wagtail loads it.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from disclosures import directory_import
from disclosures.directory_import import ImportFailed
from disclosures.models.directories import CreditRating, InspectedInstitution, InspectionItem, Inspector

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_import(user, model) -> bool:
    """Importing adds and changes entries: it takes both model permissions."""
    opts = model._meta
    return all(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}") for action in ("add", "change")
    )


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def _active_column(model):
    return BooleanColumn("active", label=_label(model, "active"), sort_key="active")


def _export_preprocess(directory):
    """Choice columns as their labels and yes/no columns as 是/否, in both export formats; the
    import reads them back (and the stored codes too)."""
    preprocess = {}
    for name in directory.columns:
        model_field = directory.field(name)
        if model_field.get_internal_type() == "BooleanField":
            function = directory_import.boolean_text
        elif model_field.choices:

            def function(value, model_field=model_field):
                return directory_import.choice_text(model_field, value)

        else:
            continue
        preprocess[name] = {"csv": function, "xlsx": function}
    return preprocess


# Views ------------------------------------------------------------------------------------------


class DirectoryIndexView(IndexView):
    """The snippet listing, with an Import button for those who may import, and a CSV export that
    Excel opens as UTF-8 (with a byte-order mark)."""

    import_url_name = None

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.import_url_name and may_import(self.request.user, self.model):
            buttons.append(
                HeaderButton(_("Import"), url=reverse(self.import_url_name), icon_name="upload", priority=1100)
            )
        return buttons

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A CSV file in UTF-8 or an XLSX workbook, at most %(size)s MB and %(rows)s rows."
        ) % {"size": directory_import.MAX_BYTES // (1024 * 1024), "rows": f"{directory_import.MAX_ROWS:,}"}
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv," + XLSX_TYPE


class _DirectoryViewMixin:
    model = None
    index_url_name = None
    import_url_name = None
    template_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not may_import(request.user, self.model):
            raise PermissionDenied
        self.directory = directory_import.directory_for(self.model)
        return super().dispatch(request, *args, **kwargs)


class DirectoryImportView(_DirectoryViewMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "disclosures/admin/directory_import.html"
    form_class = ImportForm
    header_icon = "upload"

    def get_page_title(self):
        return _("Import %(directory)s") % {"directory": self.model._meta.verbose_name_plural}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": capfirst(self.model._meta.verbose_name_plural)},
            {"url": "", "label": _("Import")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "columns": directory_import.column_help(self.directory),
                "key_heading": self.directory.heading(self.directory.key),
                "template_csv_url": reverse(self.template_url_name, args=("csv",)),
                "template_xlsx_url": reverse(self.template_url_name, args=("xlsx",)),
                "index_url": reverse(self.index_url_name),
            }
        )
        context.setdefault("import_errors", [])
        return context

    def form_valid(self, form):
        try:
            table = directory_import.read_table(form.cleaned_data["file"])
            plan = directory_import.prepare(self.directory, table)
            result = directory_import.apply(plan, actor=self.request.user)
        except ImportFailed as failure:
            return self.render_to_response(self.get_context_data(form=form, import_errors=failure.errors))
        except IntegrityError:
            error = directory_import.Problem(
                _("The directory changed while the file was being imported. Nothing was saved: import the file again.")
            )
            return self.render_to_response(self.get_context_data(form=form, import_errors=[error]))
        messages.success(
            self.request,
            _("Import finished: %(created)s added, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return redirect(self.index_url_name)


class DirectoryTemplateView(_DirectoryViewMixin, View):
    """An empty file with the column headings, to fill in and import."""

    def get(self, request, file_format):
        filename = f"{self.model._meta.db_table}-template"
        if file_format == "csv":
            response = HttpResponse(directory_import.template_csv(self.directory), content_type="text/csv")
        elif file_format == "xlsx":
            response = HttpResponse(directory_import.template_xlsx(self.directory), content_type=XLSX_TYPE)
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
        return response


# Viewsets ---------------------------------------------------------------------------------------


class DirectoryViewSet(SnippetViewSet):
    """A directory snippet with the import screen and its template download."""

    index_view_class = DirectoryIndexView
    import_view_class = DirectoryImportView
    template_view_class = DirectoryTemplateView
    list_per_page = 50

    @property
    def directory(self):
        return directory_import.directory_for(self.model)

    @property
    def list_export(self):
        return list(self.directory.columns)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            import_url_name=self.get_url_name("import"),
            custom_field_preprocess=_export_preprocess(self.directory),
            **kwargs,
        )

    def _import_kwargs(self):
        return {
            "model": self.model,
            "index_url_name": self.get_url_name("list"),
            "import_url_name": self.get_url_name("import"),
            "template_url_name": self.get_url_name("import_template"),
            "breadcrumbs_items": self.breadcrumbs_items,
        }

    @property
    def import_view(self):
        return self.construct_view(self.import_view_class, **self._import_kwargs())

    @property
    def template_view(self):
        return self.construct_view(self.template_view_class, **self._import_kwargs())

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("import/template.<slug:file_format>", self.template_view, name="import_template"),
        ]


class InspectionItemViewSet(DirectoryViewSet):
    model = InspectionItem
    icon = "list-ul"
    list_display = ["code", "name", "method", _active_column(InspectionItem)]
    list_filter = ["active"]
    search_fields = ["code", "name", "legal_basis"]
    search_backend_name = None


class CreditRatingFilter(django_filters.ChoiceFilter):
    """ "Not rated" is stored as "", which a plain choice filter takes for "all"."""

    UNRATED = "unrated"

    def __init__(self, *args, **kwargs):
        choices = [(value or self.UNRATED, label) for value, label in CreditRating.choices]
        super().__init__(*args, choices=choices, **kwargs)

    def filter(self, qs, value):
        if value == self.UNRATED:
            return qs.filter(**{self.field_name: ""})
        return super().filter(qs, value)


def _regions(model):
    def choices():
        regions = model.objects.order_by("region").values_list("region", flat=True).distinct()
        return [(region, region) for region in regions]

    return choices


def _region_filter(model):
    return django_filters.ChoiceFilter(
        label=_label(model, "region"), choices=_regions(model), empty_label=gettext_lazy("All"), widget=forms.Select
    )


class InstitutionFilterSet(WagtailFilterSet):
    region = _region_filter(InspectedInstitution)
    credit_rating = CreditRatingFilter(
        label=_label(InspectedInstitution, "credit_rating"), empty_label=gettext_lazy("All"), widget=forms.RadioSelect
    )

    class Meta:
        model = InspectedInstitution
        fields = ["institution_type", "region", "level", "credit_rating", "active"]


class InspectorFilterSet(WagtailFilterSet):
    region = _region_filter(Inspector)

    class Meta:
        model = Inspector
        fields = ["region", "active"]


class InspectedInstitutionViewSet(DirectoryViewSet):
    model = InspectedInstitution
    icon = "site"
    list_display = [
        "name",
        "credit_code",
        "institution_type",
        "region",
        "level",
        "credit_rating",
        _active_column(InspectedInstitution),
    ]
    filterset_class = InstitutionFilterSet
    search_fields = ["name", "credit_code", "region"]
    search_backend_name = None


class InspectorViewSet(DirectoryViewSet):
    model = Inspector
    icon = "user"
    list_display = ["name", "certificate_number", "unit", "region", _active_column(Inspector)]
    filterset_class = InspectorFilterSet
    search_fields = ["name", "certificate_number", "unit", "region"]
    search_backend_name = None


class InspectionDirectoryGroup(SnippetViewSetGroup):
    items = (InspectionItemViewSet, InspectedInstitutionViewSet, InspectorViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = gettext_lazy("Inspection directories")
    menu_name = "inspection_directories"


register_snippet(InspectionDirectoryGroup)
