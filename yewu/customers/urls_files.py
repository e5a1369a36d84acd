"""Excel import/export and PDF forms of the customer archive (SPEC §9.1)."""

from django.urls import path, re_path

from yewu.customers.documents import views as v
from yewu.customers.imports import views as imp

app_name = "customer_files"
urlpatterns = [
    path("customers/import/", imp.import_page, name="import"),
    path("customers/import/template.xlsx", imp.import_template, name="import_template"),
    re_path(r"^customers/import/jobs/(?P<token>\d+-[A-Za-z0-9_-]+)/$", imp.import_job, name="import_job"),
    re_path(r"^customers/import/report/(?P<token>\d+-[A-Za-z0-9_-]+)\.xlsx$", imp.import_report, name="import_report"),
    path("customers/export.xlsx", v.export_list, name="export"),
    re_path(r"^customers/contacts\.(?P<fmt>pdf|xlsx)$", v.contacts, name="contacts"),
    re_path(r"^customers/(?P<pk>\d+)/card\.(?P<fmt>pdf|xlsx)$", v.card, name="card"),
    re_path(r"^customers/(?P<pk>\d+)/visits\.(?P<fmt>pdf|xlsx)$", v.visits, name="visits"),
    re_path(r"^customers/(?P<pk>\d+)/sales-record\.(?P<fmt>pdf|xlsx)$", v.sales_record, name="sales_record"),
]
