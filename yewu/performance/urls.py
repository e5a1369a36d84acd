from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("commission/", views.commission, name="commission"),
    path("commission/submit/", views.submit_statement, name="submit_statement"),
    path("commission/payroll/", views.payroll, name="payroll"),
]
