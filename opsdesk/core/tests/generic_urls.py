"""A URL configuration for the generic view tests: the project's URLs plus plain group screens
that use the generic views' defaults (no service hooks)."""

from django import forms
from django.urls import include, path

from opsdesk.accounts.models import Group
from opsdesk.core import generic
from opsdesk.core.tests.test_csv_import import GroupImporter
from opsdesk.urls import urlpatterns as project_urlpatterns


class PlainGroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ("name", "comment", "valid")


class PlainGroupFilterSet(generic.QuickSearchFilterSet):
    search_fields = ("name", "comment")
    valid = generic.validity_filter()

    class Meta:
        model = Group
        fields = []


class PlainGroupTable(generic.ObjectTable):
    valid = generic.ValidityColumn()

    class Meta(generic.ObjectTable.Meta):
        model = Group
        fields = ("name", "comment", "valid")


class PlainGroupViews:
    model = Group
    url_base = "generic_test:group"
    required = ("rw", "admin")


class ListView(PlainGroupViews, generic.ObjectListView):
    queryset = Group.objects.all()
    filterset_class = PlainGroupFilterSet
    table_class = PlainGroupTable


class DetailView(PlainGroupViews, generic.ObjectDetailView):
    pass


class EditView(PlainGroupViews, generic.ObjectEditView):
    form_class = PlainGroupForm


class InvalidateView(PlainGroupViews, generic.ObjectInvalidateView):
    pass


class DeleteView(PlainGroupViews, generic.ObjectDeleteView):
    pass


class ImportView(PlainGroupViews, generic.ObjectImportView):
    importer_class = GroupImporter


screens = [
    path("groups/", ListView.as_view(), name="group_list"),
    path("groups/add/", EditView.as_view(), name="group_add"),
    path("groups/import/", ImportView.as_view(), name="group_import"),
    path("groups/<int:pk>/", DetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", EditView.as_view(), name="group_edit"),
    path("groups/<int:pk>/invalidate/", InvalidateView.as_view(), name="group_invalidate"),
    path("groups/<int:pk>/delete/", DeleteView.as_view(), name="group_delete"),
]

urlpatterns = [
    path("generic-test/", include((screens, "generic_test"))),
    *project_urlpatterns,
]
