from django.urls import path

from . import views
from .audit import AuditLogView

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/", views.area_view("customers"), name="area_customers"),
    path("tickets/", views.area_view("tickets"), name="area_tickets"),
    path("faq/", views.area_view("faq"), name="area_faq"),
    path("cmdb/", views.area_view("cmdb"), name="area_cmdb"),
    path("reports/", views.area_view("reports"), name="area_reports"),
    path("admin/", views.area_view("admin"), name="admin_home"),
    path("admin/audit/", AuditLogView.as_view(), name="audit_log"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
]
