"""The order pages under /orders/ (the payment form posts to /orders/<pk>/payments/, served by
:mod:`yewu.finance.order_payments` and routed in :mod:`yewu.urls`)."""

from django.urls import path

from .contracts import views as contract_views
from .ordering import views
from .returns import views as return_views
from .shipping import views as shipping_views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("new/customers/", views.customer_search, name="customer_search"),
    path("settlement-options/", views.settlement_options, name="settlement_options"),
    path("custom-dates/", views.custom_dates, name="custom_dates"),
    path("late-lines/", views.late_lines, name="late_lines"),
    path("contracts/", contract_views.contract_list, name="contracts"),
    path("contracts/register/", contract_views.register, name="contract_register"),
    path("contracts/register/confirm/", contract_views.register_confirm, name="contract_register_confirm"),
    path("contracts/<int:contract_id>/takeout/", contract_views.takeout, name="contract_takeout"),
    path("contracts/<int:contract_id>/disputes/", contract_views.dispute_create, name="contract_dispute"),
    path("contracts/custody/<int:loan_id>/<slug:action>/", contract_views.custody_action, name="custody_action"),
    path("contracts/disputes/<int:dispute_id>/status/", contract_views.dispute_move, name="dispute_move"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/submit/", views.order_submit, name="submit"),
    path("<int:pk>/shipments/", shipping_views.order_ship, name="ship"),
    path("<int:pk>/shipments/<int:shipment_id>/delivered/", shipping_views.shipment_delivered, name="delivered"),
    path("<int:pk>/lines/<int:line_id>/ship-date/", views.line_ship_date, name="ship_date"),
    path("<int:pk>/contract/", contract_views.contract_create, name="contract_create"),
    path("<int:pk>/contract/submit/", contract_views.contract_submit, name="contract_submit"),
    path("<int:pk>/contract/sign/", contract_views.contract_sign, name="contract_sign"),
    path("<int:pk>/contract/file/", contract_views.contract_file, name="contract_file"),
    path("<int:pk>/contract/scan/", contract_views.contract_scan, name="contract_scan"),
    path("<int:pk>/returns/", return_views.return_apply, name="return_apply"),
    path("<int:pk>/returns/<int:return_id>/<slug:action>/", return_views.return_action, name="return_action"),
]
