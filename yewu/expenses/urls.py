from django.urls import path

from . import views

app_name = "expenses"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<str:kind>/", views.doc_new, name="doc_new"),
    path("<int:pk>/", views.doc_detail, name="doc"),
    path("<int:pk>/pdf/", views.doc_pdf, name="doc_pdf"),
    path("<int:pk>/<str:action>/", views.doc_action, name="doc_action"),
    path("approvals/", views.inbox, name="inbox"),
    path("requests/new/", views.request_new, name="request_new"),
    path("advances/new/", views.advance_new, name="advance_new"),
    path("register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("advances/overdue/", views.overdue, name="overdue"),
    path("advances/<int:pk>/", views.advance_detail, name="advance"),
    path("advances/<int:pk>/pdf/", views.advance_pdf, name="advance_pdf"),
    path("advances/<int:pk>/<str:action>/", views.advance_action, name="advance_action"),
    path("cashier/", views.cashier, name="cashier"),
    path("journal/", views.journal, name="journal"),
    path("journal/xlsx/", views.journal_xlsx, name="journal_xlsx"),
    path("journal/pdf/", views.journal_pdf, name="journal_pdf"),
    path("counts/", views.counts, name="counts"),
    path("counts/<int:pk>/", views.count_detail, name="count"),
    path("counts/<int:pk>/pdf/", views.count_pdf, name="count_pdf"),
    path("counts/<int:pk>/xlsx/", views.count_xlsx, name="count_xlsx"),
    path("bank/", views.bank, name="bank"),
    path("bank/preview.pdf", views.bank_preview, name="bank_preview"),
    path("bank/preview.xlsx", views.bank_preview_xlsx, name="bank_preview_xlsx"),
    path("bank/<int:pk>/pdf/", views.bank_pdf, name="bank_pdf"),
    path("bank/<int:pk>/xlsx/", views.bank_xlsx, name="bank_xlsx"),
]
