from django.urls import path

from .invoices import views as invoices
from .receipts import views as receipts
from .receivables import views as receivables
from .statements import views as statements

app_name = "finance"
urlpatterns = [
    path("", receipts.home, name="home"),
    path("customers/", receipts.customer_search, name="customer_search"),
    path("receipts/", receipts.receipt_list, name="receipts"),
    path("receipts/new/", receipts.receipt_new, name="receipt_new"),
    path("receipts/<int:pk>/", receipts.receipt_detail, name="receipt"),
    path("receipts/<int:pk>/pdf/", receipts.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:pk>/<str:action>/", receipts.receipt_action, name="receipt_action"),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/register.xlsx", invoices.invoice_register, name="invoice_register"),
    path("invoices/requests/<int:pk>/pdf/", invoices.invoice_request_pdf, name="invoice_request_pdf"),
    path("invoices/<int:pk>/<str:action>/", invoices.invoice_action, name="invoice_action"),
    path("ar/", receivables.ar, name="ar"),
    path("ar/deferrals/", receivables.deferral_new, name="deferral_new"),
    path("ar/deferrals/<int:pk>/decide/", receivables.deferral_decide, name="deferral_decide"),
    path("ar/reconciliations/<int:pk>/", receivables.reconciliation_record, name="reconciliation_record"),
    path("statement/<int:customer_id>/", statements.customer_statement, name="statement"),
    path("statement/<int:customer_id>/write-off/", receivables.write_off_new, name="write_off_new"),
]
