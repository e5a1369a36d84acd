from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/contract-review/", views.contract_review, name="contract_review"),
    path("<int:pk>/phone-approve/", views.phone_approve, name="phone_approve"),
]
