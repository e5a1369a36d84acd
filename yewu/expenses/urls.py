from django.urls import path

from .advances import views as advances
from .cash import views as cash
from .claims import views as claims

app_name = "expenses"
urlpatterns = [
    path("", claims.index, name="index"),
    path("new/<str:kind>/", claims.doc_new, name="doc_new"),
    path("<int:pk>/", claims.doc_detail, name="doc"),
    path("<int:pk>/pdf/", claims.doc_pdf, name="doc_pdf"),
    path("<int:pk>/<str:action>/", claims.doc_action, name="doc_action"),
    path("approvals/", claims.inbox, name="inbox"),
    path("requests/new/", claims.request_new, name="request_new"),
    path("advances/new/", advances.advance_new, name="advance_new"),
    path("register.xlsx", claims.register_xlsx, name="register_xlsx"),
    path("advances/overdue/", advances.overdue, name="overdue"),
    path("advances/<int:pk>/", advances.advance_detail, name="advance"),
    path("advances/<int:pk>/pdf/", advances.advance_pdf, name="advance_pdf"),
    path("advances/<int:pk>/<str:action>/", advances.advance_action, name="advance_action"),
    path("cashier/", cash.cashier, name="cashier"),
    path("journal/", cash.journal, name="journal"),
    path("journal/xlsx/", cash.journal_xlsx, name="journal_xlsx"),
    path("journal/pdf/", cash.journal_pdf, name="journal_pdf"),
    path("counts/", cash.counts, name="counts"),
    path("counts/<int:pk>/", cash.count_detail, name="count"),
    path("counts/<int:pk>/pdf/", cash.count_pdf, name="count_pdf"),
    path("counts/<int:pk>/xlsx/", cash.count_xlsx, name="count_xlsx"),
    path("bank/", cash.bank, name="bank"),
    path("bank/preview.pdf", cash.bank_preview, name="bank_preview"),
    path("bank/preview.xlsx", cash.bank_preview_xlsx, name="bank_preview_xlsx"),
    path("bank/<int:pk>/pdf/", cash.bank_pdf, name="bank_pdf"),
    path("bank/<int:pk>/xlsx/", cash.bank_xlsx, name="bank_xlsx"),
]
