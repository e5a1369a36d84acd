from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.home, name="home"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/new/", views.receipt_new, name="receipt_new"),
    path("receipts/<int:pk>/", views.receipt_detail, name="receipt"),
    path("receipts/<int:pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:pk>/<str:action>/", views.receipt_action, name="receipt_action"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/register.xlsx", views.invoice_register, name="invoice_register"),
    path("invoices/requests/<int:pk>/pdf/", views.invoice_request_pdf, name="invoice_request_pdf"),
    path("invoices/<int:pk>/<str:action>/", views.invoice_action, name="invoice_action"),
    path("ar/", views.ar, name="ar"),
    path("ar/deferrals/", views.deferral_new, name="deferral_new"),
    path("ar/deferrals/<int:pk>/decide/", views.deferral_decide, name="deferral_decide"),
    path("ar/reconciliations/<int:pk>/", views.reconciliation_record, name="reconciliation_record"),
    path("statement/<int:customer_id>/", views.customer_statement, name="statement"),
    path("statement/<int:customer_id>/write-off/", views.write_off_new, name="write_off_new"),
]
